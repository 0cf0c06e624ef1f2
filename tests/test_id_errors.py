"""Every place an id is accepted, over both APIs: a malformed id is a clear error naming it, an id that
is well formed but names nothing is simply absent.

Malformed means the service never issued it and no object could ever carry it: not base64, an unknown
type, a row number of zero, with a leading zero or beyond bigint (the type of every row id), an unknown
scheme, an external id that fails its checks (an OpenAlex id of more digits than OpenAlex numbers have),
an id of another kind of object than the field takes. Then:

- GraphQL: an error with `extensions.code` INVALID_INPUT whose message quotes the id, at the field's path
  (at the item's path in a batch, whose other items answer as usual);
- REST: 400 naming the id in a parameter (`author=`, `institution=`) or a bulk look-up; in a path, 404
  saying what is wrong with it (a URL whose id is malformed names no resource).

Well formed and naming nothing (any number up to bigint's largest, an ORCID iD nobody has): `null` in
GraphQL, 404 in a REST path, no match in a filter, `null` in a bulk look-up.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pytest
from answers import without_cost
from starlette.testclient import TestClient

from api.ids import encode_id

BIGINT_MAX = 2**63 - 1


def raw_id(text: str) -> str:
    """The global id of any text, as a client forging one would write it."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


MALFORMED_AUTHOR_IDS = [
    raw_id("Author:99999999999999999999"),  # beyond bigint
    raw_id(f"Author:{BIGINT_MAX + 1}"),
    raw_id("Author:0"),
    raw_id("Author:007"),
    raw_id("Thing:1"),
    "not-a-real-id",
    "%%%",
    "openalex:A99999999999999999999",  # more digits than an OpenAlex id has (and beyond bigint)
    "s2:99999999999999999999999",
    "orcid:0000-0002-1825-0098",  # a wrong check digit
    "isbn:9780262033848",  # an unknown scheme
    encode_id("Paper", 1),  # a paper's id where an author's is taken
]
MALFORMED_PAPER_IDS = [raw_id("Paper:99999999999999999999"), "doi:nope", "openalex:W99999999999999999999"]
MALFORMED_INSTITUTION_IDS = [raw_id("Institution:99999999999999999999"), "ror:04fa4r544", encode_id("Author", 1)]

UNKNOWN_AUTHOR_IDS = [encode_id("Author", 987_654), encode_id("Author", BIGINT_MAX), "orcid:0000-0002-1694-233X"]
UNKNOWN_PAPER_IDS = [encode_id("Paper", BIGINT_MAX), "openalex:W999999999999999", "doi:10.9999/nobody"]
UNKNOWN_INSTITUTION_IDS = [encode_id("Institution", BIGINT_MAX)]


