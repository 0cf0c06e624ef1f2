"""Coauthors: the authors who share papers with an author, as a ranked, paginated edge.

Ranked by the number of shared papers (most first), then by folded name, then by id. Each edge carries
the first and last year of the shared papers that have a date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from api.db.keyset import Page, Window, page_from_rows
from api.db.pool import Database
from api.db.records import AUTHOR_COLUMNS, AuthorRecord, CoauthorRecord

_BY_SHARED_PAPERS = "coauthors:shared"


async def coauthors_of_authors(
    db: Database, author_ids: Sequence[int], window: Window
) -> dict[int, Page[CoauthorRecord]]:
    """Each author's coauthors, most shared papers first, one page each: one statement for all."""
    after = window.after_key(_BY_SHARED_PAPERS, (int, str, int)) or (None, None, None)
    rows = await db.fetch(
        f"""
        SELECT x.author_id AS of_author, edge.*
        FROM unnest($1::bigint[]) AS x(author_id)
        CROSS JOIN LATERAL (
            SELECT {AUTHOR_COLUMNS}, a.name_key, shared.n, shared.first_year, shared.last_year
            FROM (
                SELECT co.author_id, count(*)::int AS n,
                       min(p.published_year) AS first_year, max(p.published_year) AS last_year
                FROM authorships me
                JOIN authorships co ON co.paper_id = me.paper_id AND co.author_id <> me.author_id
                JOIN papers p ON p.id = me.paper_id
                WHERE me.author_id = x.author_id
                GROUP BY co.author_id
            ) shared
            JOIN authors a ON a.id = shared.author_id
            WHERE $2::int IS NULL OR (-shared.n, a.name_key, a.id) > (-$2::int, $3::text, $4::bigint)
            ORDER BY shared.n DESC, a.name_key, a.id
            LIMIT $5
        ) edge
        """,
        list(author_ids),
        after[0],
        after[1],
        after[2],
        window.first + 1,
    )
    grouped: dict[int, list[CoauthorRecord]] = defaultdict(list)
    keys: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for row in rows:
        grouped[row["of_author"]].append(
            CoauthorRecord(
                of_author_id=row["of_author"],
                author=AuthorRecord.from_row(row),
                shared_paper_count=row["n"],
                first_shared_year=row["first_year"],
                last_shared_year=row["last_year"],
            )
        )
        keys[row["of_author"]].append((int(row["n"]), str(row["name_key"]), int(row["id"])))
    return {
        author_id: page_from_rows(grouped[author_id], keys[author_id], _BY_SHARED_PAPERS, window.first)
        for author_id in author_ids
    }


async def count_coauthors_of_authors(db: Database, author_ids: Sequence[int]) -> dict[int, int]:
    rows = await db.fetch(
        """
        SELECT me.author_id, count(DISTINCT co.author_id) AS n
        FROM authorships me
        JOIN authorships co ON co.paper_id = me.paper_id AND co.author_id <> me.author_id
        WHERE me.author_id = ANY($1::bigint[])
        GROUP BY me.author_id
        """,
        list(author_ids),
    )
    counts = {row["author_id"]: int(row["n"]) for row in rows}
    return {author_id: counts.get(author_id, 0) for author_id in author_ids}
