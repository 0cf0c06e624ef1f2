"""Coauthors: the authors who share papers with an author, as a ranked, paginated edge.

Each edge carries the number of shared papers and the first and last year among the shared papers that
have a date. Orderings: most shared papers first (then name), by name, or most recent collaboration
first (last shared year, undated collaborations last; then shared papers, then name).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from enum import Enum

from api.db.keyset import Page, Window
from api.db.listing import Ordering, Params, SortKey
from api.db.pool import Database
from api.db.records import AUTHOR_COLUMNS, AuthorRecord, CoauthorRecord, Row


class CoauthorOrder(Enum):
    SHARED_PAPERS = "shared_papers"
    NAME = "name"
    RECENT = "recent"


_NAME = SortKey("a.name_key", False, str, "text")
_ID = SortKey("a.id", False, int, "bigint")
_SHARED = SortKey("shared.n", True, int, "integer")
_ORDERINGS: dict[CoauthorOrder, Ordering] = {
    CoauthorOrder.SHARED_PAPERS: Ordering("coauthors:shared", (_SHARED, _NAME, _ID)),
    CoauthorOrder.NAME: Ordering("coauthors:name", (_NAME, _ID)),
    CoauthorOrder.RECENT: Ordering(
        "coauthors:recent", (SortKey("coalesce(shared.last_year, -1)", True, int, "integer"), _SHARED, _NAME, _ID)
    ),
}

SHARED_PAPERS = """
    SELECT co.author_id, count(*)::int AS n,
           min(p.published_year) AS first_year, max(p.published_year) AS last_year
    FROM authorships me
    JOIN authorships co ON co.paper_id = me.paper_id AND co.author_id <> me.author_id
    JOIN papers p ON p.id = me.paper_id
    WHERE me.author_id = x.author_id
    GROUP BY co.author_id
"""


# A page of coauthors over `x(author_id)`: each edge's author and what the two share.
SHARED_SOURCE = f"({SHARED_PAPERS}) shared JOIN authors a ON a.id = shared.author_id"
EDGE_COLUMNS = f"{AUTHOR_COLUMNS}, shared.n, shared.first_year, shared.last_year"


def ordering_for(order: CoauthorOrder) -> Ordering:
    return _ORDERINGS[order]


def count_sql(author: str) -> str:
    """SQL of the number of coauthors of the author whose id is the SQL expression `author`."""
    return (
        "(SELECT count(DISTINCT co.author_id)::int FROM authorships me"
        " JOIN authorships co ON co.paper_id = me.paper_id AND co.author_id <> me.author_id"
        f" WHERE me.author_id = {author})"
    )


async def coauthors_of_authors(
    db: Database, author_ids: Sequence[int], window: Window, order: CoauthorOrder = CoauthorOrder.SHARED_PAPERS
) -> dict[int, Page[CoauthorRecord]]:
    """Each author's coauthors, one page each, in `order`: one statement for all the authors."""
    ordering = _ORDERINGS[order]
    params = Params()
    authors = params.add(list(author_ids), "bigint[]")
    after = ordering.after_predicate(window, params)
    limit = params.add(window.first + 1, "integer")
    rows = await db.fetch(
        f"""
        SELECT x.author_id AS of_author, edge.*, {ordering.cursor("edge")} AS cursor
        FROM unnest({authors}) AS x(author_id)
        CROSS JOIN LATERAL (
            {ordering.page_sql(EDGE_COLUMNS, SHARED_SOURCE, after, limit)}
        ) edge
        """,
        *params.values,
    )
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["of_author"]].append(row)

    def record(row: Row) -> CoauthorRecord:
        return CoauthorRecord(
            of_author_id=row["of_author"],
            author=AuthorRecord.from_row(row),
            shared_paper_count=row["n"],
            first_shared_year=row["first_year"],
            last_shared_year=row["last_year"],
        )

    return {
        author_id: ordering.page(grouped[author_id], [record(r) for r in grouped[author_id]], window.first)
        for author_id in author_ids
    }


async def count_coauthors_of_authors(db: Database, author_ids: Sequence[int]) -> dict[int, int]:
    rows = await db.fetch(  # count_sql's, for many authors at once
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
