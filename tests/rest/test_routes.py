"""REST at /v1 on the seed: authors with reported and computed metrics, their papers and coauthors
paged by cursor, papers with their byline, error bodies, and the OpenAPI 3.1 document that describes
them (every `$ref` resolves, its paths are the app's routes, every response body fits its schema).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from conftest import graphql
from pydantic import BaseModel
from starlette.routing import Route
from starlette.testclient import TestClient

from api.ids import encode_id
from api.rest import models

try:  # a real JSON Schema validator when the environment has one; otherwise the subset below
    import jsonschema
except ImportError:  # pragma: no cover - depends on the environment
    jsonschema = None

OWNER = "Louis Béthune"
SEARCH_OWNER = '{ authors(search: "Louis Béthune", first: 1) { nodes { id name } } }'
SEARCH_PAPER = '{ papers(search: "Sturm Liouville", first: 1) { nodes { id title } } }'


# The OpenAPI document and a validator for the JSON Schema subset pydantic emits ----------------------


@pytest.fixture(scope="module")
def openapi(seeded_server: TestClient) -> dict[str, Any]:
    response = seeded_server.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def resolve(document: dict[str, Any], ref: str) -> Any:
    """The target of a local JSON pointer `#/a/b`, or KeyError."""
    assert ref.startswith("#/"), f"{ref} is not a reference within the document"
    target: Any = document
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs_in(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs_in(value)]
    return []


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "null": (type(None),), "array": (list,), "object": (dict,),
}  # fmt: skip


def schema_errors(document: dict[str, Any], schema: dict[str, Any], value: Any, at: str = "$") -> list[str]:
    """Where `value` breaks `schema`: $ref, type, anyOf, properties, required, additionalProperties, items."""
    if "$ref" in schema:
        errors = schema_errors(document, resolve(document, schema["$ref"]), value, at)
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return errors + schema_errors(document, rest, value, at)
    errors: list[str] = []
    if "anyOf" in schema and all(schema_errors(document, option, value, at) for option in schema["anyOf"]):
        errors.append(f"{at}: {value!r} fits none of {schema['anyOf']}")
    kind = schema.get("type")
    if kind is not None:
        is_bool = isinstance(value, bool)
        if not isinstance(value, _TYPES[kind]) or (is_bool and kind != "boolean"):
            return [*errors, f"{at}: {value!r} is not of type {kind}"]
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors += [f"{at}: missing {name}" for name in schema.get("required", []) if name not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{at}: unexpected {name}" for name in value if name not in properties]
        for name, item in value.items():
            if name in properties:
                errors += schema_errors(document, properties[name], item, f"{at}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += schema_errors(document, schema["items"], item, f"{at}[{index}]")
    return errors


def assert_fits_openapi(document: dict[str, Any], path: str, response: Any, model: type[BaseModel]) -> dict[str, Any]:
    """Check a response body against the schema the document gives for (path, GET, status), and
    against the pydantic model it was generated from; return the body."""
    body: dict[str, Any] = response.json()
    operation = document["paths"][path]["get"]
    schema = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    if jsonschema is not None:  # pragma: no cover - depends on the environment
        jsonschema.validate(body, {**schema, "components": document["components"]})
    assert schema_errors(document, schema, body) == []
    model.model_validate(body)
    return body


def quoted(global_id: str) -> str:
    return quote(global_id, safe="")


# Ids from GraphQL ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def owner_id(seeded_server: TestClient) -> str:
    node = graphql(seeded_server, SEARCH_OWNER)["authors"]["nodes"][0]  # type: ignore[index]
    assert node["name"] == OWNER
    author_id: str = node["id"]
    return author_id


@pytest.fixture(scope="module")
def sturm_liouville_id(seeded_server: TestClient) -> str:
    node = graphql(seeded_server, SEARCH_PAPER)["papers"]["nodes"][0]  # type: ignore[index]
    paper_id: str = node["id"]
    return paper_id


@pytest.fixture(scope="module")
def owner(seeded_server: TestClient, owner_id: str, openapi: dict[str, Any]) -> dict[str, Any]:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}")
    assert response.status_code == 200
    return assert_fits_openapi(openapi, "/v1/authors/{author_id}", response, models.Author)


# GET /v1/authors/{id} --------------------------------------------------------------------------------


def test_author_has_the_graphql_id_and_name(owner: dict[str, Any], owner_id: str) -> None:
    assert (owner["id"], owner["name"]) == (owner_id, OWNER)


def test_author_metrics_are_the_reported_h_index(owner: dict[str, Any]) -> None:
    assert owner["metrics"]["h_index"] == 34
    assert owner["metrics"]["source"] == "profile-page"


def test_author_computed_metrics_come_from_the_stored_graph(owner: dict[str, Any]) -> None:
    computed = owner["computed_metrics"]
    assert (computed["h_index"], computed["paper_count"], computed["source"]) == (0, 18, "computed")
    assert computed["computed_at"] is not None


def test_author_reported_metrics_keep_their_source_and_date(owner: dict[str, Any]) -> None:
    reported = owner["reported_metrics"]
    assert isinstance(reported, list)
    assert len(reported) == 1
    assert reported[0]["h_index"] == 34
    assert reported[0]["citation_count"] == 220
    assert reported[0]["novelty"] == pytest.approx(0.59)
    assert (reported[0]["source"], reported[0]["as_of"]) == ("profile-page", "2026-11-27")


def test_author_responses_are_json(seeded_server: TestClient, owner_id: str) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}")
    assert response.headers["content-type"].startswith("application/json")


def _assert_not_found(response: Any, openapi: dict[str, Any], path: str) -> None:
    assert response.status_code == 404
    body = assert_fits_openapi(openapi, path, response, models.Error)
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"]


def test_an_unknown_author_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get(f"/v1/authors/{encode_id('Author', 987_654)}")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}")


def test_a_malformed_author_id_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get("/v1/authors/does-not-exist")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}")


def test_a_paper_id_used_as_an_author_is_404(
    seeded_server: TestClient, openapi: dict[str, Any], sturm_liouville_id: str
) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(sturm_liouville_id)}")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}")


# GET /v1/authors/{id}/papers -------------------------------------------------------------------------


def walk_papers(client: TestClient, openapi: dict[str, Any], author_id: str, first: int) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"first": first}
    for _ in range(50):
        response = client.get(f"/v1/authors/{quoted(author_id)}/papers", params=params)
        assert response.status_code == 200, response.text
        page = assert_fits_openapi(openapi, "/v1/authors/{author_id}/papers", response, models.PaperPage)
        pages.append(page)
        if page["next_cursor"] is None:
            return pages
        params = {"first": first, "after": page["next_cursor"]}
    raise AssertionError("the list never ended")


def test_papers_page_by_five_through_all_18(seeded_server: TestClient, openapi: dict[str, Any], owner_id: str) -> None:
    pages = walk_papers(seeded_server, openapi, owner_id, 5)
    ids = [paper["id"] for page in pages for paper in page["items"]]
    assert [len(page["items"]) for page in pages] == [5, 5, 5, 3]
    assert len(ids) == len(set(ids)) == 18


def test_papers_total_count_is_18_on_every_page(
    seeded_server: TestClient, openapi: dict[str, Any], owner_id: str
) -> None:
    pages = walk_papers(seeded_server, openapi, owner_id, 5)
    assert {page["total_count"] for page in pages} == {18}


def test_papers_next_cursor_is_null_only_on_the_last_page(
    seeded_server: TestClient, openapi: dict[str, Any], owner_id: str
) -> None:
    pages = walk_papers(seeded_server, openapi, owner_id, 5)
    assert [page["next_cursor"] is None for page in pages] == [False, False, False, True]


def test_papers_come_newest_first(seeded_server: TestClient, openapi: dict[str, Any], owner_id: str) -> None:
    pages = walk_papers(seeded_server, openapi, owner_id, 7)
    dates = [paper["published_on"] for page in pages for paper in page["items"]]
    assert dates == sorted(dates, reverse=True)


def test_a_page_of_exactly_the_list_has_no_next_cursor(seeded_server: TestClient, owner_id: str) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"first": 18})
    body = response.json()
    assert len(body["items"]) == 18
    assert body["next_cursor"] is None


def test_papers_first_zero_gives_no_items_and_the_total(seeded_server: TestClient, owner_id: str) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"first": 0})
    assert response.status_code == 200
    body = response.json()
    assert (body["items"], body["total_count"]) == ([], 18)


@pytest.mark.parametrize("first", ["abc", "1000", "-1", "101", "2.5"])
def test_a_bad_page_size_is_400_invalid_input(
    seeded_server: TestClient, openapi: dict[str, Any], owner_id: str, first: str
) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"first": first})
    assert response.status_code == 400
    body = assert_fits_openapi(openapi, "/v1/authors/{author_id}/papers", response, models.Error)
    assert body["error"]["code"] == "invalid_input"
    assert "`first`" in body["error"]["message"]


def test_a_garbage_cursor_is_400_invalid_input(
    seeded_server: TestClient, openapi: dict[str, Any], owner_id: str
) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"after": "garbage"})
    assert response.status_code == 400
    body = assert_fits_openapi(openapi, "/v1/authors/{author_id}/papers", response, models.Error)
    assert body["error"]["code"] == "invalid_input"
    assert "cursor" in body["error"]["message"]


def test_a_coauthors_cursor_is_refused_by_papers(seeded_server: TestClient, owner_id: str) -> None:
    coauthors = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/coauthors", params={"first": 2}).json()
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"after": coauthors["next_cursor"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_papers_of_an_unknown_author_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get(f"/v1/authors/{encode_id('Author', 987_654)}/papers")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}/papers")


# GET /v1/authors/{id}/coauthors ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def coauthors_page(seeded_server: TestClient, openapi: dict[str, Any], owner_id: str) -> dict[str, Any]:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/coauthors", params={"first": 5})
    assert response.status_code == 200
    return assert_fits_openapi(openapi, "/v1/authors/{author_id}/coauthors", response, models.CoauthorPage)


def test_top_coauthor_is_pierre_ablin_with_3(coauthors_page: dict[str, Any]) -> None:
    top = coauthors_page["items"][0]
    assert (top["author"]["name"], top["shared_paper_count"]) == ("Pierre Ablin", 3)


def test_coauthors_total_count_is_34(coauthors_page: dict[str, Any]) -> None:
    assert coauthors_page["total_count"] == 34


def test_coauthors_page_through_all_34(seeded_server: TestClient, owner_id: str) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"first": 10}
    for _ in range(10):
        body = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/coauthors", params=params).json()
        seen += [item["author"]["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        params = {"first": 10, "after": body["next_cursor"]}
    assert len(seen) == len(set(seen)) == 34


def test_coauthors_first_zero_gives_no_items_and_the_total(seeded_server: TestClient, owner_id: str) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/coauthors", params={"first": 0})
    assert response.status_code == 200
    body = response.json()
    assert (body["items"], body["total_count"]) == ([], 34)


def test_coauthors_of_an_unknown_author_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get("/v1/authors/nope/coauthors")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}/coauthors")


# GET /v1/papers/{id} ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sturm_liouville(seeded_server: TestClient, openapi: dict[str, Any], sturm_liouville_id: str) -> dict[str, Any]:
    response = seeded_server.get(f"/v1/papers/{quoted(sturm_liouville_id)}")
    assert response.status_code == 200
    return assert_fits_openapi(openapi, "/v1/papers/{paper_id}", response, models.Paper)


def test_paper_authors_come_in_byline_order(sturm_liouville: dict[str, Any]) -> None:
    names = [author["name"] for author in sturm_liouville["authors"]]
    assert names[:3] == ["David Vigouroux", "Joseba Dalmau", OWNER]


def test_paper_author_ids_are_graphql_ids(sturm_liouville: dict[str, Any], owner_id: str) -> None:
    assert owner_id in [author["id"] for author in sturm_liouville["authors"]]


def test_paper_has_its_id_and_an_arxiv_category(sturm_liouville: dict[str, Any], sturm_liouville_id: str) -> None:
    assert sturm_liouville["id"] == sturm_liouville_id
    assert sturm_liouville["primary_category"] in {"cs.LG", "stat.ML", "cs.CV", "cs.CL", "cs.AI"}


def test_an_unknown_paper_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get(f"/v1/papers/{encode_id('Paper', 987_654)}")
    _assert_not_found(response, openapi, "/v1/papers/{paper_id}")


def test_an_author_id_used_as_a_paper_is_404(seeded_server: TestClient, openapi: dict[str, Any], owner_id: str) -> None:
    response = seeded_server.get(f"/v1/papers/{quoted(owner_id)}")
    _assert_not_found(response, openapi, "/v1/papers/{paper_id}")


# The OpenAPI document --------------------------------------------------------------------------------


def test_openapi_is_version_3_1_0(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"] == "3.1.0"
    assert openapi["info"]["title"]
    assert openapi["info"]["version"]


def test_every_ref_resolves_within_the_document(openapi: dict[str, Any]) -> None:
    refs = refs_in(openapi)
    assert refs
    unresolved = []
    for ref in refs:
        try:
            resolve(openapi, ref)
        except (KeyError, AssertionError):
            unresolved.append(ref)
    assert unresolved == []


def test_openapi_paths_are_the_apps_v1_routes(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    routes = {
        route.path
        for route in seeded_server.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/v1/")
    }
    assert set(openapi["paths"]) == routes


def test_openapi_methods_are_the_routes_methods(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    methods = {
        route.path: {method.lower() for method in route.methods or ()} - {"head"}
        for route in seeded_server.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/v1/")
    }
    assert {path: set(item) for path, item in openapi["paths"].items()} == methods


def test_every_path_parameter_is_declared(openapi: dict[str, Any]) -> None:
    for path, item in openapi["paths"].items():
        in_template = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_template, path


def test_operation_ids_are_unique(openapi: dict[str, Any]) -> None:
    ids = [operation["operationId"] for item in openapi["paths"].values() for operation in item.values()]
    assert len(ids) == len(set(ids))


def test_the_schema_validator_catches_a_wrong_body(openapi: dict[str, Any]) -> None:
    schema = {"$ref": "#/components/schemas/Error"}
    assert schema_errors(openapi, schema, {"error": {"code": "x", "message": "y"}}) == []
    assert schema_errors(openapi, schema, {"error": {"code": 1}, "extra": True}) != []
