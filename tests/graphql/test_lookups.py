"""Look-ups by external id and in batches, against a real PostgreSQL.

Each test loads the seed into its own database and attaches external ids to the seed's owner and to
three of its papers with the writer importers use (`api.db.external_ids`); then it looks them up every
way a client can: `node`, `nodes`, `author`, `paper`, `authorsByIds`, `papersByIds`, the `authorId`
filter, and the REST paths. GraphQL runs in-process (`schema.execute`) so statements can be counted.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from conftest import _admin as admin
from conftest import _with_database as with_database
from conftest import make_settings
from starlette.testclient import TestClient

from api.app import create_app
from api.db import external_ids
from api.db.pool import Database, StatementCounter, current_counter
from api.errors import InvalidInputError, NotFoundError
from api.graphql.context import GraphQLContext
from api.graphql.schema import MAX_BATCH_IDS, schema
from api.ids import encode_id, orcid_check_digit
from api.ingest.seed import load_seed_if_empty
from api.settings import Settings

OWNER = "Louis Béthune"
ORCID = "0000-0002-1825-0097"
UNKNOWN_ORCID = "0000-0002-1694-233X"  # well-formed, attached to nobody
S2_AUTHOR = "2262347"
GBC_DOI = "10.1234/GBC.2024"  # stored in lower case
GBC_SHA = "2d5673caa9e6af3a7b82a43f19ee920992db07ad"
LIPSCHITZ_ARXIV = "math/0601001"


@dataclass(frozen=True)
class Seeded:
    owner: str  # global ids
    coauthor: str
    gbc: str  # "Graph-Based Captioning"
    lipschitz: str  # "On the explainable properties of 1-Lipschitz Neural Networks"
    gaussian: str  # "Gaussian Processes on Distributions"
    owner_row: int


async def attach_ids(db: Database) -> Seeded:
    """The seed, with external ids on its owner and three papers; `s2:2262347` names the owner *and* a paper."""
    await load_seed_if_empty(db)
    rows = {
        row["key"]: row["id"]
        for row in await db.fetch(
            """
            SELECT 'gbc' AS key, id FROM papers WHERE title LIKE 'Graph-Based Captioning%'
            UNION ALL SELECT 'lipschitz', id FROM papers WHERE title LIKE 'On the explainable properties%'
            UNION ALL SELECT 'gaussian', id FROM papers WHERE title LIKE 'Gaussian Processes on Distributions%'
            UNION ALL SELECT 'coauthor', id FROM authors WHERE name = 'François Bachoc'
            UNION ALL SELECT 'owner', id FROM authors WHERE name = 'Louis Béthune'
            """
        )
    }
    async with db.transaction() as connection:
        owner_pairs = [("orcid", f"https://orcid.org/{ORCID}"), ("openalex", "a5023888391"), ("s2", S2_AUTHOR)]
        await external_ids.add_author_external_ids(connection, rows["owner"], owner_pairs)
        await external_ids.add_paper_external_ids(
            connection,
            rows["gbc"],
            [("doi", GBC_DOI), ("arxiv", "2407.06723v1"), ("s2", GBC_SHA), ("openalex", "W4400000001")],
        )
        await external_ids.add_paper_external_ids(connection, rows["lipschitz"], [("arxiv", LIPSCHITZ_ARXIV)])
        await external_ids.add_paper_external_ids(connection, rows["gaussian"], [("s2", f"CorpusId:{S2_AUTHOR}")])
    return Seeded(
        owner=encode_id("Author", rows["owner"]),
        coauthor=encode_id("Author", rows["coauthor"]),
        gbc=encode_id("Paper", rows["gbc"]),
        lipschitz=encode_id("Paper", rows["lipschitz"]),
        gaussian=encode_id("Paper", rows["gaussian"]),
        owner_row=rows["owner"],
    )


@pytest.fixture(scope="module")
def shared_url(server_url: str, template_database: str) -> Iterator[str]:
    """One database for the tests that only read: the seed with the external ids, loaded once."""
    name = f"sg_lookups_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    try:
        yield with_database(server_url, name)
    finally:
        asyncio.run(admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
async def shared_db(shared_url: str) -> AsyncIterator[Database]:
    db = await Database.connect(shared_url, min_size=1, max_size=4)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture(scope="module")
async def seeded(shared_db: Database) -> Seeded:
    return await attach_ids(shared_db)


@pytest.fixture
async def fresh(db: Database) -> Seeded:
    """The same data in this test's own database, for tests that write."""
    return await attach_ids(db)


