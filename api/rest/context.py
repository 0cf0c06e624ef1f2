"""What every REST handler needs: the request's database, JSON responses, and JSON request bodies.

Errors are raised, not returned: `InvalidInputError` becomes 400, `NotFoundError` 404 and
`RequestTooLargeError` 413, all with the body `{"error": {"code", "message"}}` (the app's exception
handlers write it).
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from api.db.pool import Database
from api.errors import InvalidInputError
from api.rest.models import Model


def database(request: Request) -> Database:
    db: Database = request.app.state.runtime.db
    return db


def respond(model: Model, *, exclude: set[str] | None = None) -> Response:
    """The model as the JSON body of a 200 response (fields in `exclude` left out)."""
    return Response(model.model_dump_json(exclude=exclude), media_type="application/json")


def respond_document(document: Any) -> Response:
    """A document of JSON values (dicts, lists, str, int, float, None, dates, aware datetimes) as the JSON body
    of a 200 response, written as pydantic writes the models (compact; datetimes in UTC end in `Z`)."""
    return Response(orjson.dumps(document, option=orjson.OPT_UTC_Z), media_type="application/json")


async def json_body(request: Request) -> Any:
    """The request's JSON body, parsed. Its size is limited by `api.body_limit.BodyLimit` (the app's
    middleware), which raises RequestTooLargeError as soon as more arrives than the limit."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise InvalidInputError(f"send a JSON body (Content-Type: application/json), not {content_type[:60]!r}")
    body = await request.body()
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise InvalidInputError("the request body is not valid JSON") from error
