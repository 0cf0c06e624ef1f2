"""External ids: authors and papers by the ids other systems give them, and the writer that attaches them.

Values are stored normalised (`api.ids`: DOI in lower case, arXiv without version, ORCID hyphenated),
one row per (scheme, value), so an id names at most one object while an object may carry several ids,
even of one scheme (a paper's Semantic Scholar sha and corpus id). Look-ups take many ids at once and
answer them with one statement, in the order asked; the writer refuses an id that belongs to another
object rather than moving it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg

from api.db.pool import Connection, Database
from api.db.records import AUTHOR_COLUMNS, PAPER_COLUMNS, AuthorRecord, PaperRecord
from api.errors import InvalidInputError, NotFoundError
from api.ids import ExternalId, Kind, normalise_external_id

_TABLES: dict[Kind, tuple[str, str, str]] = {
    # table, owner column, owner table
    "Author": ("author_external_ids", "author_id", "authors"),
    "Paper": ("paper_external_ids", "paper_id", "papers"),
}


def _columns(ids: Sequence[ExternalId]) -> tuple[list[str], list[str]]:
    return [i.scheme for i in ids], [i.value for i in ids]


async def find_authors(db: Database, ids: Sequence[ExternalId]) -> list[AuthorRecord | None]:
    """The author each external id names, in the order asked; None for an id no author carries."""
    if not ids:
        return []
    schemes, values = _columns(ids)
    rows = await db.fetch(
        f"""
        SELECT x.n, {AUTHOR_COLUMNS}
        FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(scheme, value, n)
        JOIN author_external_ids e ON e.scheme = x.scheme AND e.value = x.value
        JOIN authors a ON a.id = e.author_id
        """,
        schemes,
        values,
    )
    found: list[AuthorRecord | None] = [None] * len(ids)
    for row in rows:
        found[row["n"] - 1] = AuthorRecord.from_row(row)
    return found


async def find_papers(db: Database, ids: Sequence[ExternalId]) -> list[PaperRecord | None]:
    """The paper each external id names, in the order asked; None for an id no paper carries."""
    if not ids:
        return []
    schemes, values = _columns(ids)
    rows = await db.fetch(
        f"""
        SELECT x.n, {PAPER_COLUMNS}
        FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(scheme, value, n)
        JOIN paper_external_ids e ON e.scheme = x.scheme AND e.value = x.value
        JOIN papers p ON p.id = e.paper_id
        """,
        schemes,
        values,
    )
    found: list[PaperRecord | None] = [None] * len(ids)
    for row in rows:
        found[row["n"] - 1] = PaperRecord.from_row(row)
    return found


async def _external_ids_of(db: Database, kind: Kind, owner_ids: Sequence[int]) -> dict[int, list[ExternalId]]:
    table, owner, _ = _TABLES[kind]
    rows = await db.fetch(
        f"SELECT {owner} AS owner, scheme, value FROM {table} WHERE {owner} = ANY($1::bigint[]) "
        f"ORDER BY {owner}, scheme, value",
        list(owner_ids),
    )
    grouped: dict[int, list[ExternalId]] = {owner_id: [] for owner_id in owner_ids}
    for row in rows:
        grouped[row["owner"]].append(ExternalId(kind, row["scheme"], row["value"]))
    return grouped


async def external_ids_of_authors(db: Database, author_ids: Sequence[int]) -> dict[int, list[ExternalId]]:
    """Each author's external ids, by scheme then value (an empty list for an author with none)."""
    return await _external_ids_of(db, "Author", author_ids)


async def external_ids_of_papers(db: Database, paper_ids: Sequence[int]) -> dict[int, list[ExternalId]]:
    """Each paper's external ids, by scheme then value (an empty list for a paper with none)."""
    return await _external_ids_of(db, "Paper", paper_ids)


async def _attach(
    connection: Connection, kind: Kind, owner_id: int, pairs: Iterable[tuple[str, str] | ExternalId]
) -> int:
    wanted: list[ExternalId] = []
    for pair in pairs:
        given = pair if isinstance(pair, ExternalId) else normalise_external_id(kind, *pair)
        if given.kind != kind:
            raise InvalidInputError(f"{given} is an id of a {given.kind.lower()}, not of a {kind.lower()}")
        if given not in wanted:
            wanted.append(given)
    if not wanted:
        return 0
    # A savepoint (a transaction of its own outside one): a refused call attaches nothing.
    async with connection.raw.transaction():
        return await _insert_checked(connection, kind, owner_id, wanted)


async def _insert_checked(connection: Connection, kind: Kind, owner_id: int, wanted: list[ExternalId]) -> int:
    table, owner, owners = _TABLES[kind]
    schemes, values = _columns(wanted)
    try:
        inserted: int = await connection.fetchval(
            f"""
            WITH added AS (
                INSERT INTO {table} (scheme, value, {owner})
                SELECT scheme, value, $3 FROM unnest($1::text[], $2::text[]) AS x(scheme, value)
                ON CONFLICT (scheme, value) DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FROM added
            """,
            schemes,
            values,
            owner_id,
        )
    except asyncpg.ForeignKeyViolationError as error:
        raise NotFoundError(f"no {kind.lower()} with row id {owner_id} to attach {wanted[0]} to") from error
    # Read after the insert, so an id another transaction attached meanwhile is seen too.
    label = "name" if kind == "Author" else "title"
    taken = await connection.fetch(
        f"""
        SELECT e.scheme, e.value, e.{owner} AS owner, o.{label} AS label
        FROM unnest($1::text[], $2::text[]) AS x(scheme, value)
        JOIN {table} e ON e.scheme = x.scheme AND e.value = x.value
        JOIN {owners} o ON o.id = e.{owner}
        WHERE e.{owner} <> $3
        ORDER BY e.scheme, e.value
        """,
        schemes,
        values,
        owner_id,
    )
    if taken:
        row = taken[0]
        raise InvalidInputError(
            f"{row['scheme']}:{row['value']} already belongs to {kind.lower()} {row['owner']} "
            f"({str(row['label'])[:80]!r}); it cannot also name {kind.lower()} {owner_id}"
        )
    return inserted


async def add_author_external_ids(
    connection: Connection, author_id: int, pairs: Iterable[tuple[str, str] | ExternalId]
) -> int:
    """Attach external ids, given as (scheme, value) pairs in any form `api.ids` accepts, to an author.

    Idempotent: an id the author already carries is skipped. Returns how many ids were new. Raises
    InvalidInputError for a malformed id or one that already names another author, NotFoundError when
    the author does not exist; a refused call attaches none of its ids. One statement to attach, one to
    check, inside a savepoint of the caller's transaction.
    """
    return await _attach(connection, "Author", author_id, pairs)


async def add_paper_external_ids(
    connection: Connection, paper_id: int, pairs: Iterable[tuple[str, str] | ExternalId]
) -> int:
    """Attach external ids to a paper; the same contract as `add_author_external_ids`."""
    return await _attach(connection, "Paper", paper_id, pairs)
