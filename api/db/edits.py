"""Writes through the API: create or update papers and authors (with their external ids, bylines and
institutions), attach figures a source reports, retract a paper.

Each write is one transaction, as the write role (`api.db.roles`):

1. its idempotency key, if any, is claimed (`api.db.idempotency`): a key already used answers the first
   outcome and writes nothing;
2. the ids it names are resolved and the external ids it sets checked against their owners, each problem
   recorded under its field's path (`InvalidFieldsError`, all at once, nothing written);
3. the authors whose papers change are locked, in id order, before the paper, as corrections lock them
   (`api.db.corrections`), so two writes to one author wait for each other instead of each computing
   figures blind to the other's paper, and never deadlock with a correction; should PostgreSQL still
   find a deadlock (a byline changed between the look and the lock), the write is done again, up to
   three times, and the client never sees it;
4. rows change only where a value differs (a write that changes nothing leaves `updatedAt` alone); a
   changed byline moves the paper's `updatedAt` and the `updatedAt` of the authors who joined or left;
5. the computed figures of every affected author are recomputed before the commit: the byline's authors
   before and after, and, when the byline or the date changed, the authors of the papers the paper cites
   (their self-citation and per-year figures depend on it).

The functions return an `Outcome` (the status and the resource): the API layers read the resource
after the commit and answer it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from api.db import idempotency
from api.db.drafts import (
    AuthorDraft,
    BylineEntry,
    CheckedPaper,
    FiguresReport,
    Keep,
    PaperDraft,
    Problems,
    check_author,
    check_paper,
    check_reason,
    check_report,
)
from api.db.idempotency import Claim, Outcome
from api.db.metrics import refresh_computed_metrics
from api.db.pool import Connection, Database
from api.db.write_policy import PAPER_FIELDS
from api.db.writes import WriteStats, author_names, institution_by_name, record_reported_metrics
from api.errors import InvalidInputError, NotFoundError
from api.ids import ExternalId, Kind, encode_id, parse_id_of

DEADLOCK_ATTEMPTS = 3
_EXTERNAL_IDS: dict[Kind, tuple[str, str]] = {
    "Author": ("author_external_ids", "author_id"),
    "Paper": ("paper_external_ids", "paper_id"),
}
_AUTHOR_COLUMNS = ("name", "primary_category")


async def _in_write(db: Database, claim: Claim | None, work: Callable[[Connection], Awaitable[Outcome]]) -> Outcome:
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            async with db.transaction() as connection:
                await idempotency.claim(connection, claim)
                outcome = await work(connection)
                await idempotency.settle(connection, claim, outcome)
            return outcome
        except idempotency.Replay as replay:
            return dataclasses.replace(replay.outcome, replayed=True)
        except asyncpg.DeadlockDetectedError:
            # PostgreSQL rolled this one back so the other could go on: do it again, on what the other wrote
            if attempt == DEADLOCK_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _stored_authors(connection: Connection, refs: Sequence[int | ExternalId]) -> dict[int | ExternalId, int]:
    """The stored author each parsed id names (a merged row number: its survivor), for those that name one:
    one statement for the row numbers, one for the external ids, however long the byline."""
    numbers = [ref for ref in refs if isinstance(ref, int)]
    external = [ref for ref in refs if isinstance(ref, ExternalId)]
    found: dict[int | ExternalId, int] = {}
    if numbers:
        rows = await connection.fetch(
            """
            SELECT x.asked, a.id FROM unnest($1::bigint[]) AS x(asked)
            JOIN authors a
              ON a.id = coalesce((SELECT r.new_id FROM author_redirects r WHERE r.old_id = x.asked), x.asked)
            """,
            numbers,
        )
        found.update({row["asked"]: row["id"] for row in rows})
    if external:
        rows = await connection.fetch(
            """
            SELECT x.n, e.author_id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(scheme, value, n)
            JOIN author_external_ids e ON e.scheme = x.scheme AND e.value = x.value
            """,
            [ref.scheme for ref in external],
            [ref.value for ref in external],
        )
        found.update({external[row["n"] - 1]: row["author_id"] for row in rows})
    return found


async def _lock_authors(connection: Connection, author_ids: Sequence[int]) -> None:
    await connection.execute(
        "SELECT id FROM authors WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", sorted(set(author_ids))
    )


async def _set_external_ids(
    connection: Connection, problems: Problems, kind: Kind, owner_id: int, wanted: dict[str, str | None]
) -> bool:
    """Give the owner exactly these ids of each scheme named (None: none of it); True if anything changed.
    An id another row holds is a problem at `external_ids.<scheme>` (it is never moved)."""
    table, owner = _EXTERNAL_IDS[kind]
    changed = False
    for scheme, value in wanted.items():
        status = await connection.execute(
            f"DELETE FROM {table} WHERE {owner} = $1 AND scheme = $2 AND value IS DISTINCT FROM $3",
            owner_id,
            scheme,
            value,
        )
        changed |= not status.endswith(" 0")
        if value is None:
            continue
        # the row inserted, else the one there (the statement's snapshot does not see its own insert)
        found = await connection.fetchrow(
            f"""
            WITH added AS (
                INSERT INTO {table} (scheme, value, {owner}) VALUES ($1, $2, $3)
                ON CONFLICT (scheme, value) DO NOTHING RETURNING {owner}
            )
            SELECT {owner} AS holder, true AS inserted FROM added
            UNION ALL SELECT {owner}, false FROM {table} WHERE scheme = $1 AND value = $2
            LIMIT 1
            """,
            scheme,
            value,
            owner_id,
        )
        assert found is not None
        if found["holder"] != owner_id:
            problems.add(
                ("external_ids", scheme), f"{scheme}:{value} already identifies {encode_id(kind, found['holder'])}"
            )
        changed |= bool(found["inserted"])
    return changed


async def _byline_rows(
    connection: Connection, problems: Problems, entries: Sequence[BylineEntry]
) -> list[tuple[int | None, BylineEntry]]:
    """Each entry with the stored author it names (None for a new author), duplicates recorded as problems."""
    refs: dict[int, int | ExternalId | InvalidInputError] = {}
    for index, entry in enumerate(entries):
        if entry.author is not None:
            try:
                refs[index] = parse_id_of("Author", entry.author)
            except InvalidInputError as error:
                refs[index] = error
    stored = await _stored_authors(connection, [ref for ref in refs.values() if not isinstance(ref, Exception)])
    rows: list[tuple[int | None, BylineEntry]] = []
    seen: dict[int, int] = {}
    for index, entry in enumerate(entries):
        ref, author_id, path = refs.get(index), None, ("authors", index, "author")
        if isinstance(ref, InvalidInputError):
            problems.add(path, str(ref))
        elif ref is not None:
            author_id = stored.get(ref)
            if author_id is None:
                problems.add(path, f"{str(entry.author)[:80]!r} names no stored author")
            elif author_id in seen:
                problems.add(path, f"the same author as authors[{seen[author_id]}]")
            else:
                seen[author_id] = index
        rows.append((author_id, entry))
    return rows


async def _write_byline(connection: Connection, paper_id: int, rows: list[tuple[int | None, BylineEntry]]) -> None:
    """Make the paper's byline exactly `rows`, in order (positions 1..n), creating the new authors."""
    stats = WriteStats()
    names = await author_names(connection, [author_id for author_id, _ in rows if author_id is not None])
    authors: list[int] = []
    written: list[str] = []
    institutions: list[int | None] = []
    affiliations: list[str | None] = []
    for author_id, entry in rows:
        if author_id is None:
            assert entry.name is not None  # checked by drafts._byline
            author_id = await connection.fetchval(
                "INSERT INTO authors (name) VALUES ($1) RETURNING id", entry.name.strip()
            )
        name = entry.name_as_written or entry.name or names[author_id]
        affiliation = entry.affiliation.strip() if entry.affiliation else None
        authors.append(author_id)
        written.append(name.strip())
        affiliations.append(affiliation)
        institutions.append(await institution_by_name(connection, stats, affiliation) if affiliation else None)
    await connection.execute(
        "DELETE FROM authorships WHERE paper_id = $1 AND NOT (author_id = ANY($2::bigint[]))", paper_id, authors
    )
    await connection.execute(
        """
        INSERT INTO authorships AS s (paper_id, author_id, position, list_order, name_as_written, institution_id,
                                      affiliation)
        SELECT $1, x.author_id, x.n, x.n, x.written, x.institution_id, x.affiliation
        FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY
             AS x(author_id, written, institution_id, affiliation, n)
        ON CONFLICT (paper_id, author_id) DO UPDATE SET
            position = EXCLUDED.position, list_order = EXCLUDED.list_order,
            name_as_written = EXCLUDED.name_as_written, institution_id = EXCLUDED.institution_id,
            affiliation = EXCLUDED.affiliation
        WHERE (s.position, s.list_order, s.name_as_written, s.institution_id, s.affiliation)
              IS DISTINCT FROM (EXCLUDED.position, EXCLUDED.list_order, EXCLUDED.name_as_written,
                                EXCLUDED.institution_id, EXCLUDED.affiliation)
        """,
        paper_id,
        authors,
        written,
        institutions,
        affiliations,
    )


