"""The bulk writer's SQL: staging tables filled by COPY, then set-based statements per batch.

An import is one transaction on one connection (`begin_import` … `finish_import`). Each batch of records
is flattened by the caller (api/ingest/bulk.py) into rows of the TEMP staging tables below, copied in
with COPY, and written with a fixed number of statements whatever the batch's size:

    stage (TRUNCATE, COPY)  ->  match_papers  ->  [merge_papers]  ->  write_papers, attach_paper_ids,
    link_pending  ->  match_authors  ->  [merge_authors]  ->  write_authors, attach_author_ids,
    write_institutions  ->  write_authorships, reorder_bylines, link_paper_institutions, write_citations,
    write_reported

The decisions between the two look-ups (which records are one paper, which byline names one author) are
the caller's: the look-ups return candidates, the caller copies back its decisions (`bulk_paper`,
`bulk_work_paper`, `bulk_mention_author`, …). Row ids of new papers, authors and institutions come from
their identity sequences, which `begin_import` sets back to just past the largest id ever issued, so an
import rolled back and run again issues the same ids. Every writer of those tables takes the import lock.

The import-wide tables `bulk_touched` (papers whose authors or date changed), `bulk_cited` (papers whose
citations changed) and `bulk_refresh` (authors merged into) drive `finish_import`: citation counts (in
one statement) and computed metrics (each step once for all of them) are refreshed for those, never for
the whole database.
`bulk_universal_scheme` holds the author id schemes every stored author holds, which spares author
matching the name look-ups that cannot succeed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from api.db.bulk_load import SetAside, database_is_empty, delete_dependents, restore, set_aside, set_indexes_aside
from api.db.import_lock import LockWait, take_import_lock
from api.db.metrics import (
    refresh_all_computed_metrics,
    refresh_computed_metrics,
    refresh_staged_citation_counts,
)
from api.db.papers import NEWEST_KEY
from api.db.pool import Connection, current_counter
from api.db.records import Row
from api.db.write_policy import PAPER_FIELDS, merged_paper_sql
from api.ids import SCHEMES_OF


@dataclass
class BulkStats:
    """Rows written, by table: inserted, updated (only when a value changed), merged into another row."""

    inserted: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    merged: Counter[str] = field(default_factory=Counter)


# --- the staging tables -------------------------------------------------------------------------------

# Column lists of the tables the caller fills with `copy`, in the order its rows give them.
STAGED_COLUMNS: dict[str, tuple[str, ...]] = {
    "bulk_work": ("w", "title", "year"),
    "bulk_work_id": ("w", "scheme", "value"),
    "bulk_mention": ("m", "w", "name", "position", "affiliation", "institution"),
    "bulk_mention_id": ("m", "scheme", "value"),
    "bulk_institution": ("i", "name", "country_code", "ror", "openalex"),
    "bulk_paper_institution": ("w", "i"),
    "bulk_reference": ("w", "r", "scheme", "value"),
    "bulk_cited_by": ("w", "scheme", "value"),
    # import-wide: references of one id each, resolved once at the end (`resolve_deferred_references`)
    "bulk_deferred_reference": ("citing_paper_id", "scheme", "value"),
    "bulk_reported": (
        "m",
        "source",
        "as_of",
        "h_index",
        "i10_index",
        "citation_count",
        "paper_count",
        "two_year_mean_citedness",
    ),
    # decisions, copied back after the look-ups
    "bulk_paper": ("paper_id", "is_new", *PAPER_FIELDS),
    "bulk_work_paper": ("w", "paper_id"),
    "bulk_paper_merge": ("old_id", "new_id"),
    "bulk_mention_author": ("m", "author_id"),
    "bulk_author": ("author_id", "is_new", "name"),
    "bulk_author_merge": ("old_id", "new_id"),
}

# w: a record's number in its batch; m: a byline entry's (or a person's) number; i: an institution's;
# r: a reference's number within its record. Names and titles get their identity keys on the way in.
_STAGING = """
CREATE TEMP TABLE bulk_work (
    w int NOT NULL, title text NOT NULL, year int,
    title_key text GENERATED ALWAYS AS (sg_name_key(title)) STORED
) ON COMMIT DROP;
CREATE TEMP TABLE bulk_work_id (w int NOT NULL, scheme text NOT NULL, value text NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE bulk_mention (
    m int NOT NULL, w int, name text NOT NULL, position int, affiliation text, institution int,
    name_key text GENERATED ALWAYS AS (sg_name_key(name)) STORED
) ON COMMIT DROP;
CREATE TEMP TABLE bulk_mention_id (m int NOT NULL, scheme text NOT NULL, value text NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE bulk_institution (
    i int NOT NULL, name text NOT NULL, country_code text, ror text, openalex text,
    name_key text GENERATED ALWAYS AS (sg_name_key(name)) STORED,
    institution_id bigint, is_new boolean NOT NULL DEFAULT false
) ON COMMIT DROP;
CREATE TEMP TABLE bulk_paper_institution (w int NOT NULL, i int NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE bulk_reference (w int NOT NULL, r int NOT NULL, scheme text NOT NULL, value text NOT NULL)
    ON COMMIT DROP;
CREATE TEMP TABLE bulk_cited_by (w int NOT NULL, scheme text NOT NULL, value text NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE bulk_reported (
    m int NOT NULL, source text NOT NULL, as_of date NOT NULL, h_index int, i10_index int,
    citation_count int, paper_count int, two_year_mean_citedness numeric
) ON COMMIT DROP;
CREATE TEMP TABLE bulk_paper (
    paper_id bigint NOT NULL, is_new boolean NOT NULL, title text NOT NULL, abstract text,
    primary_category text, categories text[] NOT NULL, published_on date, published_precision text,
    code_url text, has_code boolean NOT NULL, authors_complete boolean NOT NULL, reported_citation_count int
) ON COMMIT DROP;
CREATE TEMP TABLE bulk_work_paper (w int NOT NULL, paper_id bigint NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE bulk_paper_merge (old_id bigint NOT NULL, new_id bigint NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE bulk_new_paper_id (scheme text NOT NULL, value text NOT NULL, paper_id bigint NOT NULL)
    ON COMMIT DROP;
CREATE TEMP TABLE bulk_mention_author (m int NOT NULL, author_id bigint NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE bulk_author (author_id bigint NOT NULL, is_new boolean NOT NULL, name text) ON COMMIT DROP;
CREATE TEMP TABLE bulk_author_merge (old_id bigint NOT NULL, new_id bigint NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE bulk_reorder (paper_id bigint PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE bulk_touched (paper_id bigint PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE bulk_cited (paper_id bigint PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE bulk_refresh (author_id bigint PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE bulk_universal_scheme (scheme text PRIMARY KEY) ON COMMIT DROP;
CREATE TEMP TABLE bulk_deferred_reference (citing_paper_id bigint NOT NULL, scheme text NOT NULL, value text NOT NULL)
    ON COMMIT DROP;
"""

_PER_BATCH = (
    "bulk_work, bulk_work_id, bulk_mention, bulk_mention_id, bulk_institution, bulk_paper_institution, "
    "bulk_reference, bulk_cited_by, bulk_reported, bulk_paper, bulk_work_paper, bulk_paper_merge, "
    "bulk_new_paper_id, bulk_mention_author, bulk_author, bulk_author_merge, bulk_reorder"
)

# Past the largest id ever issued: the rows, and the rows merged away (whose ids still answer).
_RESET_SEQUENCES = """
SELECT setval(pg_get_serial_sequence('papers', 'id'),
              greatest((SELECT max(id) FROM papers), (SELECT max(old_id) FROM paper_redirects), 0) + 1, false),
       setval(pg_get_serial_sequence('authors', 'id'),
              greatest((SELECT max(id) FROM authors), (SELECT max(old_id) FROM author_redirects), 0) + 1, false),
       setval(pg_get_serial_sequence('institutions', 'id'),
              coalesce((SELECT max(id) FROM institutions), 0) + 1, false)
"""


# The author id schemes every stored author holds (all of them, in an empty database). A mention with an id
# of such a scheme cannot be a namesake's (each namesake has another id of that scheme), so author matching
# skips the name look-up for it: in an import from one source whose authors all carry its ids (OpenAlex,
# Semantic Scholar), the namesakes of new authors, which grow with the database, are never read.
# The writer keeps the table true as batches add authors (`drop_universal_schemes`: it knows the schemes of
# the ids each new author gets, all of them its mentions'); merges only gather ids, and every other writer of
# authors waits for the import lock.
_UNIVERSAL_SCHEMES = """
INSERT INTO bulk_universal_scheme (scheme)
SELECT s.scheme FROM unnest($1::text[]) AS s(scheme)
WHERE NOT EXISTS (SELECT 1 FROM authors a
                  WHERE NOT EXISTS (SELECT 1 FROM author_external_ids x
                                    WHERE x.author_id = a.id AND x.scheme = s.scheme))
"""


async def begin_import(
    connection: Connection, *, bulk_load: bool | None = None, on_lock_wait: LockWait | None = None
) -> SetAside | None:
    """Take the import lock (`on_lock_wait` told who holds it, if another import does, before waiting for
    it), set the transaction up for bulk writing and create the staging tables.

    The transaction commits without waiting for the WAL flush (a crash loses the import whole, never
    half of it), and without a statement timeout: one refresh can run longer than a request may.

    In bulk-load mode (`bulk_load`; by default, when the database holds no paper, author or
    institution) foreign keys and secondary indexes are set aside until `finish_import`
    (api/db/bulk_load.py); the returned SetAside says what, to pass to the merges and `finish_import`.
    """
    await connection.execute(
        "SELECT set_config('synchronous_commit', 'off', true), set_config('statement_timeout', '0', true),"
        " set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"
    )
    await take_import_lock(connection, on_wait=on_lock_wait)
    await connection.execute(_STAGING)
    await connection.execute(_RESET_SEQUENCES)
    await connection.execute(_UNIVERSAL_SCHEMES, list(SCHEMES_OF["Author"]))
    if bulk_load is None:
        bulk_load = await database_is_empty(connection)
    return await set_aside(connection) if bulk_load else None


_ANALYZE = (
    "ANALYZE papers, paper_external_ids, authors, author_external_ids, authorships, citations, "
    "pending_references, pending_cited_by, institutions"
)


async def analyze(connection: Connection) -> None:
    """Refresh the planner's statistics of the tables an import grows. Rows this transaction wrote are
    invisible to autovacuum until it commits, so without this the batches' look-ups would be planned for
    the tables as they were (empty, on a first import): full scans where an index probe belongs."""
    await connection.execute(_ANALYZE)


async def clear_batch(connection: Connection) -> None:
    await connection.execute(f"TRUNCATE {_PER_BATCH}")


async def copy(connection: Connection, table: str, rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows into a staging table (binary format; one statement)."""
    counter = current_counter.get()
    if counter is not None:
        counter.statements.append(f"COPY {table}")
    await connection.raw.copy_records_to_table(table, records=rows, columns=STAGED_COLUMNS[table])


async def allocate_ids(connection: Connection, table: str, count: int) -> list[int]:
    """`count` new row ids from the table's identity sequence, ascending."""
    rows = await connection.fetch(
        "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)", table, count
    )
    return sorted(row["id"] for row in rows)


def _count(status: str) -> int:
    """The row count at the end of a command tag such as 'UPDATE 3' or 'INSERT 0 3'."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


# --- papers -------------------------------------------------------------------------------------------

_MATCH_PAPERS = """
WITH by_id AS (
    SELECT i.w, array_agg(DISTINCT e.paper_id ORDER BY e.paper_id) AS ids
    FROM bulk_work_id i JOIN paper_external_ids e ON e.scheme = i.scheme AND e.value = i.value
    GROUP BY i.w
), exclusive AS (
    -- the schemes of which a work has one id: two DOIs (or two arXiv ids) name two works
    SELECT DISTINCT w, scheme FROM bulk_work_id WHERE scheme IN ('doi', 'arxiv')
)
SELECT w.w, w.title_key, b.ids AS by_id, t.id AS by_title,
       -- the DOIs and arXiv ids of the stored papers found, as 'scheme:value' (the planner keeps a match by
       -- title from joining papers that hold different ones)
       (SELECT array_agg(e.scheme || ':' || e.value) FROM paper_external_ids e
        WHERE e.paper_id = ANY (b.ids) AND e.scheme IN ('doi', 'arxiv')) AS by_id_exclusive,
       (SELECT array_agg(e.scheme || ':' || e.value) FROM paper_external_ids e
        WHERE e.paper_id = t.id AND e.scheme IN ('doi', 'arxiv')) AS by_title_exclusive
FROM bulk_work w LEFT JOIN by_id b ON b.w = w.w
LEFT JOIN LATERAL (
    SELECT CASE WHEN b.ids IS NULL AND w.title_key <> '' THEN (
        SELECT min(p.id) FROM papers p
        WHERE p.title_key = w.title_key
          AND (w.year IS NULL OR p.published_year IS NULL OR p.published_year = w.year)
          -- never a paper with another DOI or arXiv id, however alike the titles (had it the same
          -- one, the record would have been found by id)
          AND NOT EXISTS (SELECT 1 FROM exclusive x JOIN paper_external_ids e ON e.scheme = x.scheme
                          WHERE x.w = w.w AND e.paper_id = p.id)
    ) END AS id
) t ON true
ORDER BY w.w
"""


async def match_papers(connection: Connection) -> list[Row]:
    """For each staged record (w): its title key, the stored papers any of its ids names (`by_id`, an
    array or NULL), and when none, the lowest stored paper with its title key and a compatible year
    (`by_title`: same year, or either year unknown; never one carrying another DOI or arXiv id); and the
    DOIs and arXiv ids those stored papers hold (`by_id_exclusive`, `by_title_exclusive`: 'scheme:value')."""
    return await connection.fetch(_MATCH_PAPERS)


_MERGE_PAPERS = (
    # old ids keep answering: redirect them, and what redirected to them, to the surviving paper
    """
    INSERT INTO paper_redirects (old_id, new_id) SELECT old_id, new_id FROM bulk_paper_merge
    ON CONFLICT (old_id) DO UPDATE SET new_id = EXCLUDED.new_id
    """,
    "UPDATE paper_redirects r SET new_id = m.new_id FROM bulk_paper_merge m WHERE r.new_id = m.old_id",
    # what the survivor lacks, the merged paper gives
    """
    UPDATE papers p SET
        abstract = coalesce(p.abstract, l.abstract),
        primary_category = coalesce(p.primary_category, l.primary_category),
        categories = ARRAY(SELECT c FROM unnest(p.categories || l.categories) WITH ORDINALITY AS u(c, i)
                           GROUP BY c ORDER BY min(i)),
        published_on = coalesce(p.published_on, l.published_on),
        published_precision = CASE WHEN p.published_on IS NULL THEN l.published_precision
                                   ELSE p.published_precision END,
        code_url = coalesce(p.code_url, l.code_url),
        has_code = p.has_code OR l.has_code,
        authors_complete = p.authors_complete OR l.authors_complete,
        reported_citation_count = coalesce(p.reported_citation_count, l.reported_citation_count)
    FROM (SELECT DISTINCT ON (m.new_id) m.new_id, o.*
          FROM bulk_paper_merge m JOIN papers o ON o.id = m.old_id ORDER BY m.new_id, m.old_id) l
    WHERE p.id = l.new_id
    """,
    "UPDATE paper_external_ids e SET paper_id = m.new_id FROM bulk_paper_merge m WHERE e.paper_id = m.old_id",
    # bylines: the survivor's authors first (list_order is renumbered by reorder_bylines)
    """
    INSERT INTO authorships AS s
        (paper_id, author_id, position, list_order, name_as_written, institution_id, affiliation)
    SELECT DISTINCT ON (m.new_id, a.author_id)
           m.new_id, a.author_id, a.position, 1000000 + a.list_order, a.name_as_written, a.institution_id,
           a.affiliation
    FROM bulk_paper_merge m JOIN authorships a ON a.paper_id = m.old_id
    ORDER BY m.new_id, a.author_id, a.position NULLS LAST, m.old_id
    ON CONFLICT (paper_id, author_id) DO UPDATE SET
        position = coalesce(s.position, EXCLUDED.position),
        institution_id = coalesce(s.institution_id, EXCLUDED.institution_id),
        affiliation = coalesce(s.affiliation, EXCLUDED.affiliation)
    """,
    # the papers the merged ones cited: their counts may drop (two citations become one)
    """
    INSERT INTO bulk_cited (paper_id)
    SELECT c.cited_paper_id FROM bulk_paper_merge m JOIN citations c ON c.citing_paper_id = m.old_id
    UNION SELECT new_id FROM bulk_paper_merge
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO citations (citing_paper_id, cited_paper_id)
    SELECT DISTINCT citing, cited FROM (
        SELECT m.new_id AS citing, coalesce(o.new_id, c.cited_paper_id) AS cited
        FROM bulk_paper_merge m JOIN citations c ON c.citing_paper_id = m.old_id
        LEFT JOIN bulk_paper_merge o ON o.old_id = c.cited_paper_id
        UNION ALL
        SELECT coalesce(o.new_id, c.citing_paper_id), m.new_id
        FROM bulk_paper_merge m JOIN citations c ON c.cited_paper_id = m.old_id
        LEFT JOIN bulk_paper_merge o ON o.old_id = c.citing_paper_id
    ) moved
    WHERE citing <> cited
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO paper_institutions (paper_id, institution_id)
    SELECT DISTINCT m.new_id, pi.institution_id
    FROM bulk_paper_merge m JOIN paper_institutions pi ON pi.paper_id = m.old_id
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO pending_references (citing_paper_id, scheme, value)
    SELECT DISTINCT m.new_id, r.scheme, r.value
    FROM bulk_paper_merge m JOIN pending_references r ON r.citing_paper_id = m.old_id
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO pending_cited_by (cited_paper_id, scheme, value)
    SELECT DISTINCT m.new_id, r.scheme, r.value
    FROM bulk_paper_merge m JOIN pending_cited_by r ON r.cited_paper_id = m.old_id
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO bulk_touched (paper_id) SELECT DISTINCT new_id FROM bulk_paper_merge ON CONFLICT DO NOTHING
    """,
    "INSERT INTO bulk_reorder (paper_id) SELECT DISTINCT new_id FROM bulk_paper_merge ON CONFLICT DO NOTHING",
    # the merged papers go, and with them (ON DELETE CASCADE) their copied rows
    "DELETE FROM papers WHERE id IN (SELECT old_id FROM bulk_paper_merge)",
)


async def merge_papers(connection: Connection, stats: BulkStats, set_aside: SetAside | None = None) -> None:
    """Merge each staged `bulk_paper_merge.old_id` into its `new_id`: two stored papers a record proved to
    be one work. Ids, byline, citations both ways, institutions and pending references move to the
    survivor; the survivor's empty fields are filled from the merged paper; the old id redirects."""
    for statement in _MERGE_PAPERS[:-1]:
        await connection.execute(statement)
    if set_aside is not None:
        await delete_dependents(connection, set_aside, "papers", "SELECT old_id FROM bulk_paper_merge")
    stats.merged["papers"] += _count(await connection.execute(_MERGE_PAPERS[-1]))


_PAPER_FIELDS = ", ".join(PAPER_FIELDS)
_STORED_FIELDS = ", ".join("p." + name for name in PAPER_FIELDS)
# A staged paper (s) merged into the stored row (p): the write policy (api/db/write_policy.py).
_MERGED_PAPER = merged_paper_sql({name: "s." + name for name in PAPER_FIELDS}, "p.")

_WRITE_PAPERS = f"""
WITH added AS (
    -- the search vector computed here rather than by the row trigger (migration 0008): no call per row
    INSERT INTO papers (id, {_PAPER_FIELDS}, search_vector) OVERRIDING SYSTEM VALUE
    SELECT paper_id, {_PAPER_FIELDS}, sg_paper_search_vector(title, abstract)
    FROM bulk_paper WHERE is_new ORDER BY paper_id
    RETURNING id
), changed AS (
    UPDATE papers p SET ({_PAPER_FIELDS}) = {_MERGED_PAPER}
    FROM bulk_paper s
    WHERE s.paper_id = p.id AND NOT s.is_new AND ({_STORED_FIELDS}) IS DISTINCT FROM {_MERGED_PAPER}
    RETURNING p.id
), touched AS (
    INSERT INTO bulk_touched (paper_id) SELECT id FROM added UNION SELECT id FROM changed
    ON CONFLICT DO NOTHING
), reorder AS (
    INSERT INTO bulk_reorder (paper_id) SELECT paper_id FROM bulk_paper WHERE NOT is_new
    ON CONFLICT DO NOTHING
)
SELECT (SELECT count(*) FROM added) AS inserted, (SELECT count(*) FROM changed) AS updated
"""


async def write_papers(connection: Connection, stats: BulkStats) -> None:
    """Insert the staged new papers with their allocated ids; merge the others into the stored rows
    (a row is only written when a value changes)."""
    row = await connection.fetchrow(_WRITE_PAPERS)
    assert row is not None
    stats.inserted["papers"] += row["inserted"]
    stats.updated["papers"] += row["updated"]


_ATTACH_PAPER_IDS = """
WITH added AS (
    INSERT INTO paper_external_ids (scheme, value, paper_id)
    SELECT DISTINCT ON (i.scheme, i.value) i.scheme, i.value, wp.paper_id
    FROM bulk_work_id i JOIN bulk_work_paper wp ON wp.w = i.w
    ORDER BY i.scheme, i.value, wp.paper_id
    ON CONFLICT (scheme, value) DO NOTHING
    RETURNING scheme, value, paper_id
), kept AS (
    INSERT INTO bulk_new_paper_id (scheme, value, paper_id) SELECT scheme, value, paper_id FROM added
)
SELECT count(*) FROM added
"""


async def attach_paper_ids(connection: Connection, stats: BulkStats) -> None:
    """Every id of every staged record, on its paper (an id already stored stays where it is: the
    matching put the record on that paper, or merged the papers)."""
    stats.inserted["paper_external_ids"] += await connection.fetchval(_ATTACH_PAPER_IDS)


# --- citations without per-row key checks -------------------------------------------------------------


# Each citation row's foreign keys cost two look-ups of `papers` with a row lock each, and locking a stored
# paper writes to its row (2M citations of a 100k import into a 1M database: 4M look-ups, most of them
# of stored papers). The import's statements below never need them: each citation's two papers are read,
# in the statement's own snapshot, from `papers`, from the batch's written papers, or from
# `paper_external_ids` and the pending tables (whose keys hold, outside a bulk load); and no row of `papers`
# is deleted but by an import, which holds the import lock. A role that may (a superuser: the embedded
# default's) skips them for those statements alone:
# `session_replication_role` = replica fires no trigger but ALWAYS ones, and the statements give every
# value a trigger of those tables would compute (`citing_newest_key`). Back to `origin` after each; a
# failure aborts the transaction, whose rollback resets it.
async def _may_skip_key_checks(connection: Connection) -> bool:
    return bool(await connection.fetchval("SELECT current_setting('is_superuser') = 'on'"))


@asynccontextmanager
async def _references_trusted(connection: Connection) -> AsyncIterator[None]:
    skip = await _may_skip_key_checks(connection)
    if skip:
        await connection.execute("SELECT set_config('session_replication_role', 'replica', true)")
    yield
    if skip:
        await connection.execute("SELECT set_config('session_replication_role', 'origin', true)")


_LINK_PENDING = f"""
WITH cites AS (
    DELETE FROM pending_references r USING bulk_new_paper_id n
    WHERE r.scheme = n.scheme AND r.value = n.value
    RETURNING r.citing_paper_id AS citing, n.paper_id AS cited
), cited_by AS (
    DELETE FROM pending_cited_by r USING bulk_new_paper_id n
    WHERE r.scheme = n.scheme AND r.value = n.value
    RETURNING n.paper_id AS citing, r.cited_paper_id AS cited
), linked AS (
    INSERT INTO citations (citing_paper_id, cited_paper_id, citing_newest_key)
    SELECT DISTINCT l.citing, l.cited, {NEWEST_KEY}
    FROM (SELECT * FROM cites UNION ALL SELECT * FROM cited_by) AS l LEFT JOIN papers p ON p.id = l.citing
    WHERE l.citing <> l.cited
    ON CONFLICT DO NOTHING
    RETURNING cited_paper_id
), marked AS (
    INSERT INTO bulk_cited (paper_id) SELECT DISTINCT cited_paper_id FROM linked ON CONFLICT DO NOTHING
)
SELECT count(*) FROM linked
"""


async def link_pending(connection: Connection, stats: BulkStats) -> None:
    """Store the citations that waited for the ids this batch attached, and forget them as pending."""
    async with _references_trusted(connection):
        stats.inserted["citations"] += await connection.fetchval(_LINK_PENDING)


# --- authors ------------------------------------------------------------------------------------------

_MATCH_AUTHORS = """
WITH mention AS (
    SELECT m.m, m.w, m.name_key, wp.paper_id
    FROM bulk_mention m LEFT JOIN bulk_work_paper wp ON wp.w = m.w
), schemes AS (
    SELECT m, array_agg(DISTINCT scheme) AS schemes FROM bulk_mention_id GROUP BY m
), by_id AS (
    SELECT i.m, array_agg(DISTINCT e.author_id ORDER BY e.author_id) AS ids
    FROM bulk_mention_id i JOIN author_external_ids e ON e.scheme = i.scheme AND e.value = i.value
    GROUP BY i.m
), same_paper AS (
    -- a stored author of the same paper with the same folded name: a mention matched by id takes only
    -- one without ids (the same person, stored from a source without ids); one not matched by id takes
    -- any whose ids do not contradict its own (another id of a scheme it has). Per mention, by index.
    SELECT m.m, found.author_id, found.idless
    FROM mention m
    LEFT JOIN by_id b ON b.m = m.m
    LEFT JOIN schemes k ON k.m = m.m
    CROSS JOIN LATERAL (
        SELECT s.author_id, NOT EXISTS (SELECT 1 FROM author_external_ids x WHERE x.author_id = s.author_id) AS idless
        FROM authorships s JOIN authors a ON a.id = s.author_id
        WHERE s.paper_id = m.paper_id
          AND (a.name_key = m.name_key OR sg_name_key(s.name_as_written) = m.name_key)
          AND CASE WHEN b.m IS NULL
                   THEN NOT EXISTS (SELECT 1 FROM author_external_ids x
                                    WHERE x.author_id = s.author_id AND x.scheme = ANY (k.schemes))
                   ELSE NOT (s.author_id = ANY (b.ids))
                        AND NOT EXISTS (SELECT 1 FROM author_external_ids x WHERE x.author_id = s.author_id)
              END
        ORDER BY s.author_id
        LIMIT 1
    ) AS found
    WHERE m.paper_id IS NOT NULL AND m.name_key <> ''
), anchor AS (
    SELECT DISTINCT bm.w, x.author_id
    FROM by_id b JOIN bulk_mention bm ON bm.m = b.m CROSS JOIN unnest(b.ids) AS x(author_id)
    WHERE bm.w IS NOT NULL
), asked AS (
    -- a mention found neither way, with each author of its record matched by id
    SELECT m.m, m.name_key, an.author_id AS anchor
    FROM mention m JOIN anchor an ON an.w = m.w
    WHERE m.name_key <> ''
      AND NOT EXISTS (SELECT 1 FROM by_id b WHERE b.m = m.m)
      AND NOT EXISTS (SELECT 1 FROM same_paper sp WHERE sp.m = m.m)
), candidate AS (
    -- the stored authors with such a mention's folded name whose ids do not contradict its own (none of
    -- a scheme it has), each mention's found by the name index (LATERAL: never a scan of all authors,
    -- whatever the planner guesses of the CTEs' sizes); in a corpus whose authors carry ids (OpenAlex,
    -- Semantic Scholar) ruled out at once, however many coauthors the record's authors have; not even
    -- looked up for a mention with an id of a scheme every stored author holds
    SELECT q.m, a.id AS author_id
    FROM (SELECT DISTINCT q.m, q.name_key, k.schemes
          FROM asked q LEFT JOIN schemes k ON k.m = q.m
          WHERE NOT EXISTS (SELECT 1 FROM bulk_universal_scheme u WHERE u.scheme = ANY (k.schemes))) AS q
    CROSS JOIN LATERAL (
        SELECT a.id FROM authors a
        WHERE a.name_key = q.name_key
          AND NOT EXISTS (SELECT 1 FROM author_external_ids x
                          WHERE x.author_id = a.id AND x.scheme = ANY (q.schemes))
        OFFSET 0  -- kept a subquery: flattened into a join, it could become a hash join over every author
    ) AS a
), coauthor AS (
    -- else such a stored author who is a coauthor of an author of the record matched by id
    SELECT DISTINCT ON (c.m) c.m, c.author_id
    FROM candidate c
    JOIN authorships mine ON mine.author_id = c.author_id
    JOIN authorships co ON co.paper_id = mine.paper_id AND co.author_id <> mine.author_id
    JOIN asked q ON q.m = c.m AND q.anchor = co.author_id
    ORDER BY c.m, c.author_id
)
SELECT m.m, m.name_key, b.ids AS by_id, sp.author_id AS same_paper, sp.idless AS same_paper_idless,
       ca.author_id AS coauthor
FROM mention m
LEFT JOIN by_id b ON b.m = m.m
LEFT JOIN same_paper sp ON sp.m = m.m
LEFT JOIN coauthor ca ON ca.m = m.m
ORDER BY m.m
"""


async def match_authors(connection: Connection) -> list[Row]:
    """For each staged mention (m, after the papers are written): its name key, the stored authors its
    ids name (`by_id`), a stored author of the same paper with its name (`same_paper`, and whether that
    author has no ids), and a stored coauthor with its name of an author of the record matched by id
    (`coauthor`)."""
    return await connection.fetch(_MATCH_AUTHORS)


_MERGE_AUTHORS = (
    """
    INSERT INTO author_redirects (old_id, new_id) SELECT old_id, new_id FROM bulk_author_merge
    ON CONFLICT (old_id) DO UPDATE SET new_id = EXCLUDED.new_id
    """,
    "UPDATE author_redirects r SET new_id = m.new_id FROM bulk_author_merge m WHERE r.new_id = m.old_id",
    "UPDATE author_external_ids e SET author_id = m.new_id FROM bulk_author_merge m WHERE e.author_id = m.old_id",
    # bylines the merged author was on: renumbered, and their authors refreshed
    """
    INSERT INTO bulk_reorder (paper_id)
    SELECT DISTINCT a.paper_id FROM bulk_author_merge m JOIN authorships a ON a.author_id = m.old_id
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO bulk_touched (paper_id)
    SELECT DISTINCT a.paper_id FROM bulk_author_merge m JOIN authorships a ON a.author_id = m.old_id
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO authorships AS s
        (paper_id, author_id, position, list_order, name_as_written, institution_id, affiliation)
    SELECT DISTINCT ON (a.paper_id, m.new_id)
           a.paper_id, m.new_id, a.position, a.list_order, a.name_as_written, a.institution_id, a.affiliation
    FROM bulk_author_merge m JOIN authorships a ON a.author_id = m.old_id
    ORDER BY a.paper_id, m.new_id, a.position NULLS LAST, m.old_id
    ON CONFLICT (paper_id, author_id) DO UPDATE SET
        position = coalesce(s.position, EXCLUDED.position),
        institution_id = coalesce(s.institution_id, EXCLUDED.institution_id),
        affiliation = coalesce(s.affiliation, EXCLUDED.affiliation)
    """,
    """
    INSERT INTO author_reported_metrics
        (author_id, source, as_of, h_index, i10_index, citation_count, paper_count, novelty, ai_score,
         two_year_mean_citedness, recorded_at)
    SELECT DISTINCT ON (m.new_id, r.source, r.as_of)
           m.new_id, r.source, r.as_of, r.h_index, r.i10_index, r.citation_count, r.paper_count, r.novelty,
           r.ai_score, r.two_year_mean_citedness, r.recorded_at
    FROM bulk_author_merge m JOIN author_reported_metrics r ON r.author_id = m.old_id
    ORDER BY m.new_id, r.source, r.as_of, m.old_id
    ON CONFLICT (author_id, source, as_of) DO NOTHING
    """,
    "INSERT INTO bulk_refresh (author_id) SELECT DISTINCT new_id FROM bulk_author_merge ON CONFLICT DO NOTHING",
    # the bylines the merge changed are changes of their papers (the feed, `updatedSince`)
    """
    UPDATE papers SET updated_at = now()
    WHERE id IN (SELECT a.paper_id FROM bulk_author_merge m JOIN authorships a ON a.author_id = m.old_id)
      AND updated_at < now()
    """,
    "DELETE FROM authors WHERE id IN (SELECT old_id FROM bulk_author_merge)",
)


async def merge_authors(connection: Connection, stats: BulkStats, set_aside: SetAside | None = None) -> None:
    """Merge each staged `bulk_author_merge.old_id` into its `new_id` (one person stored twice): ids,
    authorships and reported figures move to the survivor; the old id redirects."""
    for statement in _MERGE_AUTHORS[:-1]:
        await connection.execute(statement)
    if set_aside is not None:
        await delete_dependents(connection, set_aside, "authors", "SELECT old_id FROM bulk_author_merge")
    stats.merged["authors"] += _count(await connection.execute(_MERGE_AUTHORS[-1]))


_WRITE_AUTHORS = """
WITH added AS (
    INSERT INTO authors (id, name) OVERRIDING SYSTEM VALUE
    SELECT author_id, name FROM bulk_author WHERE is_new ORDER BY author_id
    RETURNING id
), renamed AS (
    UPDATE authors a SET name = b.name
    FROM bulk_author b
    WHERE NOT b.is_new AND b.name IS NOT NULL AND a.id = b.author_id AND a.name IS DISTINCT FROM b.name
    RETURNING a.id
)
SELECT (SELECT count(*) FROM added) AS inserted, (SELECT count(*) FROM renamed) AS updated
"""


async def write_authors(connection: Connection, stats: BulkStats) -> None:
    """Insert the staged new authors; rename stored ones a source describes by name (a person record)."""
    row = await connection.fetchrow(_WRITE_AUTHORS)
    assert row is not None
    stats.inserted["authors"] += row["inserted"]
    stats.updated["authors"] += row["updated"]


_ATTACH_AUTHOR_IDS = """
INSERT INTO author_external_ids (scheme, value, author_id)
SELECT DISTINCT ON (i.scheme, i.value) i.scheme, i.value, ma.author_id
FROM bulk_mention_id i JOIN bulk_mention_author ma ON ma.m = i.m
ORDER BY i.scheme, i.value, ma.author_id
ON CONFLICT (scheme, value) DO NOTHING
"""


async def attach_author_ids(connection: Connection, stats: BulkStats) -> None:
    """Store the ids of the batch's authors."""
    stats.inserted["author_external_ids"] += _count(await connection.execute(_ATTACH_AUTHOR_IDS))


async def universal_schemes(connection: Connection) -> set[str]:
    """The author id schemes every stored author holds, as `begin_import` found them."""
    return {row["scheme"] for row in await connection.fetch("SELECT scheme FROM bulk_universal_scheme")}


async def drop_universal_schemes(connection: Connection, schemes: Iterable[str]) -> None:
    """Forget `schemes` as held by every stored author: a new author lacks them."""
    await connection.execute("DELETE FROM bulk_universal_scheme WHERE scheme = ANY ($1::text[])", sorted(schemes))


# --- institutions -------------------------------------------------------------------------------------

# By name only where no id contradicts: two institutions with different ROR (or OpenAlex) ids are two.
_FIND_INSTITUTIONS = """
UPDATE bulk_institution b SET institution_id = coalesce(
    (SELECT id FROM institutions WHERE ror = b.ror),
    (SELECT id FROM institutions WHERE openalex = b.openalex),
    (SELECT min(id) FROM institutions
     WHERE name_key = b.name_key AND (b.ror IS NULL OR ror IS NULL) AND (b.openalex IS NULL OR openalex IS NULL)))
"""

# One new institution per batch component not found stored (its rows carry the same name and ids).
_NUMBER_INSTITUTIONS = """
UPDATE bulk_institution b SET institution_id = n.id, is_new = true
FROM (SELECT name_key, ror, openalex, nextval(pg_get_serial_sequence('institutions', 'id')) AS id
      FROM (SELECT DISTINCT name_key, ror, openalex FROM bulk_institution WHERE institution_id IS NULL
            ORDER BY name_key, ror, openalex) AS k) AS n
WHERE b.institution_id IS NULL AND b.name_key = n.name_key
  AND b.ror IS NOT DISTINCT FROM n.ror AND b.openalex IS NOT DISTINCT FROM n.openalex
"""

_WRITE_INSTITUTIONS = """
WITH given AS (
    SELECT institution_id, bool_and(is_new) AS is_new,
           (array_agg(name ORDER BY i))[1] AS name,
           (array_agg(country_code ORDER BY i) FILTER (WHERE country_code IS NOT NULL))[1] AS country_code,
           (array_agg(ror ORDER BY i) FILTER (WHERE ror IS NOT NULL))[1] AS ror,
           (array_agg(openalex ORDER BY i) FILTER (WHERE openalex IS NOT NULL))[1] AS openalex
    FROM bulk_institution GROUP BY institution_id
), added AS (
    INSERT INTO institutions (id, name, country_code, ror, openalex) OVERRIDING SYSTEM VALUE
    SELECT institution_id, name, country_code, ror, openalex FROM given WHERE is_new ORDER BY institution_id
    RETURNING id
), filled AS (
    -- a stored institution found by name gets the ids and country it lacked
    UPDATE institutions t SET ror = coalesce(t.ror, g.ror), openalex = coalesce(t.openalex, g.openalex),
                              country_code = coalesce(t.country_code, g.country_code)
    FROM given g
    WHERE NOT g.is_new AND t.id = g.institution_id
      AND (t.ror, t.openalex, t.country_code)
          IS DISTINCT FROM (coalesce(t.ror, g.ror), coalesce(t.openalex, g.openalex),
                            coalesce(t.country_code, g.country_code))
    RETURNING t.id
)
SELECT (SELECT count(*) FROM added) AS inserted, (SELECT count(*) FROM filled) AS updated
"""


async def write_institutions(connection: Connection, stats: BulkStats) -> None:
    """Find each staged institution by ROR id, else OpenAlex id, else name key (the oldest without a
    contradicting id); create the others, one per batch component."""
    await connection.execute(_FIND_INSTITUTIONS)
    await connection.execute(_NUMBER_INSTITUTIONS)
    row = await connection.fetchrow(_WRITE_INSTITUTIONS)
    assert row is not None
    stats.inserted["institutions"] += row["inserted"]
    stats.updated["institutions"] += row["updated"]


# --- bylines, citations, reported figures -------------------------------------------------------------

_WRITE_AUTHORSHIPS = """
WITH given AS (
    SELECT DISTINCT ON (wp.paper_id, ma.author_id)
           wp.paper_id, ma.author_id, m.position, m.name AS name_as_written, b.institution_id, m.affiliation, m.m
    FROM bulk_mention m
    JOIN bulk_work_paper wp ON wp.w = m.w
    JOIN bulk_mention_author ma ON ma.m = m.m
    LEFT JOIN bulk_institution b ON b.i = m.institution
    ORDER BY wp.paper_id, ma.author_id, m.position NULLS LAST, m.m
), placed AS (
    -- new authorships after the stored ones; reorder_bylines puts known positions first
    SELECT g.*, coalesce(last.list_order, 0)
                + row_number() OVER (PARTITION BY g.paper_id ORDER BY g.position NULLS LAST, g.m) AS list_order
    FROM given g
    LEFT JOIN LATERAL (SELECT max(s.list_order) AS list_order FROM authorships s WHERE s.paper_id = g.paper_id)
        AS last ON true
), written AS (
    INSERT INTO authorships AS s
        (paper_id, author_id, position, list_order, name_as_written, institution_id, affiliation)
    SELECT paper_id, author_id, position, list_order, name_as_written, institution_id, affiliation FROM placed
    ON CONFLICT (paper_id, author_id) DO UPDATE SET
        position = coalesce(EXCLUDED.position, s.position),
        institution_id = coalesce(EXCLUDED.institution_id, s.institution_id),
        affiliation = coalesce(EXCLUDED.affiliation, s.affiliation)
    WHERE (s.position, s.institution_id, s.affiliation)
          IS DISTINCT FROM (coalesce(EXCLUDED.position, s.position),
                            coalesce(EXCLUDED.institution_id, s.institution_id),
                            coalesce(EXCLUDED.affiliation, s.affiliation))
    RETURNING s.paper_id, (xmax = 0) AS inserted
), touched AS (
    INSERT INTO bulk_touched (paper_id) SELECT DISTINCT paper_id FROM written WHERE inserted
    ON CONFLICT DO NOTHING
), moved AS (
    -- a byline that changed is a change of its paper, for the feed and `updatedSince` (papers written by
    -- this import already carry this transaction's moment)
    UPDATE papers p SET updated_at = now() WHERE p.id IN (SELECT paper_id FROM written) AND p.updated_at < now()
)
SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated
FROM written
"""

_REORDER_BYLINES = """
UPDATE authorships s SET list_order = o.n
FROM (SELECT paper_id, author_id,
             row_number() OVER (PARTITION BY paper_id ORDER BY position NULLS LAST, list_order, author_id) AS n
      FROM authorships WHERE paper_id IN (SELECT paper_id FROM bulk_reorder)) AS o
WHERE s.paper_id = o.paper_id AND s.author_id = o.author_id AND s.list_order <> o.n
"""


async def write_authorships(connection: Connection, stats: BulkStats) -> None:
    """Put each staged mention's author on its paper (once per paper: the mention with a known position
    first): new authorships after the stored ones; a stored one takes the position, institution and
    affiliation the source gives. Then renumber list_order where stored bylines grew."""
    row = await connection.fetchrow(_WRITE_AUTHORSHIPS)
    assert row is not None
    stats.inserted["authorships"] += row["inserted"]
    reordered = _count(await connection.execute(_REORDER_BYLINES))
    stats.updated["authorships"] += row["updated"] + reordered


_LINK_PAPER_INSTITUTIONS = """
INSERT INTO paper_institutions (paper_id, institution_id)
SELECT DISTINCT wp.paper_id, b.institution_id
FROM bulk_paper_institution pi
JOIN bulk_work_paper wp ON wp.w = pi.w
JOIN bulk_institution b ON b.i = pi.i
ON CONFLICT DO NOTHING
"""


async def link_paper_institutions(connection: Connection, stats: BulkStats) -> None:
    stats.inserted["paper_institutions"] += _count(await connection.execute(_LINK_PAPER_INSTITUTIONS))


_WRITE_CITATIONS = f"""
WITH reference AS (
    -- a reference is one cited work, whichever of its ids names a stored paper
    SELECT r.w, r.r, min(e.paper_id) AS cited
    FROM bulk_reference r LEFT JOIN paper_external_ids e ON e.scheme = r.scheme AND e.value = r.value
    GROUP BY r.w, r.r
), citer AS (
    SELECT c.w, c.scheme, c.value, e.paper_id AS citing
    FROM bulk_cited_by c LEFT JOIN paper_external_ids e ON e.scheme = c.scheme AND e.value = c.value
), linked AS (
    INSERT INTO citations (citing_paper_id, cited_paper_id, citing_newest_key)
    SELECT DISTINCT l.citing, l.cited, {NEWEST_KEY} FROM (
        SELECT wp.paper_id AS citing, ref.cited FROM reference ref JOIN bulk_work_paper wp ON wp.w = ref.w
        WHERE ref.cited IS NOT NULL
        UNION ALL
        SELECT c.citing, wp.paper_id FROM citer c JOIN bulk_work_paper wp ON wp.w = c.w
        WHERE c.citing IS NOT NULL
    ) AS l LEFT JOIN papers p ON p.id = l.citing
    WHERE l.citing <> l.cited
    ON CONFLICT DO NOTHING
    RETURNING cited_paper_id
), marked AS (
    INSERT INTO bulk_cited (paper_id) SELECT DISTINCT cited_paper_id FROM linked ON CONFLICT DO NOTHING
), kept_references AS (
    INSERT INTO pending_references (citing_paper_id, scheme, value)
    SELECT DISTINCT wp.paper_id, r.scheme, r.value
    FROM reference ref
    JOIN bulk_reference r ON r.w = ref.w AND r.r = ref.r
    JOIN bulk_work_paper wp ON wp.w = ref.w
    WHERE ref.cited IS NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
), kept_citers AS (
    INSERT INTO pending_cited_by (cited_paper_id, scheme, value)
    SELECT DISTINCT wp.paper_id, c.scheme, c.value
    FROM citer c JOIN bulk_work_paper wp ON wp.w = c.w
    WHERE c.citing IS NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM linked) AS linked, (SELECT count(*) FROM kept_references) AS kept_references,
       (SELECT count(*) FROM kept_citers) AS kept_citers
"""


async def write_citations(connection: Connection, stats: BulkStats) -> None:
    """Store the staged references and citing papers that name a stored paper as citations; keep the
    others pending (`pending_references`, `pending_cited_by`) until a paper with one of their ids arrives."""
    async with _references_trusted(connection):
        row = await connection.fetchrow(_WRITE_CITATIONS)
    assert row is not None
    stats.inserted["citations"] += row["linked"]
    stats.inserted["pending_references"] += row["kept_references"]
    stats.inserted["pending_cited_by"] += row["kept_citers"]


_WRITE_REPORTED = """
WITH given AS (
    SELECT DISTINCT ON (ma.author_id, r.source, r.as_of)
           ma.author_id, r.source, r.as_of, r.h_index, r.i10_index, r.citation_count, r.paper_count,
           r.two_year_mean_citedness
    FROM bulk_reported r JOIN bulk_mention_author ma ON ma.m = r.m
    ORDER BY ma.author_id, r.source, r.as_of, r.m DESC
), written AS (
    INSERT INTO author_reported_metrics AS x
        (author_id, source, as_of, h_index, i10_index, citation_count, paper_count, two_year_mean_citedness)
    SELECT author_id, source, as_of, h_index, i10_index, citation_count, paper_count, two_year_mean_citedness
    FROM given
    ON CONFLICT (author_id, source, as_of) DO UPDATE SET
        h_index = EXCLUDED.h_index, i10_index = EXCLUDED.i10_index, citation_count = EXCLUDED.citation_count,
        paper_count = EXCLUDED.paper_count, two_year_mean_citedness = EXCLUDED.two_year_mean_citedness,
        recorded_at = now()
    WHERE (x.h_index, x.i10_index, x.citation_count, x.paper_count, x.two_year_mean_citedness)
          IS DISTINCT FROM (EXCLUDED.h_index, EXCLUDED.i10_index, EXCLUDED.citation_count,
                            EXCLUDED.paper_count, EXCLUDED.two_year_mean_citedness)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM written
"""


async def write_reported(connection: Connection, stats: BulkStats) -> None:
    """Store each staged person's reported figures under (author, source, as of); the same report again
    changes nothing, a different one for the same date replaces it."""
    row = await connection.fetchrow(_WRITE_REPORTED)
    assert row is not None
    stats.inserted["author_reported_metrics"] += row["inserted"]
    stats.updated["author_reported_metrics"] += row["updated"]


# --- after the last batch -----------------------------------------------------------------------------

# A reference given by one id is resolved once, after every batch, by one join of all of them with the
# stored ids (where each batch probed the id index for each of its references): the citation of the paper
# holding that id, else a pending reference. The citing paper is the one the record was written to, or the
# paper that absorbed it since (redirects are kept one hop deep). The same citations result as from
# resolving batch by batch: an id never leaves the paper it names, except to the paper that absorbs it.
_RESOLVE_DEFERRED = f"""
WITH given AS (
    SELECT DISTINCT coalesce(rd.new_id, d.citing_paper_id) AS citing, d.scheme, d.value
    FROM bulk_deferred_reference d LEFT JOIN paper_redirects rd ON rd.old_id = d.citing_paper_id
), resolved AS (
    SELECT g.citing, g.scheme, g.value, e.paper_id AS cited
    FROM given g LEFT JOIN paper_external_ids e ON e.scheme = g.scheme AND e.value = g.value
), linked AS (
    -- in the primary key's order, and without ON CONFLICT (a speculative insertion per row): the rows are
    -- distinct, those already stored are left out first, and every writer of citations holds the import
    -- lock (2M citations: 13 s against 20)
    INSERT INTO citations (citing_paper_id, cited_paper_id, citing_newest_key)
    SELECT r.citing, r.cited, {NEWEST_KEY}
    FROM (SELECT DISTINCT citing, cited FROM resolved WHERE cited IS NOT NULL AND citing <> cited) AS r
    JOIN papers p ON p.id = r.citing
    WHERE NOT EXISTS (SELECT 1 FROM citations c WHERE c.citing_paper_id = r.citing AND c.cited_paper_id = r.cited)
    ORDER BY r.citing, r.cited
    RETURNING cited_paper_id
), marked AS (
    INSERT INTO bulk_cited (paper_id) SELECT DISTINCT cited_paper_id FROM linked ON CONFLICT DO NOTHING
), kept AS (
    INSERT INTO pending_references (citing_paper_id, scheme, value)
    SELECT citing, scheme, value FROM resolved WHERE cited IS NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM linked) AS linked, (SELECT count(*) FROM kept) AS kept
"""

# Built once at the end of a bulk load rather than maintained row by row when the resolution adds this many
# citations or more (the bulk load's readers wait for its commit anyway): one sort beats as many random
# insertions. The batches' merges read it, so it is set aside only now.
_SET_ASIDE_FROM = 200_000
_CITATION_INDEXES = ("citations_cited_newest",)


async def resolve_deferred_references(connection: Connection, stats: BulkStats, set_aside: SetAside | None) -> None:
    """Store the deferred references (`bulk_deferred_reference`) as citations or pending references.
    In a bulk load (`set_aside`) with many of them, the index of citations by cited paper is set aside
    too, for `restore` to build with the others."""
    await connection.execute("ANALYZE bulk_deferred_reference")
    if set_aside is not None and await connection.fetchval(
        "SELECT count(*) >= $1 FROM (SELECT 1 FROM bulk_deferred_reference LIMIT $1) AS d", _SET_ASIDE_FROM
    ):
        await set_indexes_aside(connection, set_aside, _CITATION_INDEXES)
    async with _references_trusted(connection):
        resolved = await connection.fetchrow(_RESOLVE_DEFERRED)
    assert resolved is not None
    stats.inserted["citations"] += resolved["linked"]
    stats.inserted["pending_references"] += resolved["kept"]


# Authors whose computed figures may have changed: the authors of papers whose byline or date changed,
# of the papers those cite (their citations' years and self-citation status), and of papers whose
# citations changed; and the authors others were merged into.
_COLLECT_AUTHORS = """
INSERT INTO bulk_refresh (author_id)
SELECT DISTINCT s.author_id FROM authorships s
WHERE s.paper_id IN (
    SELECT paper_id FROM bulk_touched
    UNION SELECT paper_id FROM bulk_cited
    -- by index, touched paper by touched paper (OFFSET 0 keeps the subquery: as a join, the planner read all
    -- of `citations` in the order of another index, 20M rows for the 2M a 100k import's papers cite)
    UNION SELECT c.cited_paper_id FROM bulk_touched t
          CROSS JOIN LATERAL (SELECT cited_paper_id FROM citations c WHERE c.citing_paper_id = t.paper_id OFFSET 0) AS c
)
ON CONFLICT DO NOTHING
"""


# From this many authors, a refresh computes each of its steps once for all of them
# (`refresh_all_computed_metrics`); fewer are refreshed by the one-statement refresh.
_LARGE_REFRESH = 1_000


async def finish_import(
    connection: Connection, set_aside: SetAside | None = None, stats: BulkStats | None = None
) -> int:
    """Resolve the deferred references (`resolve_deferred_references`), recount the citations of the
    papers whose citations changed (one statement) and refresh the computed metrics of the touched
    authors; then, in bulk-load mode, restore what `begin_import` set aside (after the refresh, whose
    updates then maintain fewer indexes). Returns the number of authors refreshed."""
    await resolve_deferred_references(connection, stats or BulkStats(), set_aside)
    await refresh_staged_citation_counts(connection, "bulk_cited")
    if set_aside is not None and set_aside.emptied:
        # Into an empty database every stored author is new: all of them, without looking for the touched
        # (at 1M works, 27 s to find the 2.3M authors of every paper)
        await connection.execute("TRUNCATE bulk_refresh")
        await connection.execute("INSERT INTO bulk_refresh (author_id) SELECT id FROM authors")
    else:
        await connection.execute(_COLLECT_AUTHORS)
    await connection.execute("ANALYZE bulk_refresh")
    refreshed: int = await connection.fetchval("SELECT count(*) FROM bulk_refresh")
    if refreshed >= _LARGE_REFRESH:
        await refresh_all_computed_metrics(connection, "bulk_refresh")
    elif refreshed:
        ids = [row["author_id"] for row in await connection.fetch("SELECT author_id FROM bulk_refresh")]
        await refresh_computed_metrics(connection, ids)
    if set_aside is not None:
        await restore(connection, set_aside)
    return refreshed
