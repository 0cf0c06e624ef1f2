"""Bulk-load mode: an import into an empty database sets foreign keys and secondary indexes aside.

Into an empty database, most of an import's time went to work PostgreSQL does per row: a foreign-key
check per reference of every citation, authorship and id row (a trigger each), and an entry in each
secondary index (the full-text GIN index, the trigram index of names, the list orderings). Built once
over the loaded rows, the same indexes and checks cost a fraction of that: one sort per index, one
set-based query per foreign key.

`set_aside` (after the import lock, in the import's transaction) drops those constraints and indexes,
keeping their exact definitions as the catalog gives them (pg_get_constraintdef, pg_get_indexdef), and
`restore` re-creates them before the final refresh; re-adding a foreign key checks every row. Both are
DDL inside the import's transaction: an import that fails or is killed rolls back to the schema as it
was, indexes and constraints included. While the transaction runs, it holds ACCESS EXCLUSIVE locks on
the tables involved: readers wait until the import commits (into an empty database, they would find
nothing anyway).

With the foreign keys gone, nothing cascades: `delete_dependents` does what their ON DELETE actions
did, for the rows an import deletes (papers and authors merged into others).

Kept in place: the indexes the import's own look-ups and conflict checks use (primary keys, unique
indexes, title and name keys, authorships by author, citations by cited paper).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from api.db.pool import Connection

# The tables whose rows reference papers, authors or institutions (with the foreign keys set aside).
_PARENTS = ("papers", "authors", "institutions")

# Secondary indexes no statement of the import reads; each is rebuilt once at the end.
SET_ASIDE_INDEXES = (
    "papers_newest",
    "papers_oldest",
    "papers_most_cited",
    "papers_categories",
    "papers_search",
    "paper_terms_rank",
    "papers_updated_at",
    "authors_name_key_trgm",
    "authors_updated_at",
    "authorships_institution",
    "paper_institutions_institution",
)


@dataclass(frozen=True)
class _ForeignKey:
    table: str
    name: str
    definition: str
    column: str
    parent: str
    on_delete: str  # pg_constraint.confdeltype: 'c' cascade, 'n' set null, 'a'/'r' no action/restrict


@dataclass
class SetAside:
    """What `set_aside` dropped, to restore; and whether the database was empty when the import began
    (`emptied`: every row it holds at the end is then the import's own)."""

    emptied: bool = False
    foreign_keys: list[_ForeignKey] = field(default_factory=list)
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)


async def database_is_empty(connection: Connection) -> bool:
    empty: bool = await connection.fetchval(
        "SELECT NOT EXISTS (SELECT 1 FROM papers) AND NOT EXISTS (SELECT 1 FROM authors)"
        " AND NOT EXISTS (SELECT 1 FROM institutions)"
    )
    return empty


async def set_aside(connection: Connection) -> SetAside:
    """Drop the foreign keys referencing papers, authors and institutions, and the secondary indexes
    no import statement reads; return their definitions.

    When the database is empty, its tables are first truncated (emptied again, in the import's
    transaction): on a server whose `wal_level` is minimal (the embedded default's), what a transaction
    writes into a table it created or truncated is not written to the WAL row by row, the table's files
    are flushed at commit instead, so the load's rows and index builds are written once, not twice."""
    dropped = SetAside(emptied=await database_is_empty(connection))
    if dropped.emptied:
        await connection.execute(f"TRUNCATE {', '.join(_PARENTS)} CASCADE")
    rows = await connection.fetch(
        """
        SELECT c.conrelid::regclass::text AS "table", c.conname AS name,
               pg_get_constraintdef(c.oid) AS definition, a.attname AS "column",
               c.confrelid::regclass::text AS parent, c.confdeltype::text AS on_delete
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid::regclass::text = ANY($1::text[]) AND cardinality(c.conkey) = 1
        ORDER BY 1, 2
        """,
        list(_PARENTS),
    )
    for row in rows:
        key = _ForeignKey(**dict(row))
        await connection.execute(f'ALTER TABLE {key.table} DROP CONSTRAINT "{key.name}"')
        dropped.foreign_keys.append(key)
    await set_indexes_aside(connection, dropped, SET_ASIDE_INDEXES)
    return dropped


async def set_indexes_aside(connection: Connection, dropped: SetAside, names: Sequence[str]) -> None:
    """Drop the secondary indexes `names` (those that exist), keeping their definitions in `dropped` for
    `restore`."""
    indexes = await connection.fetch(
        """
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i
        WHERE i.indexrelid::regclass::text = ANY($1::text[]) AND NOT i.indisprimary AND NOT i.indisunique
        ORDER BY 1
        """,
        list(names),
    )
    for index in indexes:
        await connection.execute(f'DROP INDEX "{index["name"]}"')
        dropped.indexes.append((index["name"], index["definition"]))


async def delete_dependents(connection: Connection, dropped: SetAside, parent: str, ids_query: str) -> None:
    """What the dropped foreign keys' ON DELETE actions would do when the `parent` rows `ids_query`
    selects are deleted: delete (CASCADE) or clear (SET NULL) the rows referencing them."""
    for key in dropped.foreign_keys:
        if key.parent != parent:
            continue
        column = f'"{key.column}"'
        if key.on_delete == "c":
            await connection.execute(f"DELETE FROM {key.table} WHERE {column} IN ({ids_query})")
        elif key.on_delete == "n":
            await connection.execute(f"UPDATE {key.table} SET {column} = NULL WHERE {column} IN ({ids_query})")


async def restore(connection: Connection, dropped: SetAside) -> None:
    """Re-create what `set_aside` dropped: the indexes (one build each), then the foreign keys (each
    re-added key checks every row once)."""
    await connection.execute("SELECT set_config('maintenance_work_mem', '512MB', true)")
    # A table with deferred checks still pending (authorships' unique (paper, list_order), queued when a
    # byline was renumbered) cannot be indexed or altered: run those checks now, defer again after.
    await connection.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for _, definition in dropped.indexes:
        await connection.execute(definition)
    for key in dropped.foreign_keys:
        await connection.execute(f'ALTER TABLE {key.table} ADD CONSTRAINT "{key.name}" {key.definition}')
    await connection.execute("SET CONSTRAINTS ALL DEFERRED")
    dropped.indexes.clear()
    dropped.foreign_keys.clear()