@dataclass
class Result:
    data: dict[str, Any] | None
    errors: list[str]
    statements: list[str]


async def run(db: Database, query: str, **variables: Any) -> Result:
    context = GraphQLContext(request=None, db=db, settings=Settings(database_url="postgresql://unused/db"))
    counter = StatementCounter()
    token = current_counter.set(counter)
    try:
        result = await schema.execute(query, variable_values=variables, context_value=context)
    finally:
        current_counter.reset(token)
    return Result(result.data, [e.message for e in result.errors or []], counter.statements)


async def data(db: Database, query: str, **variables: Any) -> dict[str, Any]:
    result = await run(db, query, **variables)
    assert result.errors == []
    assert result.data is not None
    return result.data


AUTHOR = "query ($id: ID!) { author(id: $id) { id name } }"
PAPER = "query ($id: ID!) { paper(id: $id) { id title } }"
NODE = "query ($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
AUTHORS_BY_IDS = "query ($ids: [ID!]!) { authorsByIds(ids: $ids) { id } }"
PAPERS_BY_IDS = "query ($ids: [ID!]!) { papersByIds(ids: $ids) { id } }"


async def author_of(db: Database, id: str) -> str | None:
    found = (await data(db, AUTHOR, id=id))["author"]
    return None if found is None else str(found["id"])


async def paper_of(db: Database, id: str) -> str | None:
    found = (await data(db, PAPER, id=id))["paper"]
    return None if found is None else str(found["id"])


async def node_of(db: Database, id: str) -> tuple[str, str] | None:
    found = (await data(db, NODE, id=id))["node"]
    return None if found is None else (found["__typename"], found["id"])


# The writer --------------------------------------------------------------------------------------------


async def test_attaching_the_same_ids_again_adds_nothing(db: Database, fresh: Seeded) -> None:
    async with db.transaction() as connection:
        added = await external_ids.add_author_external_ids(connection, fresh.owner_row, [("orcid", ORCID)])
    assert added == 0


async def test_attaching_reports_how_many_ids_were_new(db: Database, fresh: Seeded) -> None:
    async with db.transaction() as connection:
        added = await external_ids.add_author_external_ids(
            connection, fresh.owner_row, [("orcid", ORCID), ("s2", "99"), ("s2", "099")]
        )
    assert added == 1  # the ORCID was there; s2:99 and s2:099 are one id


async def test_an_id_of_another_author_is_refused_naming_it(db: Database, fresh: Seeded) -> None:
    coauthor_row = int(await db.fetchval("SELECT id FROM authors WHERE name = 'François Bachoc'"))
    async with db.transaction() as connection:
        with pytest.raises(InvalidInputError, match=f"orcid:{ORCID} already belongs to author {fresh.owner_row}"):
            await external_ids.add_author_external_ids(connection, coauthor_row, [("orcid", ORCID)])


async def test_a_refused_call_attaches_none_of_its_ids(db: Database, fresh: Seeded) -> None:
    coauthor_row = int(await db.fetchval("SELECT id FROM authors WHERE name = 'François Bachoc'"))
    async with db.transaction() as connection:
        with pytest.raises(InvalidInputError):
            await external_ids.add_author_external_ids(connection, coauthor_row, [("s2", "7"), ("orcid", ORCID)])
        # The caller's transaction is still usable, and s2:7 was not kept.
        assert await external_ids.add_author_external_ids(connection, coauthor_row, [("s2", "8")]) == 1
    assert await author_of(db, "s2:7") is None
    assert await author_of(db, "s2:8") == fresh.coauthor


async def test_a_malformed_id_is_refused_by_the_writer(db: Database, fresh: Seeded) -> None:
    async with db.transaction() as connection:
        with pytest.raises(InvalidInputError, match="check digit should be 7"):
            await external_ids.add_author_external_ids(connection, fresh.owner_row, [("orcid", "0000-0002-1825-0098")])


