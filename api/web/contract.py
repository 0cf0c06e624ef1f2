"""The published contract, where people and tools look for it: the GraphQL SDL at `/schema.graphql` and
an index of the REST resources at `/v1`.

Both are derived from the code, never kept by hand: the SDL is the schema as `scholargraph export-schema`
prints it (schema/schema.graphql is the same text), and the index lists the paths and operations of the
OpenAPI document (`api.rest.openapi`), itself generated from the routes and their parameters.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api import __version__
from api.rest.openapi import openapi_document
from api.schema_export import graphql_sdl

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@cache
def _sdl() -> str:
    return graphql_sdl()


@cache
def v1_index_document() -> dict[str, Any]:
    """The /v1 resources: one entry per path of the OpenAPI document, in its order, with its operations."""
    document = openapi_document()
    resources = []
    for path, item in document["paths"].items():
        operations = [
            {
                "method": method.upper(),
                "operation_id": operation["operationId"],
                "summary": operation["summary"],
            }
            for method, operation in item.items()
            if method in HTTP_METHODS
        ]
        resources.append({"path": path, "operations": operations})
    return {
        "name": document["info"]["title"],
        "version": __version__,
        "openapi": "/openapi.json",
        "docs": "/docs",
        "graphql": "/graphql",
        "resources": resources,
    }


async def v1_index(request: Request) -> Response:
    return JSONResponse(v1_index_document())


async def schema_sdl(request: Request) -> Response:
    return PlainTextResponse(_sdl(), media_type="text/plain; charset=utf-8")
