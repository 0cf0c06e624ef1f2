"""Authors: look-up by id, and the searchable, paginated list.

Name search folds accents and case (`sg_name_key`, the same key the importers match names by) and ranks:
an exact name first, then names starting with the query, then names containing it, then names within
typo distance (pg_trgm's `<%` word-similarity operator: similarity >= pg_trgm.word_similarity_threshold,
0.6 by default); ties are broken by the trigram score and then by id. Both tests can use the trigram
index on `name_key`.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.db.keyset import Page, Window, page_from_rows
from api.db.pool import Database
from api.db.records import AUTHOR_COLUMNS, AuthorRecord

_BY_RELEVANCE = "authors:relevance"
_BY_NAME = "authors:name"


async def authors_by_ids(db: Database, ids: Sequence[int]) -> dict[int, AuthorRecord]:
    if not ids:
        return {}
    rows = await db.fetch(f"SELECT {AUTHOR_COLUMNS} FROM authors a WHERE a.id = ANY($1::bigint[])", list(ids))
    return {row["id"]: AuthorRecord.from_row(row) for row in rows}


_MATCH = """
    WITH q AS (SELECT sg_name_key($1::text) AS key)
    SELECT {columns},
           (CASE WHEN a.name_key = q.key THEN 3
                 WHEN a.name_key LIKE q.key || '%' THEN 2
                 WHEN a.name_key LIKE '%' || q.key || '%' THEN 1
                 ELSE 0 END
            + word_similarity(q.key, a.name_key))::float8 AS score
    FROM authors a, q
    WHERE q.key <> ''
      AND (a.name_key LIKE '%' || q.key || '%' OR q.key <% a.name_key)
"""


async def search_authors(db: Database, search: str, window: Window) -> Page[AuthorRecord]:
    """Authors whose names match `search`, best match first."""
    after = window.after_key(_BY_RELEVANCE, (float, int)) or (None, None)
    rows = await db.fetch(
        f"""
        SELECT * FROM ({_MATCH.format(columns=AUTHOR_COLUMNS)}) m
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
    return page_from_rows([AuthorRecord.from_row(row) for row in rows], keys, _BY_RELEVANCE, window.first)


async def count_search_authors(db: Database, search: str) -> int:
    count: int = await db.fetchval(f"SELECT count(*) FROM ({_MATCH.format(columns='a.id')}) m", search)
    return count


async def list_authors(db: Database, window: Window) -> Page[AuthorRecord]:
    """Every author, ordered by folded name."""
    after = window.after_key(_BY_NAME, (str, int)) or (None, None)
    rows = await db.fetch(
        f"""
        SELECT {AUTHOR_COLUMNS}, a.name_key FROM authors a
        WHERE $1::text IS NULL OR (a.name_key, a.id) > ($1, $2::bigint)
        ORDER BY a.name_key, a.id
        LIMIT $3
        """,
        after[0],
        after[1],
        window.first + 1,
    )
    keys = [(str(row["name_key"]), int(row["id"])) for row in rows]
    return page_from_rows([AuthorRecord.from_row(row) for row in rows], keys, _BY_NAME, window.first)


async def count_authors(db: Database) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM authors")
    return count
