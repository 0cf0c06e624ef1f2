"""The OpenAPI 3.1 document of /v1, generated from the pydantic models (their JSON Schema is OpenAPI 3.1's)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from api import __version__
from api.rest import models

_ID = {
    "name": "{name}",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "Global id, as returned by GraphQL `id` fields.",
}
_PAGING = [
    {
        "name": "first",
        "in": "query",
        "required": False,
        "description": "Page size, 0 to 100.",
        "schema": {"type": "integer", "minimum": 0, "maximum": 100, "default": 20},
    },
    {
        "name": "after",
        "in": "query",
        "required": False,
        "description": "`next_cursor` of the previous page.",
        "schema": {"type": "string"},
    },
]


def _id(name: str) -> dict[str, Any]:
    return {**_ID, "name": name}


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {
        "200": {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        },
        "400": {
            "description": "A malformed parameter (page size, cursor).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
        "404": {
            "description": "No such object.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [
            (m, "serialization")
            for m in (models.Author, models.Paper, models.PaperPage, models.CoauthorPage, models.Error)
        ],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Scholar Graph REST API",
            "version": __version__,
            "description": "Author metrics, papers and coauthors for services. The same data as /graphql; "
            "ids are GraphQL global ids.",
        },
        "paths": {
            "/v1/authors/{author_id}": {
                "get": {
                    "operationId": "getAuthor",
                    "summary": "An author with reported and computed metrics",
                    "parameters": [_id("author_id")],
                    "responses": _ok("Author", "The author."),
                }
            },
            "/v1/authors/{author_id}/papers": {
                "get": {
                    "operationId": "listAuthorPapers",
                    "summary": "An author's papers, newest first",
                    "parameters": [_id("author_id"), *_PAGING],
                    "responses": _ok("PaperPage", "A page of papers."),
                }
            },
            "/v1/authors/{author_id}/coauthors": {
                "get": {
                    "operationId": "listAuthorCoauthors",
                    "summary": "An author's coauthors, most shared papers first",
                    "parameters": [_id("author_id"), *_PAGING],
                    "responses": _ok("CoauthorPage", "A page of coauthors."),
                }
            },
            "/v1/papers/{paper_id}": {
                "get": {
                    "operationId": "getPaper",
                    "summary": "A paper with its byline",
                    "parameters": [_id("paper_id")],
                    "responses": _ok("Paper", "The paper."),
                }
            },
        },
        "components": {"schemas": schemas["$defs"]},
    }