async def _byline_of(connection: Connection, paper_id: int) -> list[tuple[Any, ...]]:
    """The byline as stored, in order: (author, position, name as written, institution, affiliation)."""
    rows = await connection.fetch(
        "SELECT author_id, position, name_as_written, institution_id, affiliation FROM authorships "
        "WHERE paper_id = $1 ORDER BY list_order",
        paper_id,
    )
    return [tuple(row) for row in rows]


async def _write_institutions(connection: Connection, paper_id: int, names: list[str]) -> bool:
    stats = WriteStats()
    ids = [await institution_by_name(connection, stats, name) for name in names]
    removed = await connection.execute(
        "DELETE FROM paper_institutions WHERE paper_id = $1 AND NOT (institution_id = ANY($2::bigint[]))",
        paper_id,
        ids,
    )
    added = await connection.execute(
        "INSERT INTO paper_institutions (paper_id, institution_id) SELECT $1, x FROM unnest($2::bigint[]) AS x "
        "ON CONFLICT DO NOTHING",
        paper_id,
        ids,
    )
    return not removed.endswith(" 0") or not added.endswith(" 0")


async def _set_columns(connection: Connection, table: str, row_id: int, columns: dict[str, object]) -> bool:
    """Update the named columns (names of this module's, never a client's) where a value differs."""
    if not columns:
        return False
    names = list(columns)
    values = ", ".join(f"${i}" for i in range(2, len(names) + 2))
    status = await connection.execute(
        f"UPDATE {table} SET ({', '.join(names)}) = ROW({values}) "
        f"WHERE id = $1 AND ({', '.join(names)}) IS DISTINCT FROM ({values})",
        row_id,
        *columns.values(),
    )
    return status == "UPDATE 1"


