"""Writes as GraphQL mutations, over HTTP against the service (write role, real PostgreSQL): what each
answers, figures current in the answer, field-level errors, the write scope, and the change feed's
RETRACTED event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.graphql.test_correction_mutations import _keys, author_id, gql

PAPER_FIELDS = """
  id title publishedOn publishedPrecision categories codeUrl hasCode retractedAt retractionReason
  externalIds { scheme value }
  authorships { position nameAsWritten affiliation author { id name computedMetrics { paperCount } } }
  institutions { name }
"""
CREATE_PAPER = f"mutation($input: PaperInput!) {{ createPaper(input: $input) {{ {PAPER_FIELDS} }} }}"
UPDATE_PAPER = f"mutation($id: ID!, $input: PaperInput!) {{ updatePaper(id: $id, input: $input) {{ {PAPER_FIELDS} }} }}"
RETRACT = """mutation($id: ID!, $reason: String!) {
  retractPaper(id: $id, reason: $reason) { id retractedAt retractionReason }
}"""
FIGURES = "query($id: ID!) { author(id: $id) { computedMetrics { paperCount citationCount } } }"


@pytest.fixture
def service(database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(Settings(database_url=database_url, load_seed=True))) as client:
        yield client, _keys(database_url)


def _paper_count(client: TestClient, author: str) -> int:
    count: int = gql(client, FIGURES, id=author)["data"]["author"]["computedMetrics"]["paperCount"]
    return count


def test_create_update_and_retract_a_paper(service: tuple[TestClient, dict[str, str]], database_url: str) -> None:
    client, keys = service
    owner = author_id(client, "Louis Béthune")
    start = _paper_count(client, owner)
    new = {
        "title": "Robust training, measured",
        "published": "2025-03-14",
        "categories": ["cs.LG"],
        "codeUrl": "https://example.org/robust",
        "externalIds": {"doi": "10.9999/robust.1"},
        "authors": [{"author": owner, "affiliation": "ANITI"}, {"name": "Nova Student"}],
        "institutions": ["IRIT"],
    }
    made = gql(client, CREATE_PAPER, keys["write"], input=new)
    assert "errors" not in made, made
    paper = made["data"]["createPaper"]
    assert paper["title"] == "Robust training, measured"
    assert (paper["publishedOn"], paper["publishedPrecision"]) == ("2025-03-14", "DAY")
    assert paper["externalIds"] == [{"scheme": "doi", "value": "10.9999/robust.1"}]
    assert [(a["position"], a["author"]["name"], a["affiliation"]) for a in paper["authorships"]] == [
        (1, "Louis Béthune", "ANITI"),
        (2, "Nova Student", None),
    ]
    # computed figures are current in the answer itself
    assert paper["authorships"][0]["author"]["computedMetrics"]["paperCount"] == start + 1
    assert paper["authorships"][1]["author"]["computedMetrics"]["paperCount"] == 1
    assert {i["name"] for i in paper["institutions"]} >= {"IRIT", "ANITI"}

    # by its DOI, only the title changes; the rest stays
    changed = gql(client, UPDATE_PAPER, keys["write"], id="doi:10.9999/ROBUST.1", input={"title": "Robust, measured"})
    assert changed["data"]["updatePaper"]["title"] == "Robust, measured"
    assert changed["data"]["updatePaper"]["codeUrl"] == "https://example.org/robust"
    # the byline replaced: the owner leaves the paper, and his figures follow
    gql(client, UPDATE_PAPER, keys["write"], id=paper["id"], input={"authors": [{"name": "Nova Student"}]})
    assert _paper_count(client, owner) == start

    retracted = gql(client, RETRACT, keys["write"], id=paper["id"], reason="duplicate publication")
    assert retracted["data"]["retractPaper"]["retractionReason"] == "duplicate publication"
    since = retracted["data"]["retractPaper"]["retractedAt"]
    feed = gql(client, "query($since: DateTime) { changes(since: $since) { nodes { kind entity id } } }", since=since)
    events = [(n["kind"], n["id"]) for n in feed["data"]["changes"]["nodes"]]
    assert ("RETRACTED", paper["id"]) in events
    # the compiled path reads the new fields too
    read = gql(client, "query($id: ID!) { paper(id: $id) { retractedAt retractionReason } }", id=paper["id"])
    assert read["data"]["paper"]["retractionReason"] == "duplicate publication"
    # lists keep retracted papers, and the filter tells them apart (the compiled path, then the resolvers')
    listed = "{ papers(filter: {retracted: %s}, first: 100) { totalCount nodes { id } } }"
    everything = gql(client, "{ papers(first: 0) { totalCount } }")["data"]["papers"]["totalCount"]
    retracted = gql(client, listed % "true")["data"]["papers"]
    standing = gql(client, listed % "false")["data"]["papers"]
    assert [node["id"] for node in retracted["nodes"]] == [paper["id"]]
    assert standing["totalCount"] == everything - 1
    assert paper["id"] not in {node["id"] for node in standing["nodes"]}
    answer = client.post("/graphql", json={"query": listed % "true"})
    assert answer.headers["x-graphql-execution"] == "compiled"
    settings = Settings(database_url=database_url, load_seed=False, graphql_compiled=False)
    with TestClient(create_app(settings)) as by_resolvers:
        assert gql(by_resolvers, listed % "true")["data"]["papers"] == retracted


def test_wrong_fields_are_listed_with_their_paths_and_nothing_is_written(
    service: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = service
    before = gql(client, "{ papers(first: 1) { totalCount } }")["data"]["papers"]["totalCount"]
    bad = {
        "title": "",
        "published": "yesterday",
        "externalIds": {"doi": "nope"},
        "authors": [{"name": "Ok"}, {"author": "orcid:0000-0002-1825-0097"}],
    }
    answer = gql(client, CREATE_PAPER, keys["write"], input=bad)
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert [f["field"] for f in error["extensions"]["fields"]] == [
        "input.title",
        "input.published",
        "input.externalIds.doi",
    ]
    assert "input.title" in error["message"]
    # the ids are checked once the fields are well formed
    answer = gql(client, CREATE_PAPER, keys["write"], input={"title": "T", "authors": bad["authors"]})
    assert [f["field"] for f in answer["errors"][0]["extensions"]["fields"]] == ["input.authors[1].author"]
    assert gql(client, "{ papers(first: 1) { totalCount } }")["data"]["papers"]["totalCount"] == before


def test_writes_need_the_write_scope(service: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = service
    for key in (None, keys["read"]):
        answer = gql(client, CREATE_PAPER, key, input={"title": "Zyxwvut unapproved"})
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert gql(client, '{ papers(search: "Zyxwvut", first: 1) { totalCount } }')["data"]["papers"]["totalCount"] == 0


def test_authors_and_their_reported_figures(service: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = service
    made = gql(
        client,
        "mutation($input: AuthorInput!) { createAuthor(input: $input) { id name externalIds { scheme value } } }",
        keys["write"],
        input={"name": "Rita Levi", "externalIds": {"orcid": "https://orcid.org/0000-0002-1825-0097"}},
    )
    author: dict[str, Any] = made["data"]["createAuthor"]
    assert author["externalIds"] == [{"scheme": "orcid", "value": "0000-0002-1825-0097"}]
    report = gql(
        client,
        """mutation($id: ID!, $input: ReportedMetricsInput!) {
             reportAuthorMetrics(authorId: $id, input: $input) { reportedMetrics { source asOf hIndex } }
           }""",
        keys["write"],
        id="orcid:0000-0002-1825-0097",
        input={"source": "google-scholar", "asOf": "2026-12-01", "hIndex": 12},
    )
    assert {"source": "google-scholar", "asOf": "2026-12-01", "hIndex": 12} in report["data"]["reportAuthorMetrics"][
        "reportedMetrics"
    ]
    renamed = gql(
        client,
        'mutation($id: ID!) { updateAuthor(id: $id, input: {name: "Rita Levi-Montalcini"}) { name } }',
        keys["write"],
        id=author["id"],
    )
    assert renamed["data"]["updateAuthor"]["name"] == "Rita Levi-Montalcini"