def post(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return without_cost(response.json())


def assert_names(error: dict[str, Any], bad: str, path: list[Any]) -> None:
    assert error["extensions"] == {"code": "INVALID_INPUT"}, error
    assert repr(bad) in error["message"], error
    assert error["path"] == path


@pytest.fixture(scope="module")
def owner(seeded_server: TestClient) -> str:
    found = post(seeded_server, '{ authors(search: "Louis Béthune", first: 1) { nodes { id } } }')
    author_id: str = found["data"]["authors"]["nodes"][0]["id"]
    return author_id


# GraphQL: single look-ups --------------------------------------------------------------------------------

SINGLE = {
    "node": ("query ($id: ID!) { node(id: $id) { id } }", MALFORMED_AUTHOR_IDS[:-1], UNKNOWN_AUTHOR_IDS),
    "author": ("query ($id: ID!) { author(id: $id) { id } }", MALFORMED_AUTHOR_IDS, UNKNOWN_AUTHOR_IDS),
    "paper": ("query ($id: ID!) { paper(id: $id) { id } }", MALFORMED_PAPER_IDS, UNKNOWN_PAPER_IDS),
    "institution": (
        "query ($id: ID!) { institution(id: $id) { id } }",
        MALFORMED_INSTITUTION_IDS,
        UNKNOWN_INSTITUTION_IDS,
    ),
}


@pytest.mark.parametrize(("field", "bad"), [(f, bad) for f, (_, malformed, _) in SINGLE.items() for bad in malformed])
def test_a_malformed_id_is_an_error_naming_it(seeded_server: TestClient, field: str, bad: str) -> None:
    document = post(seeded_server, SINGLE[field][0], id=bad)
    assert document["data"] == {field: None}
    (error,) = document["errors"]
    assert_names(error, bad, [field])


@pytest.mark.parametrize(("field", "unknown"), [(f, u) for f, (_, _, unknown) in SINGLE.items() for u in unknown])
def test_a_well_formed_id_naming_nothing_is_null(seeded_server: TestClient, field: str, unknown: str) -> None:
    assert post(seeded_server, SINGLE[field][0], id=unknown) == {"data": {field: None}}


# GraphQL: batches ----------------------------------------------------------------------------------------

BATCHES = {
    "nodes": (MALFORMED_AUTHOR_IDS[:-1], UNKNOWN_AUTHOR_IDS),
    "authorsByIds": (MALFORMED_AUTHOR_IDS, UNKNOWN_AUTHOR_IDS),
    "papersByIds": (MALFORMED_PAPER_IDS, UNKNOWN_PAPER_IDS),
}


@pytest.mark.parametrize("field", BATCHES)
def test_a_batch_answers_each_malformed_id_with_an_error_at_its_position(
    seeded_server: TestClient, owner: str, field: str
) -> None:
    malformed, unknown = BATCHES[field]
    known = owner if field != "papersByIds" else None
    ids = [known, *malformed, *unknown, known] if known else [*malformed, *unknown]
    document = post(seeded_server, f"query ($ids: [ID!]!) {{ {field}(ids: $ids) {{ id }} }}", ids=ids)
    answered = [item and item["id"] for item in document["data"][field]]
    assert answered == [known if text == known else None for text in ids]
    errors = sorted(document["errors"], key=lambda e: int(e["path"][1]))
    assert len(errors) == len(malformed)
    offset = 1 if known else 0
    for position, (error, bad) in enumerate(zip(errors, malformed, strict=True), start=offset):
        assert_names(error, bad, [field, position])


# GraphQL: filters ----------------------------------------------------------------------------------------

FILTERS = [
    ("papers", "authorId", MALFORMED_AUTHOR_IDS),
    ("papers", "institutionId", MALFORMED_INSTITUTION_IDS),
    ("authors", "institutionId", MALFORMED_INSTITUTION_IDS),
]


@pytest.mark.parametrize(("root", "argument", "bad"), [(r, a, bad) for r, a, malformed in FILTERS for bad in malformed])
def test_a_filter_with_a_malformed_id_is_an_error_naming_argument_and_id(
    seeded_server: TestClient, root: str, argument: str, bad: str
) -> None:
    query = f"query ($id: ID!) {{ {root}(filter: {{{argument}: $id}}, first: 1) {{ totalCount }} }}"
    document = post(seeded_server, query, id=bad)
    (error,) = document["errors"]
    assert_names(error, bad, [root])
    assert error["message"].startswith(f"`{argument}`: ")


@pytest.mark.parametrize("unknown", UNKNOWN_AUTHOR_IDS)
def test_a_filter_with_an_id_naming_nothing_matches_nothing(seeded_server: TestClient, unknown: str) -> None:
    query = "query ($id: ID!) { papers(filter: {authorId: $id}, first: 1) { totalCount } }"
    assert post(seeded_server, query, id=unknown) == {"data": {"papers": {"totalCount": 0}}}


# REST: paths ---------------------------------------------------------------------------------------------


def _error(client: TestClient, path: str, status: int, **params: Any) -> str:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == {400: "invalid_input", 404: "not_found"}[status]
    message: str = body["error"]["message"]
    return message


REST_PATHS = [
    ("/v1/authors/{}", MALFORMED_AUTHOR_IDS, UNKNOWN_AUTHOR_IDS),
    ("/v1/authors/{}/papers", MALFORMED_AUTHOR_IDS, UNKNOWN_AUTHOR_IDS),
    ("/v1/authors/{}/coauthors", MALFORMED_AUTHOR_IDS, UNKNOWN_AUTHOR_IDS),
    ("/v1/papers/{}", MALFORMED_PAPER_IDS, UNKNOWN_PAPER_IDS),
    ("/v1/papers/{}/citations", MALFORMED_PAPER_IDS, UNKNOWN_PAPER_IDS),
    ("/v1/institutions/{}", MALFORMED_INSTITUTION_IDS, UNKNOWN_INSTITUTION_IDS),
    ("/v1/institutions/{}/authors", MALFORMED_INSTITUTION_IDS, UNKNOWN_INSTITUTION_IDS),
]


@pytest.mark.parametrize(("template", "bad"), [(t, bad) for t, malformed, _ in REST_PATHS for bad in malformed])
def test_a_malformed_id_in_a_path_is_404_saying_what_is_wrong(
    seeded_server: TestClient, template: str, bad: str
) -> None:
    message = _error(seeded_server, template.format(quote(bad, safe="")), 404)
    assert repr(bad) in message
    assert message != f"no author with id {bad!r}"  # it says why, not just that nothing has it


@pytest.mark.parametrize(("template", "unknown"), [(t, u) for t, _, unknown in REST_PATHS for u in unknown])
def test_a_well_formed_id_in_a_path_naming_nothing_is_404(
    seeded_server: TestClient, template: str, unknown: str
) -> None:
    assert repr(unknown) in _error(seeded_server, template.format(quote(unknown, safe="")), 404)


@pytest.mark.parametrize("bad", MALFORMED_AUTHOR_IDS)
def test_a_malformed_coauthor_id_in_a_path_is_404(seeded_server: TestClient, owner: str, bad: str) -> None:
    message = _error(seeded_server, f"/v1/authors/{owner}/coauthors/{quote(bad, safe='')}/papers", 404)
    assert repr(bad) in message


# REST: parameters and bulk look-ups ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parameter", "bad"),
    [("/v1/papers", "author", bad) for bad in MALFORMED_AUTHOR_IDS]
    + [(path, "institution", bad) for path in ("/v1/papers", "/v1/authors") for bad in MALFORMED_INSTITUTION_IDS],
)
def test_a_malformed_id_in_a_parameter_is_400_naming_it(
    seeded_server: TestClient, path: str, parameter: str, bad: str
) -> None:
    message = _error(seeded_server, path, 400, **{parameter: bad})
    assert f"`{parameter}`" in message
    assert repr(bad) in message


@pytest.mark.parametrize("bad", MALFORMED_AUTHOR_IDS)
def test_a_malformed_id_in_a_bulk_get_is_400_naming_it(seeded_server: TestClient, owner: str, bad: str) -> None:
    if "," in bad:
        pytest.skip("a comma separates the ids of a GET")
    message = _error(seeded_server, "/v1/authors/metrics", 400, ids=f"{owner},{bad}")
    assert repr(bad) in message


@pytest.mark.parametrize("bad", MALFORMED_AUTHOR_IDS)
def test_a_malformed_id_in_a_bulk_post_is_400_naming_it(seeded_server: TestClient, owner: str, bad: str) -> None:
    response = seeded_server.post("/v1/authors/metrics", json={"ids": [owner, bad, owner]})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    assert repr(bad) in response.json()["error"]["message"]


def test_a_bulk_look_up_answers_ids_naming_nothing_with_null(seeded_server: TestClient, owner: str) -> None:
    response = seeded_server.post("/v1/authors/metrics", json={"ids": [owner, *UNKNOWN_AUTHOR_IDS, owner]})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item and item["id"] for item in items] == [owner, None, None, None, owner]
