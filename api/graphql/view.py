"""GraphQL over HTTP (the GraphQL-over-HTTP spec) on Starlette, and GraphiQL for browsers.

- POST with a JSON body `{query, variables?, operationName?, extensions?}`; GET with the same as URL
  parameters, for queries only (a mutation over GET is 405: GET must stay safe to cache and retry).
  Each parameter of the wrong JSON type is a 400 naming it.
- The body's size is limited by `api.body_limit.BodyLimit` (the app's middleware), which refuses it
  while it streams in: 413, with the limit in the message.
- Responses are `application/graphql-response+json` when the client accepts it, else `application/json`.
  With the former, a request that fails before execution (unparsable, invalid) is a 400; with the
  latter every well-formed request is a 200, as legacy clients expect. Malformed HTTP (bad JSON, no
  query, wrong types) is a 400 either way; an Accept we cannot satisfy is a 406.
- GET from a browser (Accept: text/html) without a query opens GraphiQL.
- Before anything runs, the request's client is told (`api.auth`) and its cost charged (`api.limits`):
  401 for a bad key, 400 `QUERY_TOO_COSTLY` (200 with legacy JSON) for a request above the most one may
  cost, 429 `TOO_FAST` or `BUDGET_SPENT` with Retry-After. Every response carries the cost and what
  remains, in headers and in `extensions.rateLimit`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import asyncpg
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.auth import Authenticator
from api.db.outage import RETRY_AFTER_SECONDS
from api.db.pool import Database
from api.errors import (
    AuthenticationError,
    DatabaseNotReadyError,
    OverloadedError,
    QueryTooCostlyError,
    RequestTooLargeError,
)
from api.graphql.compiler import Compiler
from api.graphql.context import GraphQLContext
from api.graphql.errors import has_outage, is_shed
from api.graphql.graphiql import DEFAULT_QUERY, DEFAULT_VARIABLES, render_graphiql_page
from api.limits.cost import CostCalculator
from api.limits.limiter import COST_HEADER, Admission, Limiter, RateLimitRefusal

EXECUTION_HEADER = "X-GraphQL-Execution"
"""Which path answered: `compiled` (one SQL statement) or `resolver` (strawberry's resolvers)."""
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class GraphQLRequestError(Exception):
    """The HTTP request does not carry a well-formed GraphQL request."""

    def __init__(self, status: int, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _media_type(request: Request) -> str | None:
    """The response type to use, from the Accept header; None when we can produce nothing acceptable."""
    accept = request.headers.get("accept", "").lower()
    if not accept.strip():
        return JSON
    offered = [part.split(";")[0].strip() for part in accept.split(",")]
    for media in offered:
        if media == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media in {JSON, "application/*", "*/*"}:
            return JSON
    return None


def _wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "text/html" in accept and "query" not in request.query_params


async def _read_params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            if name in params:
                try:
                    params[name] = json.loads(params[name])
                except ValueError as error:
                    raise GraphQLRequestError(400, f"`{name}` is not valid JSON") from error
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {JSON, "application/graphql+json", ""}:
        raise GraphQLRequestError(415, f"POST a JSON body (Content-Type: {JSON}), not {content_type}")
    try:
        body = await request.body()  # at most the limit: BodyLimit refuses more while it streams in
    except RequestTooLargeError as error:
        raise GraphQLRequestError(413, str(error), code=error.code.upper()) from error
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser goes
        raise GraphQLRequestError(400, "the request body is not valid JSON") from error
    if not isinstance(parsed, dict):
        raise GraphQLRequestError(400, "the request body must be a JSON object with a `query`")
    return parsed


def _validated(params: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    """The request's parameters, each checked to be of its JSON type (`extensions` too, though unused)."""
    query, variables, operation = params.get("query"), params.get("variables"), params.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise GraphQLRequestError(400, "`query` must be a non-empty string")
    if variables is not None and not isinstance(variables, dict):
        raise GraphQLRequestError(400, "`variables` must be a JSON object")
    if operation is not None and not isinstance(operation, str):
        raise GraphQLRequestError(400, "`operationName` must be a string")
    extensions = params.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise GraphQLRequestError(400, "`extensions` must be a JSON object")
    return query, variables, operation


def _error(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code.upper(), **extensions}}]}


@functools.lru_cache(maxsize=512)
def _operation_count(query: str) -> int:
    """How many operations a document defines (0 when it does not parse: execution reports that)."""
    try:
        document = parse(query)
    except GraphQLError:
        return 0
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


