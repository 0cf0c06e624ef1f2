"""The OpenAPI 3.1 document of /v1: every `$ref` resolves, its paths and methods are the app's routes, its
query parameters are exactly those each endpoint accepts, its enums are the data layer's, and
docs/rest.md documents every path and parameter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rest_support import refs_in, resolve, schema_errors
from starlette.routing import Route
from starlette.testclient import TestClient

from api.db.authors import AuthorOrder
from api.db.coauthors import CoauthorOrder
from api.db.papers import PaperOrder
from api.rest.openapi import openapi_document

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rest.md"
DOCUMENT = openapi_document()
OPERATIONS = [(path, method) for path, item in DOCUMENT["paths"].items() for method in item]


@pytest.fixture(scope="module")
def openapi(seeded_server: TestClient) -> dict[str, Any]:
    response = seeded_server.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def v1_routes(client: TestClient) -> dict[str, set[str]]:
    """The app's /v1 routes as OpenAPI templates (`{author_id:path}` is `{author_id}`), with their methods (a
    path's reads and writes are routes of their own)."""
    paths: dict[str, set[str]] = {}
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/v1/"):
            methods = {method.lower() for method in route.methods or ()} - {"head"}
            paths.setdefault(re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path), set()).update(methods)
    return paths


def test_the_served_document_is_the_exported_one(openapi: dict[str, Any]) -> None:
    assert openapi == DOCUMENT


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


def test_openapi_paths_and_methods_are_the_apps_v1_routes(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    assert {path: set(item) for path, item in openapi["paths"].items()} == v1_routes(seeded_server)


def test_every_path_parameter_is_declared(openapi: dict[str, Any]) -> None:
    for path, item in openapi["paths"].items():
        in_template = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_template, path
            assert ("404" in operation["responses"]) == bool(in_template), path


def test_operation_ids_are_unique(openapi: dict[str, Any]) -> None:
    ids = [operation["operationId"] for item in openapi["paths"].values() for operation in item.values()]
    assert len(ids) == len(set(ids))


def test_every_operation_has_a_summary_and_every_parameter_a_description(openapi: dict[str, Any]) -> None:
    for path, item in openapi["paths"].items():
        for operation in item.values():
            assert operation["summary"], path
            assert all(p["description"] for p in operation["parameters"]), path


@pytest.mark.parametrize(("path", "method"), [op for op in OPERATIONS if op[1] == "get"])
def test_the_documented_query_parameters_are_those_the_endpoint_takes(
    seeded_server: TestClient, path: str, method: str
) -> None:
    """An unknown parameter is refused with the list of those the endpoint takes (before any id is looked
    up, so any id will do): that list is the document's."""
    documented = [p["name"] for p in DOCUMENT["paths"][path][method]["parameters"] if p["in"] == "query"]
    response = seeded_server.get(re.sub(r"\{\w+\}", "x", path), params={"zzz": "1"})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    taken = re.search(r"this endpoint takes: (.*)\)$", message)
    assert taken is not None, message
    assert taken.group(1) == (", ".join(f"`{name}`" for name in documented) or "none")


def _sort_enum(path: str) -> list[str]:
    (sort,) = [p for p in DOCUMENT["paths"][path]["get"]["parameters"] if p["name"] == "sort"]
    values: list[str] = sort["schema"]["enum"]
    return values


def test_the_sort_values_are_the_data_layers_orders() -> None:
    assert set(_sort_enum("/v1/papers")) == {order.value for order in PaperOrder}
    assert set(_sort_enum("/v1/authors")) == {order.value for order in AuthorOrder}
    assert set(_sort_enum("/v1/authors/{author_id}/coauthors")) == {order.value for order in CoauthorOrder}


def test_the_bulk_post_documents_its_body() -> None:
    body = DOCUMENT["paths"]["/v1/authors/metrics"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema_errors(DOCUMENT, schema, {"ids": ["a", "b"]}) == []
    assert schema_errors(DOCUMENT, schema, {"ids": "a"}) != []


def test_the_schema_validator_catches_a_wrong_body(openapi: dict[str, Any]) -> None:
    schema = {"$ref": "#/components/schemas/Error"}
    assert schema_errors(openapi, schema, {"error": {"code": "x", "message": "y"}}) == []
    assert schema_errors(openapi, schema, {"error": {"code": 1}, "extra": True}) != []


# --- docs/rest.md ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_the_rest_guide_has_a_section_per_operation(path: str, method: str) -> None:
    assert f"### `{method.upper()} {path}`" in DOCS.read_text(encoding="utf-8")


def test_the_rest_guide_names_every_query_parameter() -> None:
    text = DOCS.read_text(encoding="utf-8")
    names = {
        p["name"]
        for item in DOCUMENT["paths"].values()
        for op in item.values()
        for p in op["parameters"]
        if p["in"] == "query"
    }
    assert sorted(name for name in names if f"`{name}`" not in text) == []


def test_the_rest_guide_names_every_sort_value() -> None:
    text = DOCS.read_text(encoding="utf-8")
    values = {*_sort_enum("/v1/papers"), *_sort_enum("/v1/authors"), *_sort_enum("/v1/authors/{author_id}/coauthors")}
    assert sorted(value for value in values if f"`{value}`" not in text) == []
