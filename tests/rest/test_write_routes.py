"""Writes over REST against the service (write role, real PostgreSQL): 201 with Location, the resource as GET
answers it with figures current, field-level errors that write nothing, idempotency keys (corrections
too), writes through external and merged ids, and the write scope."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.rest.test_correction_routes import author, service

__all__ = ["service"]  # the fixture, shared with the corrections' tests

Service = tuple[TestClient, dict[str, dict[str, str]]]
WRITES = [
    ("POST", "/v1/papers"),
    ("PATCH", "/v1/papers/doi:10.1000%2Fnone"),
    ("POST", "/v1/papers/doi:10.1000%2Fnone/retraction"),
    ("POST", "/v1/authors"),
    ("PATCH", "/v1/authors/orcid:0000-0002-1825-0097"),
    ("POST", "/v1/authors/orcid:0000-0002-1825-0097/reported-metrics"),
]


def _paper_count(client: TestClient, author_id: str) -> int:
    count: int = client.get(f"/v1/authors/{author_id}").json()["computed_metrics"]["paper_count"]
    return count


def test_a_paper_is_created_read_back_changed_and_retracted(service: Service) -> None:
    client, keys = service
    owner = author(client, "Louis Béthune")["id"]
    start = _paper_count(client, owner)
    made = client.post(
        "/v1/papers",
        json={
            "title": "Certified robustness at scale",
            "published": "2026",
            "external_ids": {"doi": "10.7777/CRS", "arxiv": "2601.00001"},
            "authors": [{"author": owner}, {"name": "Tom Newhire", "affiliation": "ANITI"}],
        },
        headers=keys["write"],
    )
    assert made.status_code == 201, made.text
    paper: dict[str, Any] = made.json()
    assert made.headers["location"] == f"/v1/papers/{paper['id']}"
    assert client.get(made.headers["location"]).json() == paper
    assert [a["name"] for a in paper["authors"]] == ["Louis Béthune", "Tom Newhire"]
    assert (paper["published_on"], paper["published_precision"]) == ("2026-01-01", "year")
    assert _paper_count(client, owner) == start + 1  # current as soon as the write returns

    changed = client.patch("/v1/papers/doi:10.7777%2Fcrs", json={"abstract": "We certify."}, headers=keys["write"])
    assert changed.status_code == 200, changed.text
    assert changed.json()["abstract"] == "We certify."
    assert changed.json()["title"] == "Certified robustness at scale"

    retracted = client.post(
        f"/v1/papers/{paper['id']}/retraction", json={"reason": "flawed proof"}, headers=keys["write"]
    )
    assert retracted.status_code == 200, retracted.text
    assert retracted.json()["retraction_reason"] == "flawed proof"
    assert _paper_count(client, owner) == start
    listed = client.get("/v1/papers", params={"retracted": "true"}).json()
    assert [item["id"] for item in listed["items"]] == [paper["id"]]
    feed = client.get("/v1/changes", params={"since": retracted.json()["retracted_at"]}).json()["items"]
    assert {"kind": "retracted", "id": paper["id"]}.items() <= next(e for e in feed if e["kind"] == "retracted").items()


def test_every_wrong_member_is_listed_and_nothing_is_written(service: Service) -> None:
    client, keys = service
    total = client.get("/v1/papers", params={"first": 0}).json()["total_count"]
    answer = client.post(
        "/v1/papers",
        json={"title": "", "categories": "cs.LG", "authors": [{"author": 5}], "colour": "red"},
        headers=keys["write"],
    )
    assert answer.status_code == 400
    fields = [f["field"] for f in answer.json()["error"]["fields"]]
    assert fields == ["categories", "authors[0].author", "colour"]
    answer = client.post(
        "/v1/papers", json={"title": " ", "published": "2026-02-30", "code_url": "file:///x"}, headers=keys["write"]
    )
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["title", "published", "code_url"]
    assert client.get("/v1/papers", params={"first": 0}).json()["total_count"] == total


def test_an_idempotency_key_makes_a_write_safe_to_send_again(service: Service) -> None:
    client, keys = service
    headers = {**keys["write"], "Idempotency-Key": "3f1c2a9e-create-once"}
    first = client.post("/v1/papers", json={"title": "Sent twice"}, headers=headers)
    again = client.post("/v1/papers", json={"title": "Sent twice"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.json()["id"] == first.json()["id"]
    assert client.get("/v1/papers", params={"search": "Sent twice"}).json()["total_count"] == 1
    other = client.post("/v1/papers", json={"title": "Something else"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    bad = client.post("/v1/papers", json={"title": "x"}, headers={**keys["write"], "Idempotency-Key": "has a space"})
    assert bad.status_code == 400
    # corrections take keys too
    survivor, absorbed = author(client, "Pierre Ablin")["id"], author(client, "Mathieu Serrurier")["id"]
    merge = {"survivor": survivor, "absorbed": absorbed, "reason": "same person"}
    merge_headers = {**keys["write"], "Idempotency-Key": "merge-1"}
    done = client.post("/v1/corrections/merges", json=merge, headers=merge_headers)
    redone = client.post("/v1/corrections/merges", json=merge, headers=merge_headers)
    assert (done.status_code, redone.status_code) == (201, 201)
    assert redone.json() == done.json()
    assert redone.headers["idempotent-replayed"] == "true"
    assert client.get("/v1/corrections").json()["total_count"] == 1


def test_authors_are_created_changed_and_given_reported_figures(service: Service) -> None:
    client, keys = service
    made = client.post(
        "/v1/authors",
        json={"name": "Ines Newauthor", "external_ids": {"orcid": "0000-0002-1825-0097"}},
        headers=keys["write"],
    )
    assert made.status_code == 201, made.text
    assert made.headers["location"] == f"/v1/authors/{made.json()['id']}"
    renamed = client.patch(
        "/v1/authors/orcid:0000-0002-1825-0097", json={"name": "Inès Newauthor"}, headers=keys["write"]
    )
    assert renamed.json()["name"] == "Inès Newauthor"
    reported = client.post(
        "/v1/authors/orcid:0000-0002-1825-0097/reported-metrics",
        json={"source": "google-scholar", "as_of": "2026-11-30", "h_index": 4, "citation_count": 90},
        headers=keys["write"],
    )
    assert reported.status_code == 200, reported.text
    [figures] = reported.json()["reported_metrics"]
    assert (figures["source"], figures["h_index"], figures["citation_count"]) == ("google-scholar", 4, 90)
    # a merged id writes to the survivor
    survivor = author(client, "Louis Béthune")["id"]
    merge = {"survivor": survivor, "absorbed": made.json()["id"], "reason": "test"}
    assert client.post("/v1/corrections/merges", json=merge, headers=keys["write"]).status_code == 201
    via_old = client.patch(
        f"/v1/authors/{made.json()['id']}", json={"primary_category": "cs.LG"}, headers=keys["write"]
    )
    assert via_old.status_code == 200
    assert via_old.json()["id"] == survivor


def test_writes_need_the_write_scope(service: Service) -> None:
    client, keys = service
    for method, path in WRITES:
        for headers in ({}, keys["read"]):
            answer = client.request(method, path, json={"title": "x", "name": "x", "reason": "x"}, headers=headers)
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.json()["error"]["code"] == "forbidden"


def test_integers_beyond_64_bits_are_a_field_error(service: Service) -> None:
    # found by the REST fuzzing: the idempotency fingerprint could not hash such a body (a 500)
    client, keys = service
    headers = {**keys["write"], "Idempotency-Key": "big-numbers"}
    author_id = author(client, "Louis Béthune")["id"]
    answer = client.post(
        f"/v1/authors/{author_id}/reported-metrics",
        json={"source": "x", "as_of": "2026-01-01", "paper_count": 18458450748230725632},
        headers=headers,
    )
    assert answer.status_code == 400, answer.text
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["paper_count"]