async def test_attaching_to_a_missing_paper_is_not_found(db: Database, fresh: Seeded) -> None:
    async with db.transaction() as connection:
        with pytest.raises(NotFoundError, match="no paper with row id 987654"):
            await external_ids.add_paper_external_ids(connection, 987_654, [("doi", "10.9999/nothing")])


async def test_the_writer_stores_values_normalised(shared_db: Database, seeded: Seeded) -> None:
    stored = await shared_db.fetch(
        "SELECT scheme, value FROM paper_external_ids WHERE scheme IN ('doi', 'arxiv') ORDER BY 1, 2"
    )
    assert [(r["scheme"], r["value"]) for r in stored] == [
        ("arxiv", "2407.06723"),
        ("arxiv", LIPSCHITZ_ARXIV),
        ("doi", GBC_DOI.lower()),
    ]


# author(id:) and paper(id:) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "id",
    [
        f"orcid:{ORCID}",
        f"ORCID:{ORCID.replace('-', '')}",
        f"https://orcid.org/{ORCID}",
        "openalex:A5023888391",
        "https://openalex.org/a5023888391",
        f"s2:{S2_AUTHOR}",
        f"https://www.semanticscholar.org/author/Louis-Bethune/{S2_AUTHOR}",
    ],
)
async def test_author_is_found_by_each_of_its_external_ids(shared_db: Database, seeded: Seeded, id: str) -> None:
    assert await author_of(shared_db, id) == seeded.owner


@pytest.mark.parametrize(
    "id",
    [
        f"doi:{GBC_DOI}",
        GBC_DOI.upper(),
        f"https://doi.org/{GBC_DOI}",
        "arxiv:2407.06723",
        "arXiv:2407.06723v4",
        "https://arxiv.org/abs/2407.06723v2",
        f"s2:{GBC_SHA.upper()}",
        f"https://www.semanticscholar.org/paper/Graph-Based-Captioning/{GBC_SHA}",
        "openalex:w4400000001",
    ],
)
async def test_paper_is_found_by_each_of_its_external_ids(shared_db: Database, seeded: Seeded, id: str) -> None:
    assert await paper_of(shared_db, id) == seeded.gbc


async def test_an_old_style_arxiv_id_finds_its_paper(shared_db: Database, seeded: Seeded) -> None:
    assert await paper_of(shared_db, "arxiv:math.PR/0601001v3") == seeded.lipschitz


async def test_a_corpus_id_finds_its_paper(shared_db: Database, seeded: Seeded) -> None:
    assert await paper_of(shared_db, f"s2:CorpusId:{S2_AUTHOR}") == seeded.gaussian


async def test_a_global_id_still_finds_its_author(shared_db: Database, seeded: Seeded) -> None:
    assert await author_of(shared_db, seeded.owner) == seeded.owner


@pytest.mark.parametrize("id", [f"orcid:{UNKNOWN_ORCID}", "openalex:A999999999999999", "s2:123456789"])
async def test_author_answers_null_without_error_for_a_well_formed_id_of_nobody(
    shared_db: Database, seeded: Seeded, id: str
) -> None:
    result = await run(shared_db, AUTHOR, id=id)
    assert (result.data, result.errors) == ({"author": None}, [])


@pytest.mark.parametrize(
    ("id", "why"),
    [
        ("orcid:0000-0002-1825-0098", "is not a valid ORCID iD: its check digit should be 7"),
        ("isbn:9780262033848", "has an unknown id scheme 'isbn'"),
        (f"doi:{GBC_DOI}", "is not an id of an author: doi ids name papers"),
        ("", "'' is not an id issued by this service"),
    ],
)
async def test_author_answers_a_malformed_id_with_an_error_saying_why(
    shared_db: Database, seeded: Seeded, id: str, why: str
) -> None:
    result = await run(shared_db, AUTHOR, id=id)
    assert result.data == {"author": None}
    assert len(result.errors) == 1
    assert why in result.errors[0]


@pytest.mark.parametrize("id", ["doi:10.9999/unknown", "arxiv:2401.12345", "doi:10.1234/x"])
async def test_paper_answers_null_without_error_for_a_well_formed_id_of_nothing(
    shared_db: Database, seeded: Seeded, id: str
) -> None:
    result = await run(shared_db, PAPER, id=id)
    assert (result.data, result.errors) == ({"paper": None}, [])


