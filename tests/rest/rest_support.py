"""What the REST tests share: a validator for the JSON Schema subset pydantic emits, checks of responses
against the OpenAPI document, paging through a list, and the data set of the list tests.

The list data is `tests/list_data.py`'s (the seed plus papers, citations, institutions and
affiliations, with every expected order and facet computed by hand in its table): REST lists are
checked against the same table as the GraphQL ones, and against GraphQL itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import quote

import httpx2
import list_data  # tests/list_data.py, shared with the GraphQL list tests
from pydantic import BaseModel
from starlette.testclient import TestClient

from api.app import Runtime, create_app
from api.db.pool import Database, StatementCounter, current_counter
from api.rest import models
from api.rest.openapi import openapi_document
from api.settings import Settings

try:  # a real JSON Schema validator when the environment has one; otherwise the subset below
    import jsonschema
except ImportError:  # pragma: no cover - depends on the environment
    jsonschema = None

OWNER = "Louis Béthune"
ListData = list_data.ListData


async def list_data_set(server_url: str, template_database: str) -> AsyncIterator[list_data.ListData]:
    async for built in list_data.build_list_data(server_url, template_database):
        yield built


@contextmanager
def service(url: str) -> Iterator[TestClient]:
    """The whole service on a database already holding its data (no seed loaded over it)."""
    settings = Settings(database_url=url, load_seed=False)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        yield client


@asynccontextmanager
async def in_this_loop(db: Database, url: str) -> AsyncIterator[httpx2.AsyncClient]:
    """A client of the app running in the test's own event loop on `db`, so that the statements a request
    issues can be counted (`counted`)."""
    app = create_app(Settings(database_url=url, load_seed=False))  # type: ignore[call-arg]
    app.state.runtime = Runtime(db=db, embedded=None, stop_embedded_on_exit=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://rest") as client:
        yield client


async def counted(client: httpx2.AsyncClient, method: str, path: str, **kwargs: Any) -> tuple[Any, list[str]]:
    """A request's JSON answer (which must be a 200) and the SQL statements it issued."""
    counter = StatementCounter()
    token = current_counter.set(counter)
    try:
        response = await client.request(method, path, **kwargs)
    finally:
        current_counter.reset(token)
    assert response.status_code == 200, response.text
    return response.json(), counter.statements


# The OpenAPI document and a validator for the JSON Schema subset pydantic emits ----------------------


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


def route_template(path: str) -> str:
    """A request path's OpenAPI template: `/v1/authors/QXV0aG9yOjE/papers` -> `/v1/authors/{author_id}/papers`."""
    parts = path.split("?")[0].split("/")
    for template in openapi_document()["paths"]:
        pattern = template.split("/")
        if len(pattern) == len(parts) and all(p.startswith("{") or p == q for p, q in zip(pattern, parts, strict=True)):
            return template
    raise AssertionError(f"no path of the OpenAPI document fits {path}")


def assert_fits_openapi(
    document: dict[str, Any], path: str, response: Any, model: type[BaseModel], method: str = "get"
) -> dict[str, Any]:
    """Check a response body against the schema the document gives for (path, method, status), and
    against the pydantic model it was generated from; return the body."""
    body: dict[str, Any] = response.json()
    operation = document["paths"][path][method]
    schema = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    if jsonschema is not None:  # pragma: no cover - depends on the environment
        jsonschema.validate(body, {**schema, "components": document["components"]})
    assert schema_errors(document, schema, body) == []
    model.model_validate(body)
    return body


def quoted(global_id: str) -> str:
    return quote(global_id, safe="")


def get_ok(client: TestClient, path: str, model: type[BaseModel], **params: Any) -> dict[str, Any]:
    """GET a path: 200, a body that fits the OpenAPI document and `model`."""
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return assert_fits_openapi(openapi_document(), route_template(path), response, model)


def get_error(client: TestClient, path: str, status: int = 400, **params: Any) -> str:
    """GET a path that must fail with `status` and a documented error body; return the message."""
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body = assert_fits_openapi(openapi_document(), route_template(path), response, models.Error)
    assert body["error"]["code"] == {400: "invalid_input", 404: "not_found"}[status]
    message: str = body["error"]["message"]
    assert message
    return message


def walk(client: TestClient, path: str, model: type[BaseModel], size: int, **params: Any) -> list[dict[str, Any]]:
    """Every page of a list, `size` items at a time, each checked against the document."""
    pages: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(100):
        cursor = {"after": after} if after is not None else {}
        page = get_ok(client, path, model, first=size, **cursor, **params)
        pages.append(page)
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["has_more"]:
            return pages
        after = page["next_cursor"]
    raise AssertionError("the list never ended")


def walked(
    client: TestClient,
    path: str,
    model: type[BaseModel],
    size: int,
    key: Callable[[dict[str, Any]], str] = lambda item: str(item["id"]),
    **params: Any,
) -> list[str]:
    """The keys of the items of every page, checked: full pages before the last, the same total on every
    page and equal to the number of items, no key twice (nothing lost, nothing repeated)."""
    pages = walk(client, path, model, size, **params)
    keys = [key(item) for page in pages for item in page["items"]]
    assert [len(page["items"]) for page in pages[:-1]] == [size] * (len(pages) - 1)
    assert {page["total_count"] for page in pages} == {len(keys)}
    assert len(keys) == len(set(keys))
    return keys
