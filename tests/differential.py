"""The differential harness: the same GraphQL request to the resolver path and to the compiled path, and
the two answers compared.

Two apps of `api.app.create_app` serve the same database: `graphql_compiled=False` answers every query
by resolvers (the reference), `graphql_compiled=True` answers what the compiler covers by one SQL
statement and the rest by resolvers. Each app is wrapped in `CountingApp`, which sets a
`StatementCounter` (api/db/pool.py) around every HTTP request, so an answer carries the SQL statements
its request ran. The header `X-GraphQL-Execution` (`compiled` or `resolver`) says which path answered.

Two answers agree when they have the same status, the same Content-Type and the same JSON body: `data`
equal value for value, with the keys of every object in the same order (the response follows the
selection's order); `errors` equal as a multiset (the spec leaves their order open, and the resolver
path reports errors of concurrent fields in completion order) by message, path, locations and
`extensions.code`. JSON numbers are compared by value (`59` and `59.0` are one JSON number); a boolean
is never equal to a number.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from rich_data import RichDatabase
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from api.app import Runtime, create_app
from api.db.pool import Database, StatementCounter, current_counter
from api.settings import Settings

EXECUTION_HEADER = "x-graphql-execution"
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


class CountingApp:
    """An ASGI app counting the SQL statements of each HTTP request it passes to `app` (in `statements`,
    the last request's). The counter is set in the request's own task, so every statement the request
    runs through `api.db.pool.Database` (DataLoader batches and streamed bodies included) is counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.statements: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counter = StatementCounter()
        token = current_counter.set(counter)
        try:
            await self.app(scope, receive, send)
        finally:
            current_counter.reset(token)
            self.statements = counter.statements


@dataclass(frozen=True)
class Request:
    """One GraphQL request over HTTP, and where it comes from (`label`: for the failure message)."""

    query: str
    variables: Mapping[str, Any] | None = None
    operation_name: str | None = None
    label: str = ""
    method: str = "POST"
    accept: str = JSON

    def describe(self) -> str:
        lines = [f"request: {self.label or '(generated)'}, {self.method}, Accept: {self.accept}"]
        if self.operation_name is not None:
            lines.append(f"operationName: {self.operation_name}")
        lines.append("query:\n" + self.query)
        lines.append("variables: " + json.dumps(self.variables, ensure_ascii=False))
        return "\n".join(lines)


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: Any = field(repr=False)  # the parsed JSON document, or the text when it is not JSON
    execution: str | None  # X-GraphQL-Execution: compiled, resolver, or None (absent)
    statements: list[str] = field(repr=False)
    retry_after: str | None = None

    @property
    def errors(self) -> list[dict[str, Any]]:
        if not isinstance(self.body, dict):
            return []
        errors: list[dict[str, Any]] = self.body.get("errors") or []
        return errors

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    def summary(self) -> str:
        return (
            f"HTTP {self.status}, {self.content_type}, {len(self.statements)} statement(s), "
            f"{EXECUTION_HEADER}: {self.execution}"
        )


def send(client: TestClient, counting: CountingApp, request: Request) -> Answer:
    headers = {"Accept": request.accept}
    if request.method == "GET":
        params: dict[str, str] = {"query": request.query}
        if request.variables is not None:
            params["variables"] = json.dumps(request.variables)
        if request.operation_name is not None:
            params["operationName"] = request.operation_name
        response = client.get("/graphql?" + urlencode(params), headers=headers)
    else:
        body: dict[str, Any] = {"query": request.query}
        if request.variables is not None:
            body["variables"] = request.variables
        if request.operation_name is not None:
            body["operationName"] = request.operation_name
        response = client.post("/graphql", content=json.dumps(body), headers={**headers, "Content-Type": JSON})
    try:
        parsed: Any = json.loads(response.content)
    except ValueError:
        parsed = response.text
    return Answer(
        status=response.status_code,
        content_type=response.headers.get("content-type", ""),
        body=parsed,
        execution=response.headers.get(EXECUTION_HEADER),
        statements=list(counting.statements),
        retry_after=response.headers.get("retry-after"),
    )


# --- comparing ---------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "…"


def _error_key(error: Any) -> dict[str, Any]:
    """What of an error is compared: message, path, locations, extensions.code."""
    if not isinstance(error, dict):
        return {"not an object": error}
    extensions = error.get("extensions")
    return {
        "message": error.get("message"),
        "path": error.get("path"),
        "locations": error.get("locations"),
        "code": extensions.get("code") if isinstance(extensions, dict) else None,
    }


def comparable(body: Any) -> Any:
    """The body with its errors reduced to what is compared and sorted (see the module)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return body
    errors = sorted((_error_key(e) for e in body["errors"]), key=lambda e: json.dumps(e, sort_keys=True))
    return {key: (errors if key == "errors" else value) for key, value in body.items()}


def first_difference(expected: Any, actual: Any, path: str = "$") -> str | None:
    """Where `actual` first differs from `expected` (a JSON path and both values), or None if they agree."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            missing = [k for k in expected if k not in actual]
            extra = [k for k in actual if k not in expected]
            return f"{path}: keys missing {missing}, unexpected {extra}"
        for key in expected:
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        if list(expected) != list(actual):
            return f"{path}: keys in another order: {list(expected)} vs {list(actual)}"
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items vs {len(actual)}"
        return None
    if isinstance(expected, bool) or isinstance(actual, bool) or not isinstance(expected, int | float):
        same = type(expected) is type(actual) and expected == actual
    else:
        same = isinstance(actual, int | float) and not isinstance(actual, bool) and expected == actual
    return None if same else f"{path}: {_show(expected)} vs {_show(actual)}"


def answer_difference(reference: Answer, compiled: Answer) -> str | None:
    """How the compiled app's answer differs from the reference's, or None when they agree."""
    if reference.status != compiled.status:
        return f"status: {reference.status} vs {compiled.status}"
    if reference.content_type != compiled.content_type:
        return f"Content-Type: {reference.content_type!r} vs {compiled.content_type!r}"
    if reference.retry_after != compiled.retry_after:
        return f"Retry-After: {reference.retry_after!r} vs {compiled.retry_after!r}"
    return first_difference(comparable(reference.body), comparable(compiled.body))


# --- the two apps --------------------------------------------------------------------------------------------


@dataclass
class Differential:
    """The resolver app and the compiled app on one database, and what was sent to them."""

    resolver: TestClient
    compiled: TestClient
    resolver_counting: CountingApp
    compiled_counting: CountingApp
    rich: RichDatabase
    cursors: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    sent: int = 0

    def reference(self, request: Request) -> Answer:
        return send(self.resolver, self.resolver_counting, request)

    def on_compiled(self, request: Request) -> Answer:
        return send(self.compiled, self.compiled_counting, request)

    def both(self, request: Request) -> tuple[Answer, Answer]:
        self.sent += 1
        return self.reference(request), self.on_compiled(request)

    def check(self, request: Request) -> tuple[Answer, Answer]:
        """Send `request` to both apps and fail, saying where and for what, unless they answer alike."""
        reference, compiled = self.both(request)
        difference = answer_difference(reference, compiled)
        assert difference is None, (
            f"the compiled app answers otherwise than the resolver app: {difference}\n"
            f"{request.describe()}\n"
            f"resolver: {reference.summary()}\n  {_show(comparable(reference.body))}\n"
            f"compiled: {compiled.summary()}\n  {_show(comparable(compiled.body))}"
        )
        internal = [e for e in reference.errors if _error_key(e)["code"] == "INTERNAL_ERROR"]
        assert not internal, f"the resolver path itself fails (INTERNAL_ERROR): {internal}\n{request.describe()}"
        return reference, compiled


def settings_for(url: str, *, compiled: bool) -> Settings:
    """The app's settings: `url`, the path chosen, no seed (the database is filled already), a small pool."""
    return Settings(database_url=url, graphql_compiled=compiled, load_seed=False, pool_max_size=4)


@contextmanager
def open_differential(rich: RichDatabase) -> Iterator[Differential]:
    """Both apps started (lifespans run) on `rich`, and the cursor pool harvested from the reference."""
    resolver_counting = CountingApp(create_app(settings_for(rich.url, compiled=False)))
    compiled_counting = CountingApp(create_app(settings_for(rich.url, compiled=True)))
    with ExitStack() as stack:
        # A request that crashes the app answers 500 (as under uvicorn), so that crashes are compared too.
        resolver = stack.enter_context(TestClient(resolver_counting, raise_server_exceptions=False))
        compiled = stack.enter_context(TestClient(compiled_counting, raise_server_exceptions=False))
        differential = Differential(resolver, compiled, resolver_counting, compiled_counting, rich)
        differential.cursors = harvest_cursors(differential)
        yield differential


@contextmanager
def open_unreachable(rich: RichDatabase) -> Iterator[Differential]:
    """Both apps on a pool that is closed before they start: every statement fails as the database being
    unreachable (api/db/pool.py), as when it stops under a running service."""

    async def closed_pool() -> Database:
        db = await Database.connect(rich.url, min_size=1, max_size=1)
        await db.close()
        return db

    def app(compiled: bool) -> CountingApp:
        runtime = Runtime(db=asyncio.run(closed_pool()), embedded=None, stop_embedded_on_exit=False)
        return CountingApp(create_app(settings_for(rich.url, compiled=compiled), runtime=runtime))

    resolver_counting, compiled_counting = app(False), app(True)
    with ExitStack() as stack:
        resolver = stack.enter_context(TestClient(resolver_counting, raise_server_exceptions=False))
        compiled = stack.enter_context(TestClient(compiled_counting, raise_server_exceptions=False))
        yield Differential(resolver, compiled, resolver_counting, compiled_counting, rich)


# --- cursors of every list and ordering, for `after` ---------------------------------------------------------

# (list kind, ordering as the generator names it (None: the default), the list's page selection)
_HARVEST: list[tuple[str, str, str]] = [
    *[("paper", order, f"papers(orderBy: {order}, first: 4)") for order in ("NEWEST", "OLDEST", "MOST_CITED")],
    ("paper", "UPDATED", "papers(orderBy: UPDATED, first: 4)"),
    ("paper", "RELEVANCE", 'papers(search: "learning", first: 4)'),
    *[
        ("author", order, f"authors(orderBy: {order}, first: 4)")
        for order in ("NAME", "H_INDEX", "CITATIONS", "PAPER_COUNT", "UPDATED")
    ],
    ("author", "RELEVANCE", 'authors(search: "louis", first: 4)'),
    ("institution", "NAME", "institutions(first: 4)"),
    ("institution", "SEARCH", 'institutions(search: "univ", first: 4)'),
]
_COAUTHOR_ORDERS = ("SHARED_PAPERS", "NAME", "RECENT")


def harvest_cursors(differential: Differential) -> dict[tuple[str, str], list[str]]:
    """Cursors of real pages of each (list kind, ordering), taken from the resolver app's answers."""
    pool: dict[tuple[str, str], list[str]] = {}
    for kind, order, selection in _HARVEST:
        query = "{ list: " + selection + " { edges { cursor } } }"
        answer = differential.reference(Request(query))
        assert not answer.errors, (query, answer.errors)
        pool[(kind, order)] = [edge["cursor"] for edge in answer.data["list"]["edges"]]
    owner = differential.rich.samples.rich_author_ids[0]
    for order in _COAUTHOR_ORDERS:
        query = f'{{ author(id: "{owner}") {{ coauthors(orderBy: {order}, first: 4) {{ edges {{ cursor }} }} }} }}'
        answer = differential.reference(Request(query))
        assert not answer.errors, (query, answer.errors)
        pool[("coauthor", order)] = [edge["cursor"] for edge in answer.data["author"]["coauthors"]["edges"]]
    assert all(pool.values()), {key: len(cursors) for key, cursors in pool.items()}
    return pool