@pytest.mark.parametrize(
    ("id", "why"),
    [
        ("arxiv:2401.1234", "numbers of 2401 have five digits"),
        ("doi:10.12/x", "is not a DOI"),
        (f"orcid:{ORCID}", "is not an id of a paper: orcid ids name authors"),
    ],
)
async def test_paper_answers_a_malformed_id_with_an_error_saying_why(
    shared_db: Database, seeded: Seeded, id: str, why: str
) -> None:
    result = await run(shared_db, PAPER, id=id)
    assert result.data == {"paper": None}
    assert len(result.errors) == 1
    assert why in result.errors[0]


# node(id:) ---------------------------------------------------------------------------------------------


async def test_node_finds_a_paper_by_doi(shared_db: Database, seeded: Seeded) -> None:
    assert await node_of(shared_db, f"doi:{GBC_DOI}") == ("Paper", seeded.gbc)


async def test_node_finds_an_author_by_orcid(shared_db: Database, seeded: Seeded) -> None:
    assert await node_of(shared_db, f"https://orcid.org/{ORCID}") == ("Author", seeded.owner)


async def test_node_of_an_unknown_scheme_is_an_error_naming_it(shared_db: Database, seeded: Seeded) -> None:
    result = await run(shared_db, NODE, id="isbn:9780262033848")
    assert result.data == {"node": None}
    assert result.errors == [
        "'isbn:9780262033848' has an unknown id scheme 'isbn' (known: arxiv, doi, openalex, orcid, s2)"
    ]


async def test_node_of_s2_digits_naming_an_author_and_a_paper_is_null(shared_db: Database, seeded: Seeded) -> None:
    assert await node_of(shared_db, f"s2:{S2_AUTHOR}") is None  # ambiguous: the owner's id and a paper's corpus id


async def test_node_of_s2_digits_naming_only_an_author_is_that_author(db: Database, fresh: Seeded) -> None:
    async with db.transaction() as connection:
        await external_ids.add_author_external_ids(connection, fresh.owner_row, [("s2", "31415")])
    assert await node_of(db, "s2:31415") == ("Author", fresh.owner)


async def test_node_of_a_typed_s2_form_is_not_ambiguous(shared_db: Database, seeded: Seeded) -> None:
    assert await node_of(shared_db, f"s2:CorpusId:{S2_AUTHOR}") == ("Paper", seeded.gaussian)


# Batches -------------------------------------------------------------------------------------------------


async def test_nodes_mixes_global_and_external_ids_in_order(shared_db: Database, seeded: Seeded) -> None:
    ids = [f"doi:{GBC_DOI}", seeded.owner, f"orcid:{ORCID}", "doi:10.9999/unknown", seeded.lipschitz]
    found = (await data(shared_db, NODES, ids=ids))["nodes"]
    assert [n and n["id"] for n in found] == [seeded.gbc, seeded.owner, seeded.owner, None, seeded.lipschitz]


async def test_a_batch_answers_a_malformed_id_with_null_and_an_error_naming_it(
    shared_db: Database, seeded: Seeded
) -> None:
    result = await run(shared_db, NODES, ids=[seeded.owner, "not-an-id", seeded.gbc])
    assert result.data == {
        "nodes": [{"__typename": "Author", "id": seeded.owner}, None, {"__typename": "Paper", "id": seeded.gbc}]
    }
    assert result.errors == ["'not-an-id' is not an id issued by this service"]


async def test_authors_by_ids_answers_in_order_with_nulls(shared_db: Database, seeded: Seeded) -> None:
    ids = [seeded.coauthor, f"orcid:{UNKNOWN_ORCID}", f"orcid:{ORCID}", seeded.gbc, "orcid:bad", seeded.owner]
    result = await run(shared_db, AUTHORS_BY_IDS, ids=ids)
    assert result.data is not None
    found = result.data["authorsByIds"]
    assert [a and a["id"] for a in found] == [seeded.coauthor, None, seeded.owner, None, None, seeded.owner]
    assert result.errors == [  # the id of a paper, and a malformed ORCID iD, at their positions
        f"{seeded.gbc!r} is the id of a paper, not of an author",
        "'orcid:bad' is not an ORCID iD (expected 0000-0000-0000-000X)",
    ]