class GraphQLEndpoint:
    """The /graphql endpoint: an ASGI-style request handler bound to the app's schema and database."""

    def __init__(
        self,
        schema: Any,
        *,
        context_factory: Callable[[Request], GraphQLContext],
        graphiql: bool,
        database: Callable[[Request], Database],
        authenticator: Authenticator,
        limiter: Limiter,
        costs: CostCalculator,
        compiler: Compiler | None = None,
    ) -> None:
        self.schema = schema
        self.context_factory = context_factory
        self.database = database
        self.graphiql = graphiql
        self.compiler = compiler
        self.authenticator = authenticator
        self.limiter = limiter
        self.costs = costs

    async def _admit(
        self, request: Request, query: str, variables: dict[str, Any] | None, operation: str | None, media: str
    ) -> Admission | Response:
        """The request's admission, or the response refusing it (before any SQL of the query runs)."""
        try:
            client = await self.authenticator.client(request, self.database(request))
            request.state.client = client
            return await self.limiter.admit(client, self.costs.cost(query, variables, operation))
        except DatabaseNotReadyError as error:  # looking up the key needs the database
            self.database(request).outage.request_failed()
            return JSONResponse(
                _error("the database is unavailable; retry shortly", error.code),
                status_code=503,
                media_type=media,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        except AuthenticationError as error:
            return JSONResponse(
                _error(str(error), error.code),
                status_code=401,
                media_type=media,
                headers={"WWW-Authenticate": "Bearer"},
            )
        except QueryTooCostlyError as error:
            document = _error(str(error), error.code, cost=error.cost, maxCost=error.limit)
            return JSONResponse(
                document,
                status_code=400 if media == GRAPHQL_RESPONSE else 200,
                media_type=media,
                headers={COST_HEADER: str(error.cost)},
            )
        except RateLimitRefusal as refusal:
            admission = refusal.admission
            document = _error(str(refusal), refusal.code, retryAfter=int(admission.headers()["Retry-After"]))
            document["extensions"] = {"rateLimit": admission.extension()}
            return JSONResponse(document, status_code=429, media_type=media, headers=admission.headers())

    async def handle(self, request: Request) -> Response:
        if self.graphiql and _wants_ide(request):
            page = render_graphiql_page(
                endpoint=str(request.url.path),
                static_prefix="/static/graphiql",
                default_query=DEFAULT_QUERY,
                default_variables=DEFAULT_VARIABLES,
            )
            return HTMLResponse(page)
        media = _media_type(request)
        if media is None:
            return JSONResponse(
                {"errors": [{"message": f"cannot answer in any type the Accept header allows; use {JSON}"}]},
                status_code=406,
            )
        try:
            query, variables, operation = _validated(await _read_params(request))
        except GraphQLRequestError as error:
            reported: dict[str, Any] = {"message": str(error)}
            if error.code:
                reported["extensions"] = {"code": error.code}
            return JSONResponse({"errors": [reported]}, status_code=error.status, media_type=media)
        if operation is None and _operation_count(query) > 1:
            # The spec's GetOperation: several operations and no name is a request error, not "the first".
            return JSONResponse(
                {"errors": [{"message": "the document holds several operations: name one in `operationName`"}]},
                status_code=400 if media == GRAPHQL_RESPONSE else 200,
                media_type=media,
            )
        admitted = await self._admit(request, query, variables, operation, media)
        if isinstance(admitted, Response):
            return admitted
        limit_headers = admitted.headers()
        if self.compiler is not None:
            try:
                data = await self.compiler.execute(self.database(request), query, variables, operation)
            except OverloadedError as error:
                return JSONResponse(
                    _error(str(error), error.code),
                    status_code=503,
                    media_type=media,
                    headers={"Retry-After": "1", **limit_headers},
                )
            except asyncpg.QueryCanceledError:
                message = "the request took longer than the service allows; retry shortly, or ask for less"
                return JSONResponse(
                    _error(message, "timeout"),
                    status_code=503,
                    media_type=media,
                    headers={"Retry-After": "1", **limit_headers},
                )
            if data is not None:
                extensions = json.dumps({"rateLimit": admitted.extension()}, separators=(",", ":"))
                return Response(
                    b'{"data":' + data.encode() + b',"extensions":' + extensions.encode() + b"}",
                    media_type=media,
                    headers={EXECUTION_HEADER: "compiled", **limit_headers},
                )
        context = self.context_factory(request)
        allowed = {OperationType.QUERY} if request.method == "GET" else None
        try:
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:
            return JSONResponse(
                {"errors": [{"message": "only queries may be sent with GET; POST mutations"}]},
                status_code=405,
                headers={"Allow": "POST", **limit_headers},
                media_type=media,
            )
        except CannotGetOperationTypeError:
            reason = (
                f"the document has no operation named {operation!r}"
                if operation
                else "the document holds several operations: name the one to run in `operationName`"
            )
            return JSONResponse(
                {"errors": [{"message": reason}]},
                status_code=400 if media == GRAPHQL_RESPONSE else 200,
                media_type=media,
                headers=limit_headers,
            )
        document: dict[str, Any] = {}
        headers: dict[str, str] = {EXECUTION_HEADER: "resolver", **limit_headers}
        if result.errors:
            document["errors"] = [error.formatted for error in result.errors]
            if has_outage(result.errors):
                # Still 200, as the spec has it for field errors; the header tells when to retry.
                context.db.outage.request_failed()
                headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            elif is_shed(result.errors):
                headers["Retry-After"] = "1"
        request_failed = result.data is None and all(error.path is None for error in result.errors or [])
        if not request_failed:
            document["data"] = result.data
        document["extensions"] = {"rateLimit": admitted.extension()}
        status = 400 if request_failed and media == GRAPHQL_RESPONSE else 200
        return JSONResponse(document, status_code=status, headers=headers, media_type=media)