async def _cited_authors(connection: Connection, paper_id: int) -> list[int]:
    rows = await connection.fetch(
        "SELECT DISTINCT s.author_id FROM citations c JOIN authorships s ON s.paper_id = c.cited_paper_id "
        "WHERE c.citing_paper_id = $1",
        paper_id,
    )
    return [row["author_id"] for row in rows]


async def _write_paper(connection: Connection, paper_id: int | None, checked: CheckedPaper, problems: Problems) -> int:
    """Insert (`paper_id` None) or update a paper from checked values; returns its id."""
    rows = None if isinstance(checked.authors, Keep) else await _byline_rows(connection, problems, checked.authors)
    problems.raise_any()  # before any lock or row: an id that names nothing is the client's to fix
    stored: list[tuple[Any, ...]] = [] if paper_id is None else await _byline_of(connection, paper_id)
    before = [entry[0] for entry in stored]
    after = before if rows is None else [author for author, _ in rows if author is not None]
    await _lock_authors(connection, [*before, *after])
    if paper_id is None:
        fields = {name: checked.columns[name] for name in PAPER_FIELDS if name in checked.columns}
        names = list(fields)
        paper_id = await connection.fetchval(
            f"INSERT INTO papers ({', '.join(names)}) VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))}) "
            "RETURNING id",
            *fields.values(),
        )
        assert paper_id is not None
        date_changed = True
    else:
        found = await connection.fetchval("SELECT id FROM papers WHERE id = $1 FOR UPDATE", paper_id)
        if found is None:
            raise NotFoundError(f"no paper {encode_id('Paper', paper_id)}")
        stored = await _byline_of(connection, paper_id)  # as locked
        before = [entry[0] for entry in stored]
        await _lock_authors(connection, before)
        date_changed = "published_on" in checked.columns
        await _set_columns(connection, "papers", paper_id, checked.columns)
    touched = False
    if not isinstance(checked.external_ids, Keep):
        touched |= await _set_external_ids(connection, problems, "Paper", paper_id, checked.external_ids)
    if rows is not None:
        await _write_byline(connection, paper_id, rows)
    if not isinstance(checked.institutions, Keep):
        touched |= await _write_institutions(connection, paper_id, checked.institutions)
    problems.raise_any()
    written = await _byline_of(connection, paper_id)
    after = [entry[0] for entry in written]
    byline_changed = written != stored
    if touched or byline_changed:
        await connection.execute("UPDATE papers SET updated_at = now() WHERE id = $1", paper_id)
    moved = sorted(set(before) ^ set(after))
    if moved:
        await connection.execute("UPDATE authors SET updated_at = now() WHERE id = ANY($1::bigint[])", moved)
    affected = {*before, *after}
    if byline_changed or date_changed:
        affected.update(await _cited_authors(connection, paper_id))
    await refresh_computed_metrics(connection, sorted(affected))
    return paper_id