async def test_papers_by_ids_answers_in_order_with_nulls(shared_db: Database, seeded: Seeded) -> None:
    ids = ["arxiv:math/0601001", seeded.owner, f"s2:{S2_AUTHOR}", GBC_DOI, "doi:10.9999/unknown", seeded.gbc]
    result = await run(shared_db, PAPERS_BY_IDS, ids=ids)
    assert result.data is not None
    found = result.data["papersByIds"]
    assert [p and p["id"] for p in found] == [seeded.lipschitz, None, seeded.gaussian, seeded.gbc, None, seeded.gbc]
    assert result.errors == [f"{seeded.owner!r} is the id of an author, not of a paper"]


async def test_a_repeated_id_is_answered_each_time(shared_db: Database, seeded: Seeded) -> None:
    found = (await data(shared_db, AUTHORS_BY_IDS, ids=[f"orcid:{ORCID}"] * 3))["authorsByIds"]
    assert [a["id"] for a in found] == [seeded.owner] * 3


async def test_an_empty_batch_answers_an_empty_list(shared_db: Database, seeded: Seeded) -> None:
    assert (await data(shared_db, PAPERS_BY_IDS, ids=[]))["papersByIds"] == []


@pytest.mark.parametrize("query", [NODES, AUTHORS_BY_IDS, PAPERS_BY_IDS])
async def test_a_batch_of_1000_ids_is_answered(shared_db: Database, seeded: Seeded, query: str) -> None:
    known = known_ids(seeded, query)[0]
    result = await run(shared_db, query, ids=[*unknown_ids(MAX_BATCH_IDS - 1, query), known])
    assert result.errors == []
    assert result.data is not None
    answers = next(iter(result.data.values()))
    assert len(answers) == MAX_BATCH_IDS
    assert answers[-1]["id"] in (seeded.owner, seeded.gbc)
    assert answers[:-1] == [None] * (MAX_BATCH_IDS - 1)


@pytest.mark.parametrize("query", [NODES, AUTHORS_BY_IDS, PAPERS_BY_IDS])
async def test_a_batch_of_1001_ids_is_refused(shared_db: Database, seeded: Seeded, query: str) -> None:
    result = await run(shared_db, query, ids=[seeded.owner] * (MAX_BATCH_IDS + 1))
    assert result.errors == ["at most 1000 ids per call (got 1001)"]
    assert result.statements == []


# Statements do not grow with the number of ids -----------------------------------------------------------


KINDS_TAKEN = {NODES: {"Author", "Paper"}, AUTHORS_BY_IDS: {"Author"}, PAPERS_BY_IDS: {"Paper"}}


def known_ids(seeded: Seeded, query: str = NODES) -> list[str]:
    """Known ids of every kind (global and external) that `query` takes (`authorsByIds` only those of
    authors, `papersByIds` those of papers, `nodes` all)."""
    known = [
        ({"Author"}, seeded.owner),
        ({"Paper"}, seeded.gbc),
        ({"Author"}, f"orcid:{ORCID}"),
        ({"Paper"}, f"doi:{GBC_DOI}"),
        ({"Author", "Paper"}, f"s2:{S2_AUTHOR}"),
        ({"Paper"}, "arxiv:2407.06723"),
    ]
    return [text for kinds, text in known if kinds & KINDS_TAKEN[query]]


def unknown_ids(n: int, query: str = NODES) -> list[str]:
    """n well-formed ids of every kind `query` takes, global and external, naming nothing."""
    unknown: list[tuple[str, str]] = []
    for i in range(n):
        base = f"{i:015d}"
        unknown += [
            ("Author", encode_id("Author", 100_000 + i)),
            ("Paper", encode_id("Paper", 100_000 + i)),
            ("Author", f"orcid:{base}{orcid_check_digit(base)}"),
            ("Paper", f"doi:10.9999/{i}"),
        ]
    return [text for kind, text in unknown if kind in KINDS_TAKEN[query]][:n]


def mixed_ids(seeded: Seeded, n: int, query: str = NODES) -> list[str]:
    return known_ids(seeded, query) + unknown_ids(n, query)


@pytest.mark.parametrize("query", [NODES, AUTHORS_BY_IDS, PAPERS_BY_IDS])
async def test_a_batch_runs_the_same_statements_for_6_ids_or_906(
    shared_db: Database, seeded: Seeded, query: str
) -> None:
    few = await run(shared_db, query, ids=mixed_ids(seeded, 0, query))
    many = await run(shared_db, query, ids=mixed_ids(seeded, 900, query))
    assert few.errors == many.errors == []
    assert len(many.statements) == len(few.statements)


