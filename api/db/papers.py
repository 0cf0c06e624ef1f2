"""Papers: look-up by id, full-text search, newest-first lists, an author's papers, a paper's byline.

Batched functions take many parent ids and answer for all of them in one statement (a LATERAL join per
parent), which is what keeps a GraphQL request's statement count bounded by its depth.
Full-text search runs over the folded title (weight A) and abstract (weight B) with PostgreSQL's
English configuration, ranked by `ts_rank_cd`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from api.db.keyset import Page, Window, date_key, page_from_rows, parse_date_key
from api.db.pool import Database
from api.db.records import AUTHOR_COLUMNS, PAPER_COLUMNS, AuthorRecord, AuthorshipRecord, PaperRecord

_BY_RELEVANCE = "papers:relevance"
_NEWEST_FIRST = "papers:newest"

# Newest first; papers without a date last (as -infinity); ties by id, newest id first.
_NEWEST_KEY = "coalesce(p.published_on, '-infinity'::date)"


async def papers_by_ids(db: Database, ids: Sequence[int]) -> dict[int, PaperRecord]:
    if not ids:
        return {}
    rows = await db.fetch(f"SELECT {PAPER_COLUMNS} FROM papers p WHERE p.id = ANY($1::bigint[])", list(ids))
    return {row["id"]: PaperRecord.from_row(row) for row in rows}


_MATCH = """
    SELECT {columns}, ts_rank_cd(p.search_vector, q.query)::float8 AS score
    FROM papers p, (SELECT websearch_to_tsquery('english', sg_fold($1::text)) AS query) q
    WHERE p.search_vector @@ q.query
"""


async def search_papers(db: Database, search: str, window: Window) -> Page[PaperRecord]:
    """Papers whose title or abstract match `search` (web-search syntax: words, "phrases", -not, or)."""
    after = window.after_key(_BY_RELEVANCE, (float, int)) or (None, None)
    rows = await db.fetch(
        f"""
        SELECT * FROM ({_MATCH.format(columns=PAPER_COLUMNS)}) m
        WHERE $2::float8 IS NULL OR m.score < $2 OR (m.score = $2 AND m.id > $3::bigint)
        ORDER BY m.score DESC, m.id
        LIMIT $4
        """,
        search,
        after[0],
        after[1],
        window.first + 1,
    )
    keys = [(float(row["score"]), int(row["id"])) for row in rows]
    return page_from_rows([PaperRecord.from_row(row) for row in rows], keys, _BY_RELEVANCE, window.first)


async def count_search_papers(db: Database, search: str) -> int:
    count: int = await db.fetchval(f"SELECT count(*) FROM ({_MATCH.format(columns='p.id')}) m", search)
    return count


async def list_papers(db: Database, window: Window) -> Page[PaperRecord]:
    """Every paper, newest first."""
    after = window.after_key(_NEWEST_FIRST, (str, int))
    after_date = parse_date_key(after[0]) if after else None
    rows = await db.fetch(
        f"""
        SELECT {PAPER_COLUMNS}, {_NEWEST_KEY} AS sort_date FROM papers p
        WHERE $1::date IS NULL OR ({_NEWEST_KEY}, p.id) < ($1, $2::bigint)
        ORDER BY {_NEWEST_KEY} DESC, p.id DESC
        LIMIT $3
        """,
        after_date,
        after[1] if after else None,
        window.first + 1,
    )
    keys = [(date_key(row["sort_date"]), int(row["id"])) for row in rows]
    return page_from_rows([PaperRecord.from_row(row) for row in rows], keys, _NEWEST_FIRST, window.first)


async def count_papers(db: Database) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM papers")
    return count


async def papers_of_authors(db: Database, author_ids: Sequence[int], window: Window) -> dict[int, Page[PaperRecord]]:
    """Each author's papers, newest first, one page each: one statement for all the authors."""
    after = window.after_key(_NEWEST_FIRST, (str, int))
    after_date = parse_date_key(after[0]) if after else None
    rows = await db.fetch(
        f"""
        SELECT x.author_id AS of_author, page.*
        FROM unnest($1::bigint[]) AS x(author_id)
        CROSS JOIN LATERAL (
            SELECT {PAPER_COLUMNS}, {_NEWEST_KEY} AS sort_date
            FROM authorships s JOIN papers p ON p.id = s.paper_id
            WHERE s.author_id = x.author_id
              AND ($2::date IS NULL OR ({_NEWEST_KEY}, p.id) < ($2, $3::bigint))
            ORDER BY {_NEWEST_KEY} DESC, p.id DESC
            LIMIT $4
        ) page
        """,
        list(author_ids),
        after_date,
        after[1] if after else None,
        window.first + 1,
    )
    grouped: dict[int, list[PaperRecord]] = defaultdict(list)
    keys: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        grouped[row["of_author"]].append(PaperRecord.from_row(row))
        keys[row["of_author"]].append((date_key(row["sort_date"]), int(row["id"])))
    return {
        author_id: page_from_rows(grouped[author_id], keys[author_id], _NEWEST_FIRST, window.first)
        for author_id in author_ids
    }


async def count_papers_of_authors(db: Database, author_ids: Sequence[int]) -> dict[int, int]:
    rows = await db.fetch(
        "SELECT author_id, count(*) AS n FROM authorships WHERE author_id = ANY($1::bigint[]) GROUP BY author_id",
        list(author_ids),
    )
    counts = {row["author_id"]: int(row["n"]) for row in rows}
    return {author_id: counts.get(author_id, 0) for author_id in author_ids}


async def authorships_of_papers(db: Database, paper_ids: Sequence[int]) -> dict[int, list[AuthorshipRecord]]:
    """Each paper's authors in byline order (known positions first, then authors placed after them)."""
    rows = await db.fetch(
        f"""
        SELECT s.paper_id, s.position, s.name_as_written, s.affiliation, {AUTHOR_COLUMNS}
        FROM authorships s JOIN authors a ON a.id = s.author_id
        WHERE s.paper_id = ANY($1::bigint[])
        ORDER BY s.paper_id, s.list_order
        """,
        list(paper_ids),
    )
    grouped: dict[int, list[AuthorshipRecord]] = {paper_id: [] for paper_id in paper_ids}
    for row in rows:
        grouped[row["paper_id"]].append(
            AuthorshipRecord(
                paper_id=row["paper_id"],
                author=AuthorRecord.from_row(row),
                position=row["position"],
                name_as_written=row["name_as_written"],
                affiliation=row["affiliation"],
            )
        )
    return grouped
