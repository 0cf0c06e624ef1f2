"""The published contract, where people and tools look for it: the GraphQL SDL at `/schema.graphql`, an
index of the REST resources at `/v1`, and the REST explorer at `/docs`.

The first two are derived from the code, never kept by hand: the SDL is the schema as `scholargraph
export-schema` prints it (schema/schema.graphql is the same text), and the index lists the paths and
operations of the OpenAPI document (`api.rest.openapi`), itself generated from the routes and their
parameters.

The explorer is Swagger UI over /openapi.json. Its bundle and stylesheet come from the npm package
swagger-ui-dist at build time (hatch_build.py puts them in api/static/vendor/); /static/web/rest-docs.js
starts it. "Try it out" sends its requests to this instance (the document names no server, so the page's
own origin is used), and the spec validator badge, which would call a public service, is off.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from api import __version__
from api.rest.openapi import openapi_document
from api.schema_export import graphql_sdl
from api.web.layout import VENDOR_STATIC, render_page

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


def render_rest_docs() -> str:
    body = """    <div id="swagger-ui" class="swagger-host"><p class="card">Loading the REST explorer…</p></div>
    <noscript><p class="card">The explorer needs JavaScript; the document itself is
    <a href="/openapi.json">/openapi.json</a>.</p></noscript>"""
    return render_page(
        title="REST API",
        body=body,
        current="/docs",
        scripts=["rest-docs.js"],
        libraries=["swagger-ui-bundle.js"],
        styles=[f"{VENDOR_STATIC}/swagger-ui.css"],
    )


async def rest_docs(request: Request) -> Response:
    return HTMLResponse(render_rest_docs())