async def test_nodes_runs_one_statement_per_kind_of_look_up(shared_db: Database, seeded: Seeded) -> None:
    result = await run(shared_db, NODES, ids=mixed_ids(seeded, 300))
    # authors by global id, papers by global id, authors by external id, papers by external id
    assert len(result.statements) == 4


async def test_external_ids_of_many_papers_take_one_statement(shared_db: Database, seeded: Seeded) -> None:
    query = """query ($id: ID!, $first: Int!) {
      author(id: $id) { papers(first: $first) { nodes { externalIds { scheme } } } }
    }"""
    few = await run(shared_db, query, id=f"orcid:{ORCID}", first=2)
    many = await run(shared_db, query, id=f"orcid:{ORCID}", first=18)
    assert few.errors == many.errors == []
    assert len(many.statements) == len(few.statements)


# externalIds -------------------------------------------------------------------------------------------


async def test_an_author_lists_its_external_ids_with_urls(shared_db: Database, seeded: Seeded) -> None:
    found = await data(
        shared_db, "query ($id: ID!) { author(id: $id) { externalIds { scheme value url } } }", id=seeded.owner
    )
    assert found["author"]["externalIds"] == [
        {"scheme": "openalex", "value": "A5023888391", "url": "https://openalex.org/A5023888391"},
        {"scheme": "orcid", "value": ORCID, "url": f"https://orcid.org/{ORCID}"},
        {"scheme": "s2", "value": S2_AUTHOR, "url": f"https://www.semanticscholar.org/author/{S2_AUTHOR}"},
    ]


async def test_a_paper_lists_its_external_ids_with_urls(shared_db: Database, seeded: Seeded) -> None:
    found = await data(
        shared_db, "query ($id: ID!) { paper(id: $id) { externalIds { scheme value url } } }", id=seeded.gbc
    )
    assert found["paper"]["externalIds"] == [
        {"scheme": "arxiv", "value": "2407.06723", "url": "https://arxiv.org/abs/2407.06723"},
        {"scheme": "doi", "value": GBC_DOI.lower(), "url": f"https://doi.org/{GBC_DOI.lower()}"},
        {"scheme": "openalex", "value": "W4400000001", "url": "https://openalex.org/W4400000001"},
        {"scheme": "s2", "value": GBC_SHA, "url": f"https://www.semanticscholar.org/paper/{GBC_SHA}"},
    ]


async def test_an_author_without_external_ids_lists_none(shared_db: Database, seeded: Seeded) -> None:
    found = await data(shared_db, "query ($id: ID!) { author(id: $id) { externalIds { scheme } } }", id=seeded.coauthor)
    assert found["author"]["externalIds"] == []


async def test_every_listed_external_id_finds_its_object_again(shared_db: Database, seeded: Seeded) -> None:
    found = await data(shared_db, "query ($id: ID!) { paper(id: $id) { externalIds { url } } }", id=seeded.gbc)
    urls = [e["url"] for e in found["paper"]["externalIds"]]
    again = (await data(shared_db, PAPERS_BY_IDS, ids=urls))["papersByIds"]
    assert [p["id"] for p in again] == [seeded.gbc] * 4


# Filters -------------------------------------------------------------------------------------------------

FILTERED = "query ($author: ID!) { papers(filter: {authorId: $author}) { totalCount } }"


async def test_the_author_filter_takes_an_external_id(shared_db: Database, seeded: Seeded) -> None:
    by_global = await data(shared_db, FILTERED, author=seeded.owner)
    by_orcid = await data(shared_db, FILTERED, author=f"orcid:{ORCID}")
    assert by_orcid == by_global == {"papers": {"totalCount": 18}}


async def test_the_author_filter_with_an_unattached_external_id_matches_nothing(
    shared_db: Database, seeded: Seeded
) -> None:
    assert await data(shared_db, FILTERED, author=f"orcid:{UNKNOWN_ORCID}") == {"papers": {"totalCount": 0}}


