"""Author metrics over GraphQL and REST: every figure, the variants, the per-year series (no gaps, no
cap), reported sets beside computed ones, and one statement per kind of figure whatever the number of
authors.

Graphs are built with SQL on the test's own database and computed at a fixed time (Y = 2026); the
figures computed when read (m-quotient, and the zero years up to now) follow the current year.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from starlette.testclient import TestClient

from api.db.metrics import current_year, refresh_computed_metrics, refresh_paper_citation_counts
from api.db.pool import Connection, Database, StatementCounter, current_counter
from api.graphql.context import GraphQLContext
from api.graphql.schema import schema
from api.ids import encode_id
from api.ingest.seed import load_seed_if_empty
from api.settings import Settings

AT = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)

FIGURES = "paperCount citationCount hIndex i10Index gIndex"
ALL_FIELDS = f"""
  {FIGURES} mQuotient twoYearMeanCitedness countsByYear {{ year paperCount citationCount }}
  novelty aiScore source asOf computedAt
"""
METRICS_QUERY = f"""
query ($ids: [ID!]!) {{
  nodes(ids: $ids) {{
    ... on Author {{
      name
      metrics {{ {ALL_FIELDS} }}
      computedMetrics {{ {ALL_FIELDS} }}
      lastFive: computedMetrics(variant: LAST_5_YEARS) {{ {ALL_FIELDS} }}
      withoutSelf: computedMetrics(variant: WITHOUT_SELF_CITATIONS) {{ {ALL_FIELDS} }}
      reportedMetrics {{ {ALL_FIELDS} }}
    }}
  }}
}}
"""


async def execute(db: Database, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    context = GraphQLContext(request=None, db=db, settings=Settings(database_url="postgresql://unused/db"))
    counter = StatementCounter()
    token = current_counter.set(counter)
    try:
        result = await schema.execute(query, variable_values=variables, context_value=context)
    finally:
        current_counter.reset(token)
    assert not result.errors, result.errors
    assert result.data is not None
    return result.data, counter.statements


async def add_paper(c: Connection, year: int | None, authors: list[int], cites: list[int] | None = None) -> int:
    paper_id: int = await c.fetchval(
        "INSERT INTO papers (title, published_on, published_precision) "
        "VALUES ('Paper', make_date($1, 3, 1), CASE WHEN $1::int IS NOT NULL THEN 'year' END) RETURNING id",
        year,
    )
    for order, author_id in enumerate(authors, 1):
        await c.execute(
            "INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written) "
            "VALUES ($1, $2, $3, $3, 'Someone')",
            paper_id,
            author_id,
            order,
        )
    for cited in cites or []:
        await c.execute("INSERT INTO citations (citing_paper_id, cited_paper_id) VALUES ($1, $2)", paper_id, cited)
    return paper_id


async def self_citing_pair(db: Database) -> tuple[int, int]:
    """Ada (papers of 1990, 2024, 2026) and Bo (on the 1990 paper and one of 2025), with citations:

    P1990 (Ada, Bo) is cited by P2024 (Ada), P2026 (Ada), W2025 (Bo) and X2025 (nobody);
    P2024 (Ada) by P2026 (Ada) and X2025; P2026 by nobody.
    """
    async with db.transaction() as c:
        ada: int = await c.fetchval("INSERT INTO authors (name) VALUES ('Ada Lovelace') RETURNING id")
        bo: int = await c.fetchval("INSERT INTO authors (name) VALUES ('Bo Coauthor') RETURNING id")
        p1990 = await add_paper(c, 1990, [ada, bo])
        p2024 = await add_paper(c, 2024, [ada], [p1990])
        await add_paper(c, 2026, [ada], [p1990, p2024])
        await add_paper(c, 2025, [bo], [p1990])
        await add_paper(c, 2025, [], [p1990, p2024])
        await refresh_paper_citation_counts(c, [row["id"] for row in await c.fetch("SELECT id FROM papers")])
        await refresh_computed_metrics(c, [ada, bo], at=AT)
    return ada, bo


def figures(metrics: dict[str, Any]) -> tuple[int, ...]:
    return tuple(metrics[name] for name in FIGURES.split())


async def test_every_figure_and_variant_of_an_author(db: Database) -> None:
    ada, _ = await self_citing_pair(db)
    data, _ = await execute(db, METRICS_QUERY, {"ids": [encode_id("Author", ada)]})
    author = data["nodes"][0]
    computed = author["computedMetrics"]
    # Citations 4 (P1990), 2 (P2024), 0: h 2; sums 4, 6, 6 against 1, 4, 9: g 2.
    assert figures(computed) == (3, 6, 2, 0, 2)
    assert computed["mQuotient"] == 2 / (current_year() - 1990 + 1)  # 2/37 in 2026
    # Y = 2026: papers of 2023 and 2024 (the one of 2024), cited in 2025 once (by X): 1 / 1.
    assert computed["twoYearMeanCitedness"] == 1.0
    assert (computed["source"], computed["asOf"]) == ("computed", None)
    assert computed["computedAt"].startswith("2026-11-28T12:00:00")
    # 2022..2026: P2024 (2) and P2026 (0): h 1, g 1 (2 < 4).
    assert figures(author["lastFive"]) == (2, 2, 1, 0, 1)
    # Without Ada's own P2024 and P2026: P1990 by W and X (2), P2024 by X (1): h 1, g 1 (3 < 4).
    assert figures(author["withoutSelf"]) == (3, 3, 1, 0, 1)
    for variant in (author["lastFive"], author["withoutSelf"]):
        assert (variant["mQuotient"], variant["twoYearMeanCitedness"], variant["countsByYear"]) == (None, None, [])
        assert (variant["source"], variant["computedAt"]) == ("computed", computed["computedAt"])
    # Nothing reported: `metrics` is the computed set, and there are no reported sets.
    assert author["metrics"] == computed
    assert author["reportedMetrics"] == []


async def test_counts_by_year_has_every_year_and_no_cap(db: Database) -> None:
    ada, bo = await self_citing_pair(db)
    data, _ = await execute(db, METRICS_QUERY, {"ids": [encode_id("Author", ada), encode_id("Author", bo)]})
    ada_years = data["nodes"][0]["computedMetrics"]["countsByYear"]
    last = max(2026, current_year())
    assert [y["year"] for y in ada_years] == list(range(1990, last + 1))  # no gap, no 10-year cap
    assert len(ada_years) == last - 1990 + 1  # 37 entries in 2026
    by_year = {y["year"]: (y["paperCount"], y["citationCount"]) for y in ada_years}
    assert by_year[1990] == (1, 0)
    assert by_year[2024] == (1, 1)  # P2024 cites P1990
    assert by_year[2025] == (0, 3)  # W cites P1990; X cites P1990 and P2024
    assert by_year[2026] == (1, 2)  # P2026 cites P1990 and P2024 (self-citations count here)
    assert all(by_year[year] == (0, 0) for year in range(1991, 2024))
    assert sum(p for p, _ in by_year.values()) == 3
    assert sum(c for _, c in by_year.values()) == 6 == data["nodes"][0]["computedMetrics"]["citationCount"]
    bo_years = data["nodes"][1]["computedMetrics"]["countsByYear"]
    assert [y["year"] for y in bo_years] == list(range(1990, last + 1))


async def test_an_author_without_papers(db: Database) -> None:
    nobody: int = await db.fetchval("INSERT INTO authors (name) VALUES ('Nobody') RETURNING id")
    data, _ = await execute(db, METRICS_QUERY, {"ids": [encode_id("Author", nobody)]})
    author = data["nodes"][0]
    for metrics in (author["computedMetrics"], author["lastFive"], author["withoutSelf"], author["metrics"]):
        assert figures(metrics) == (0, 0, 0, 0, 0)
        assert (metrics["mQuotient"], metrics["twoYearMeanCitedness"], metrics["countsByYear"]) == (None, None, [])
        assert metrics["computedAt"] is None  # never computed


async def test_the_seed_owner_reported_beside_computed(db: Database) -> None:
    seeded = await load_seed_if_empty(db)
    assert seeded is not None
    data, _ = await execute(db, METRICS_QUERY, {"ids": [encode_id("Author", seeded.owner_id)]})
    owner = data["nodes"][0]
    computed = owner["computedMetrics"]
    assert figures(computed) == (18, 0, 0, 0, 0)
    assert computed["mQuotient"] == 0.0
    years = computed["countsByYear"]
    assert [y["year"] for y in years] == list(range(2020, max(2026, current_year()) + 1))
    assert [(y["year"], y["paperCount"]) for y in years[:7]] == [
        (2020, 3), (2021, 1), (2022, 3), (2023, 1), (2024, 2), (2025, 5), (2026, 3),
    ]  # fmt: skip
    assert figures(owner["withoutSelf"]) == (18, 0, 0, 0, 0)
    # The profile page's own figures: what it does not report is null (no series).
    [reported] = owner["reportedMetrics"]
    assert (reported["hIndex"], reported["citationCount"], reported["paperCount"]) == (34, 220, 18)
    assert (reported["i10Index"], reported["gIndex"], reported["mQuotient"]) == (None, None, None)
    assert (reported["twoYearMeanCitedness"], reported["countsByYear"]) == (None, [])
    assert (reported["source"], reported["asOf"], reported["computedAt"]) == ("profile-page", "2026-11-27", None)
    # `metrics`: the reported figures, each one lacking filled in from the computed set.
    shown = owner["metrics"]
    assert (shown["hIndex"], shown["source"]) == (34, "profile-page")
    assert (shown["i10Index"], shown["gIndex"], shown["mQuotient"]) == (0, 0, 0.0)
    assert shown["countsByYear"] == computed["countsByYear"]
    assert shown["computedAt"] == computed["computedAt"]


async def test_computed_metrics_without_arguments_is_the_all_variant(db: Database) -> None:
    ada, _ = await self_citing_pair(db)
    query = """
    query ($id: ID!) {
      author(id: $id) {
        plain: computedMetrics { hIndex citationCount countsByYear { year } }
        all: computedMetrics(variant: ALL) { hIndex citationCount countsByYear { year } }
      }
    }
    """
    data, _ = await execute(db, query, {"id": encode_id("Author", ada)})
    assert data["author"]["plain"] == data["author"]["all"]


async def test_one_statement_per_kind_of_figure_whatever_the_number_of_authors(db: Database) -> None:
    ada, bo = await self_citing_pair(db)
    _, for_one = await execute(db, METRICS_QUERY, {"ids": [encode_id("Author", ada)]})
    many_ids = [encode_id("Author", i) for i in (ada, bo, ada + 100)]
    many, for_many = await execute(db, METRICS_QUERY, {"ids": many_ids})
    assert many["nodes"][2] is None
    assert len(for_many) == len(for_one)
    computed = [sql for sql in for_many if "FROM author_computed_metrics WHERE" in sql]
    reported = [sql for sql in for_many if "FROM author_reported_metrics" in sql]
    # `metrics`, `computedMetrics` three times and `reportedMetrics`, for every author: two statements.
    assert (len(computed), len(reported)) == (1, 1)


# REST: GET /v1/authors/{id} carries the same figures, snake_case, with the variants beside them.


async def _build_pair(url: str) -> tuple[int, int]:
    db = await Database.connect(url, min_size=1, max_size=2)
    try:
        return await self_citing_pair(db)
    finally:
        await db.close()


def test_rest_author_has_every_figure_and_the_variants(client: TestClient, database_url: str) -> None:
    ada, _ = asyncio.run(_build_pair(database_url))
    response = client.get(f"/v1/authors/{encode_id('Author', ada)}")
    assert response.status_code == 200, response.text
    body = response.json()
    computed = body["computed_metrics"]
    names = ("paper_count", "citation_count", "h_index", "i10_index", "g_index")
    assert tuple(computed[n] for n in names) == (3, 6, 2, 0, 2)
    assert computed["m_quotient"] == 2 / (current_year() - 1990 + 1)
    assert computed["two_year_mean_citedness"] == 1.0
    years = computed["counts_by_year"]
    assert [y["year"] for y in years] == list(range(1990, max(2026, current_year()) + 1))
    assert years[0] == {"year": 1990, "paper_count": 1, "citation_count": 0}
    last_five = body["computed_metrics_last_5_years"]
    without_self = body["computed_metrics_without_self_citations"]
    assert tuple(last_five[n] for n in names) == (2, 2, 1, 0, 1)
    assert tuple(without_self[n] for n in names) == (3, 3, 1, 0, 1)
    for variant in (last_five, without_self):
        assert (variant["m_quotient"], variant["two_year_mean_citedness"], variant["counts_by_year"]) == (
            None, None, [],
        )  # fmt: skip
    assert body["metrics"] == computed
    assert body["reported_metrics"] == []