async def create_paper(db: Database, draft: PaperDraft, *, claim: Claim | None = None) -> Outcome:
    """Store a new paper; `Outcome(201, "Paper:<id>")`."""
    checked = check_paper(draft, creating=True)

    async def work(connection: Connection) -> Outcome:
        paper_id = await _write_paper(connection, None, checked, Problems())
        return Outcome(201, f"Paper:{paper_id}")

    return await _in_write(db, claim, work)


async def update_paper(db: Database, paper_id: int, draft: PaperDraft, *, claim: Claim | None = None) -> Outcome:
    """Change the fields the draft gives of a stored paper; `Outcome(200, "Paper:<id>")`."""
    checked = check_paper(draft, creating=False)

    async def work(connection: Connection) -> Outcome:
        await _write_paper(connection, paper_id, checked, Problems())
        return Outcome(200, f"Paper:{paper_id}")

    return await _in_write(db, claim, work)


async def retract_paper(db: Database, paper_id: int, reason: str, *, claim: Claim | None = None) -> Outcome:
    """Mark a paper retracted (the first retraction stands; retracting again changes nothing): it stays,
    with its id, and leaves its authors' computed figures."""
    text = check_reason(reason)

    async def work(connection: Connection) -> Outcome:
        authors = [entry[0] for entry in await _byline_of(connection, paper_id)]
        await _lock_authors(connection, authors)
        found = await connection.fetchrow("SELECT retracted_at FROM papers WHERE id = $1 FOR UPDATE", paper_id)
        if found is None:
            raise NotFoundError(f"no paper {encode_id('Paper', paper_id)}")
        if found["retracted_at"] is None:
            await connection.execute(
                "UPDATE papers SET retracted_at = now(), retraction_reason = $2 WHERE id = $1", paper_id, text
            )
            await refresh_computed_metrics(connection, authors)
        return Outcome(200, f"Paper:{paper_id}")

    return await _in_write(db, claim, work)


async def create_author(db: Database, draft: AuthorDraft, *, claim: Claim | None = None) -> Outcome:
    """Store a new author (with no papers yet: figures of zero); `Outcome(201, "Author:<id>")`."""
    checked = check_author(draft, creating=True)

    async def work(connection: Connection) -> Outcome:
        problems = Problems()
        columns = {name: checked.columns[name] for name in _AUTHOR_COLUMNS if name in checked.columns}
        author_id: int = await connection.fetchval(
            f"INSERT INTO authors ({', '.join(columns)}) "
            f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))}) RETURNING id",
            *columns.values(),
        )
        if not isinstance(checked.external_ids, Keep):
            await _set_external_ids(connection, problems, "Author", author_id, checked.external_ids)
        problems.raise_any()
        await refresh_computed_metrics(connection, [author_id])
        return Outcome(201, f"Author:{author_id}")

    return await _in_write(db, claim, work)


async def update_author(db: Database, author_id: int, draft: AuthorDraft, *, claim: Claim | None = None) -> Outcome:
    """Change the name, primary category or external ids of a stored author; `Outcome(200, "Author:<id>")`."""
    checked = check_author(draft, creating=False)

    async def work(connection: Connection) -> Outcome:
        problems = Problems()
        found = await connection.fetchval("SELECT id FROM authors WHERE id = $1 FOR UPDATE", author_id)
        if found is None:
            raise NotFoundError(f"no author {encode_id('Author', author_id)}")
        changed = await _set_columns(connection, "authors", author_id, checked.columns)
        if not isinstance(checked.external_ids, Keep):
            touched = await _set_external_ids(connection, problems, "Author", author_id, checked.external_ids)
            if touched and not changed:
                await connection.execute("UPDATE authors SET updated_at = now() WHERE id = $1", author_id)
        problems.raise_any()
        return Outcome(200, f"Author:{author_id}")

    return await _in_write(db, claim, work)


async def report_figures(db: Database, author_id: int, report: FiguresReport, *, claim: Claim | None = None) -> Outcome:
    """Store a source's figures for an author as of a date (a second report of one source and date
    replaces the first); `Outcome(200, "Author:<id>")`."""
    checked = check_report(report)

    async def work(connection: Connection) -> Outcome:
        found = await connection.fetchval("SELECT id FROM authors WHERE id = $1 FOR UPDATE", author_id)
        if found is None:
            raise NotFoundError(f"no author {encode_id('Author', author_id)}")
        stats = WriteStats()
        await record_reported_metrics(connection, stats, author_id, checked.source, checked.as_of, checked.figures)
        if stats.inserted or stats.updated:
            await connection.execute("UPDATE authors SET updated_at = now() WHERE id = $1", author_id)
        return Outcome(200, f"Author:{author_id}")

    return await _in_write(db, claim, work)
