"""SQL statements per GraphQL request follow the query's shape, never the size of its answer.

Each test loads the seed into its own database and runs queries through `schema.execute` in this
test's event loop, with a `StatementCounter` set in `api.db.pool.current_counter`; then it grows the
data (or the page size) and checks the count does not move.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from api.db.pool import Database, StatementCounter, current_counter
from api.graphql.context import GraphQLContext
from api.graphql.schema import schema
from api.ids import encode_id
from api.ingest.profile import import_profile
from api.ingest.seed import load_seed_if_empty
from api.settings import Settings

CONTRACT_QUERIES = Path(__file__).resolve().parent.parent / "contract" / "queries"
PROFILE = (CONTRACT_QUERIES / "profile.graphql").read_text()
PAPER_RELATIONS = (CONTRACT_QUERIES / "paper_relations.graphql").read_text()
OWNER = "Louis Béthune"
AS_OF = dt.date(2026, 11, 27)

# The profile query: the author search and its total, the two metric sets, the papers page and its
# total, the papers' bylines, the coauthors page and its total. Anything above is an N+1.
PROFILE_STATEMENT_BUDGET = 9

PAPER_RELATIONS_FIRST = """
query ($first: Int!) {
  papers(first: $first) {
    nodes {
      title
      authors { name metrics { hIndex paperCount } }
    }
  }
}
"""

_FIRST_NAMES = ["Ada", "Blaise", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas"]
_LAST_NAMES = ["Moreau", "Okafor", "Lindqvist", "Tanaka", "Rossi", "Nakamura", "Duarte", "Novak"]
_CODES = ["LG", "CV", "ML", "CL", "AI"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def synthetic_profile(papers: int) -> str:
    """A profile page of the seed's format for the seed's owner, `papers` papers with new coauthors."""
    names = [f"{first} {last}" for last in _LAST_NAMES for first in _FIRST_NAMES]
    lines = [OWNER, "", "LG", "h-index40", f"{papers}papers", "900citations", "Novelty61%", "AI Score62", ""]
    lines += [f"{papers} Papers", ""]
    for i in range(papers):
        header = f"{_CODES[i % len(_CODES)]}{_MONTHS[i % 12]} {1 + i % 28}, {2010 + i % 12}"
        header += "Code" if i % 3 == 0 else ""
        byline = ", ".join([names[(2 * i) % len(names)], OWNER, names[(2 * i + 1) % len(names)]])
        if i % 4 == 0:
            byline = ", ".join(names[(3 * i + k) % len(names)] for k in range(3)) + " et al."
        lines += [
            header,
            f"Synthetic Study Number {i}: On Scaling Laws for Graph Pagination",
            "",
            byline,
            f"We study synthetic problem {i} and show that keyset cursors keep every page as cheap as the first.",
            "",
        ]
    return "\n".join(lines).rstrip("\n")


async def execute(db: Database, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Run a query against `db` counting its statements; return its data and the statements."""
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


def show(statements: list[str]) -> None:
    for number, sql in enumerate(statements, 1):
        print(f"{number:2d}. {sql[:200]}")


async def test_the_profile_query_runs_few_statements(db: Database) -> None:
    await load_seed_if_empty(db)
    data, statements = await execute(db, PROFILE, {"search": "louis bethune"})
    show(statements)
    assert data["authors"]["nodes"][0]["name"] == OWNER
    assert len(statements) <= PROFILE_STATEMENT_BUDGET


async def test_the_profile_query_runs_the_same_statements_on_more_data(db: Database, tmp_path: Path) -> None:
    await load_seed_if_empty(db)
    small, before = await execute(db, PROFILE, {"search": "louis bethune"})
    path = tmp_path / "profile-larger.txt"
    path.write_text(synthetic_profile(40), encoding="utf-8")
    imported = await import_profile(db, path, as_of=AS_OF, source="synthetic-profile")
    large, after = await execute(db, PROFILE, {"search": "louis bethune"})
    show(after)
    owner_small, owner_large = small["authors"]["nodes"][0], large["authors"]["nodes"][0]
    assert imported.papers == 40
    assert owner_large["papers"]["totalCount"] == 58
    assert len(owner_large["papers"]["nodes"]) == 50
    assert owner_large["coauthors"]["totalCount"] > owner_small["coauthors"]["totalCount"]
    assert len(after) == len(before)


async def test_the_synthetic_profile_attaches_to_the_seed_owner(db: Database, tmp_path: Path) -> None:
    seeded = await load_seed_if_empty(db)
    path = tmp_path / "profile-larger.txt"
    path.write_text(synthetic_profile(40), encoding="utf-8")
    imported = await import_profile(db, path, as_of=AS_OF, source="synthetic-profile")
    assert seeded is not None
    assert imported.owner_id == seeded.owner_id