async def test_the_author_filter_with_a_malformed_external_id_names_it(shared_db: Database, seeded: Seeded) -> None:
    result = await run(shared_db, FILTERED, author="orcid:0000-0002-1825-0098")
    assert len(result.errors) == 1
    assert "'orcid:0000-0002-1825-0098' is not a valid ORCID iD: its check digit should be 7" in result.errors[0]


async def test_the_author_filter_with_a_paper_id_names_it(shared_db: Database, seeded: Seeded) -> None:
    result = await run(shared_db, FILTERED, author=f"doi:{GBC_DOI}")
    assert len(result.errors) == 1
    assert f"'doi:{GBC_DOI}' is not an id of an author: doi ids name papers" in result.errors[0]


async def test_the_institution_filter_refuses_an_external_id(shared_db: Database, seeded: Seeded) -> None:
    result = await run(shared_db, '{ papers(filter: {institutionId: "ror:04fa4r544"}) { totalCount } }')
    assert len(result.errors) == 1
    assert "'ror:04fa4r544' cannot name an institution: institutions have no external ids" in result.errors[0]


# REST ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rest(shared_url: str, seeded: Seeded) -> Iterator[tuple[TestClient, Seeded]]:
    """The service on the shared database (already seeded, so its start-up loads nothing)."""
    with TestClient(create_app(make_settings(shared_url))) as client:
        yield client, seeded


def test_rest_finds_an_author_by_orcid(rest: tuple[TestClient, Seeded]) -> None:
    client, seeded = rest
    response = client.get(f"/v1/authors/orcid:{ORCID}")
    assert response.status_code == 200, response.text
    assert (response.json()["id"], response.json()["name"]) == (seeded.owner, OWNER)


def test_rest_finds_an_author_by_an_encoded_orcid_url(rest: tuple[TestClient, Seeded]) -> None:
    client, seeded = rest
    response = client.get("/v1/authors/" + quote(f"https://orcid.org/{ORCID}", safe=""))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == seeded.owner


def test_rest_lists_the_papers_of_an_author_by_external_id(rest: tuple[TestClient, Seeded]) -> None:
    client, _ = rest
    response = client.get(f"/v1/authors/s2:{S2_AUTHOR}/papers", params={"first": 1})
    assert response.status_code == 200, response.text
    assert response.json()["total_count"] == 18


def test_rest_lists_the_coauthors_of_an_author_by_external_id(rest: tuple[TestClient, Seeded]) -> None:
    client, _ = rest
    response = client.get(f"/v1/authors/orcid:{ORCID}/coauthors", params={"first": 1})
    assert response.status_code == 200, response.text
    assert response.json()["total_count"] == 34


def test_rest_finds_a_paper_by_a_doi_with_an_encoded_slash(rest: tuple[TestClient, Seeded]) -> None:
    client, seeded = rest
    response = client.get("/v1/papers/doi:10.1234%2Fgbc.2024")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == seeded.gbc


def test_rest_finds_a_paper_by_a_doi_with_a_plain_slash(rest: tuple[TestClient, Seeded]) -> None:
    client, seeded = rest
    response = client.get(f"/v1/papers/doi:{GBC_DOI}")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == seeded.gbc


def test_rest_finds_a_paper_by_an_old_style_arxiv_id(rest: tuple[TestClient, Seeded]) -> None:
    client, seeded = rest
    response = client.get("/v1/papers/arxiv:math%2F0601001v2")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == seeded.lipschitz


def test_rest_answers_an_unattached_external_id_with_404(rest: tuple[TestClient, Seeded]) -> None:
    client, _ = rest
    response = client.get(f"/v1/authors/orcid:{UNKNOWN_ORCID}")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"no author with id 'orcid:{UNKNOWN_ORCID}'"


def test_rest_answers_a_malformed_external_id_with_404_saying_why(rest: tuple[TestClient, Seeded]) -> None:
    client, _ = rest
    response = client.get("/v1/papers/arxiv:2401.1234")
    assert response.status_code == 404
    assert "numbers of 2401 have five digits" in response.json()["error"]["message"]


def test_rest_answers_an_unknown_scheme_with_404(rest: tuple[TestClient, Seeded]) -> None:
    client, _ = rest
    response = client.get("/v1/papers/isbn:9780262033848")
    assert response.status_code == 404
    assert "unknown id scheme 'isbn'" in response.json()["error"]["message"]
