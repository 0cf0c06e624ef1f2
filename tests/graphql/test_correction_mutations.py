"""Corrections over HTTP: the mutations behind a write key, the history anyone reads, and merged ids that
keep answering (GraphQL on both paths, REST with a 301)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.db import api_keys
from api.db.pool import Database
from api.ids import encode_id
from api.settings import Settings

MERGE = """
mutation($survivor: ID!, $absorbed: ID!, $reason: String!) {
  mergeAuthors(survivorId: $survivor, absorbedId: $absorbed, reason: $reason) {
    id kind authorId otherAuthorId madeBy reason movedPaperIds author { name } undoes undoneBy
  }
}
"""


def _keys(url: str) -> dict[str, str]:
    async def make() -> dict[str, str]:
        db = await Database.connect(url, min_size=1, max_size=1)
        try:
            return {scope: (await api_keys.create_key(db, f"{scope}-key", scope))[1] for scope in ("read", "write")}
        finally:
            await db.close()

    return asyncio.run(make())


@pytest.fixture
def service(database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(Settings(database_url=database_url, load_seed=True))) as client:
        yield client, _keys(database_url)


def gql(client: TestClient, query: str, key: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def author_id(client: TestClient, name: str) -> str:
    found = gql(client, "query($n: String!) { authors(search: $n, first: 1) { nodes { id name } } }", n=name)
    [node] = found["data"]["authors"]["nodes"]
    assert node["name"] == name
    return str(node["id"])


def test_corrections_need_a_key_with_the_write_scope(service: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = service
    owner, coauthor = author_id(client, "Louis Béthune"), author_id(client, "Pierre Ablin")
    for key in (None, keys["read"]):
        answer = gql(client, MERGE, key, survivor=owner, absorbed=coauthor, reason="same")
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert "write scope" in error["message"]
    assert gql(client, "{ corrections { totalCount } }")["data"]["corrections"]["totalCount"] == 0


def test_a_merge_through_graphql_is_in_the_history_and_the_old_id_answers(
    service: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = service
    survivor, absorbed = author_id(client, "Pierre Ablin"), author_id(client, "Mathieu Serrurier")
    made = gql(client, MERGE, keys["write"], survivor=survivor, absorbed=absorbed, reason="one person")
    correction = made["data"]["mergeAuthors"]
    assert correction["kind"] == "MERGE"
    assert (correction["authorId"], correction["otherAuthorId"]) == (survivor, absorbed)
    assert (correction["madeBy"], correction["reason"]) == ("write-key", "one person")
    assert correction["author"] == {"name": "Pierre Ablin"}
    assert len(correction["movedPaperIds"]) == 2
    # the absorbed id answers with the survivor: on the compiled path, on the resolver path, in a batch
    query = "query($id: ID!) { author(id: $id) { id name } nodes(ids: [$id]) { id } }"
    compiled = client.post("/graphql", json={"query": query, "variables": {"id": absorbed}})
    assert compiled.headers["x-graphql-execution"] == "compiled"
    assert compiled.json()["data"] == {"author": {"id": survivor, "name": "Pierre Ablin"}, "nodes": [{"id": survivor}]}
    by_resolvers = "query($id: ID!) { author(id: $id) { id name } limits { maxPageSize } }"  # not compiled
    resolver = client.post("/graphql", json={"query": by_resolvers, "variables": {"id": absorbed}})
    assert resolver.headers["x-graphql-execution"] == "resolver"
    assert resolver.json()["data"]["author"] == {"id": survivor, "name": "Pierre Ablin"}
    # REST: 301 to the survivor, the rest of the URL kept
    moved = client.get(f"/v1/authors/{absorbed}/papers", params={"first": 5}, follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == f"/v1/authors/{survivor}/papers?first=5"
    assert moved.json()["error"]["code"] == "moved"
    assert client.get(moved.headers["location"]).status_code == 200
    # the history, readable by anyone, from either party
    history = gql(
        client, "query($a: ID!) { corrections(authorId: $a) { totalCount nodes { id kind reason } } }", a=absorbed
    )
    assert history["data"]["corrections"]["totalCount"] == 1
    assert history["data"]["corrections"]["nodes"][0]["id"] == correction["id"]


def test_an_unmerge_and_a_split_through_graphql(service: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = service
    survivor, absorbed = author_id(client, "Pierre Ablin"), author_id(client, "Mathieu Serrurier")
    merge = gql(client, MERGE, keys["write"], survivor=survivor, absorbed=absorbed, reason="one person")
    number = merge["data"]["mergeAuthors"]["id"]
    undo = gql(
        client,
        'mutation($c: ID!) { unmergeAuthors(correctionId: $c, reason: "two people") { kind authorId undoes } }',
        keys["write"],
        c=number,
    )
    assert undo["data"]["unmergeAuthors"] == {"kind": "UNMERGE", "authorId": absorbed, "undoes": number}
    back = gql(client, "query($id: ID!) { author(id: $id) { id name } }", id=absorbed)
    assert back["data"]["author"] == {"id": absorbed, "name": "Mathieu Serrurier"}
    owner = author_id(client, "Louis Béthune")
    papers = gql(client, "query($id: ID!) { author(id: $id) { papers(first: 2) { nodes { id } } } }", id=owner)
    paper_ids = [node["id"] for node in papers["data"]["author"]["papers"]["nodes"]]
    split = gql(
        client,
        'mutation($a: ID!, $p: [ID!]!) { splitAuthor(authorId: $a, paperIds: $p, newName: "L. Béthune", '
        'reason: "homonym") { kind otherAuthorId movedPaperIds } }',
        keys["write"],
        a=owner,
        p=paper_ids,
    )
    made = split["data"]["splitAuthor"]
    assert made["kind"] == "SPLIT"
    assert sorted(made["movedPaperIds"]) == sorted(paper_ids)
    other = gql(client, "query($id: ID!) { author(id: $id) { name papers { totalCount } } }", id=made["otherAuthorId"])
    assert other["data"]["author"] == {"name": "L. Béthune", "papers": {"totalCount": 2}}
    count = gql(client, "query($id: ID!) { author(id: $id) { metrics { paperCount } } }", id=owner)
    assert count["data"]["author"]["metrics"]["paperCount"] == 18  # reported figures do not move


def test_bad_ids_in_a_correction_are_named(service: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = service
    owner = author_id(client, "Louis Béthune")
    answer = gql(client, MERGE, keys["write"], survivor=owner, absorbed="nope", reason="x")
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["message"].startswith("`absorbedId`: 'nope' is not an id")
    unknown = gql(client, MERGE, keys["write"], survivor=owner, absorbed=encode_id("Author", 987654), reason="x")
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert unknown["errors"][0]["message"] == "`absorbed` names no stored author"