async def test_paper_relations_runs_the_same_statements_for_five_papers_as_for_one(db: Database) -> None:
    await load_seed_if_empty(db)
    one, for_one = await execute(db, PAPER_RELATIONS_FIRST, {"first": 1})
    five, for_five = await execute(db, PAPER_RELATIONS_FIRST, {"first": 5})
    show(for_five)
    assert len(one["papers"]["nodes"]) == 1
    assert len(five["papers"]["nodes"]) == 5
    assert sum(len(p["authors"]) for p in five["papers"]["nodes"]) > len(one["papers"]["nodes"][0]["authors"])
    assert len(for_five) == len(for_one)


async def test_the_contract_paper_relations_query_runs_few_statements(db: Database) -> None:
    await load_seed_if_empty(db)
    data, statements = await execute(db, PAPER_RELATIONS, {"search": "Sturm Liouville"})
    show(statements)
    assert data["papers"]["nodes"]
    # The paper search, its bylines, and the authors' reported and computed metrics.
    assert len(statements) <= 5


async def test_paging_an_authors_papers_runs_the_same_statements_on_every_page(db: Database) -> None:
    await load_seed_if_empty(db)
    query = """
    query ($after: String) {
      authors(search: "louis bethune", first: 1) {
        nodes { papers(first: 5, after: $after) { nodes { title authors { name } } pageInfo { endCursor } } }
      }
    }
    """
    first_page, on_first = await execute(db, query, {"after": None})
    cursor = first_page["authors"]["nodes"][0]["papers"]["pageInfo"]["endCursor"]
    _, on_second = await execute(db, query, {"after": cursor})
    assert len(on_second) == len(on_first)


NODES = """
query ($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    id
    ... on Author { name }
    ... on Paper { title authors { name } }
  }
}
"""


async def _nodes_and_expected(db: Database, ids: list[str]) -> tuple[list[Any], list[Any], list[str]]:
    """What nodes(ids:) answers, what it should answer (from the tables), and its statements."""
    authors = {encode_id("Author", row["id"]): row["name"] for row in await db.fetch("SELECT id, name FROM authors")}
    papers = {encode_id("Paper", row["id"]): row["title"] for row in await db.fetch("SELECT id, title FROM papers")}
    data, statements = await execute(db, NODES, {"ids": ids})
    expected: list[Any] = []
    for global_id in ids:
        if global_id in authors:
            expected.append({"__typename": "Author", "id": global_id, "name": authors[global_id]})
        elif global_id in papers:
            expected.append({"__typename": "Paper", "id": global_id, "title": papers[global_id]})
        else:
            expected.append(None)
    answered = [None if node is None else {k: v for k, v in node.items() if k != "authors"} for node in data["nodes"]]
    return answered, expected, statements


async def test_nodes_runs_the_same_statements_for_fifty_ids_as_for_two(db: Database) -> None:
    await load_seed_if_empty(db)
    author_ids = [encode_id("Author", row["id"]) for row in await db.fetch("SELECT id FROM authors ORDER BY id")]
    paper_ids = [encode_id("Paper", row["id"]) for row in await db.fetch("SELECT id FROM papers ORDER BY id")]
    unknown = [encode_id("Author", 987_654), encode_id("Paper", 987_655), encode_id("Author", 2**63 - 1)]
    pool = author_ids[:20] + paper_ids[:14] + unknown * 4
    fifty = [pool[(7 * i) % len(pool)] for i in range(50)]  # interleaved, with repeats
    assert len(fifty) == 50
    assert set(unknown) <= set(fifty)

    _, _, for_two = await _nodes_and_expected(db, [author_ids[0], paper_ids[0]])
    answered, expected, for_fifty = await _nodes_and_expected(db, fifty)
    show(for_fifty)
    assert answered == expected
    assert len(for_fifty) == len(for_two)


async def test_nodes_answers_in_the_order_asked_with_nulls(db: Database) -> None:
    await load_seed_if_empty(db)
    author = encode_id("Author", await db.fetchval("SELECT min(id) FROM authors"))
    paper = encode_id("Paper", await db.fetchval("SELECT min(id) FROM papers"))
    ids = [
        encode_id("Institution", 987_654),
        paper,
        encode_id("Paper", 987_654),
        author,
        encode_id("Author", 987_654),
        paper,
    ]
    answered, expected, _ = await _nodes_and_expected(db, ids)
    assert [None if node is None else node["__typename"] for node in answered] == [
        None, "Paper", None, "Author", None, "Paper"
    ]  # fmt: skip
    assert answered == expected
