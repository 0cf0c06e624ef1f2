"""The OpenAPI 3.1 document of /v1, generated from the code it describes: response and body schemas from
the pydantic models (their JSON Schema is OpenAPI 3.1's), query parameters from the same `Param`
declarations the handlers parse them with, so the document cannot promise a parameter the code refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from api import __version__
from api.rest import models
from api.rest.changes import CHANGE_LIST
from api.rest.corrections import CORRECTION_LIST
from api.rest.filters import AUTHOR_LIST, COAUTHOR_LIST, PAPER_LIST
from api.rest.institutions import INSTITUTION_LIST
from api.rest.metrics import IDS, MAX_POST_IDS
from api.rest.params import Param

_ID_HELP = {
    "author_id": "An author: global id, or external id (`orcid:…`, `openalex:A…`, `s2:…`).",
    "coauthor_id": "Another author (the coauthor): global id, or external id.",
    "paper_id": "A paper: global id, or external id (`doi:…`, `arxiv:…`, `openalex:W…`, `s2:…`).",
    "institution_id": "An institution: global id.",
    "correction_id": "A correction's number.",
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": _ID_HELP[name]}


def _operation(
    operation_id: str, summary: str, schema: str, params: Sequence[Param] = (), description: str = ""
) -> dict[str, Any]:
    """An operation answering `schema`, taking the path's ids and the query parameters `params`."""
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [param.openapi() for param in params],
        "responses": {
            "200": {
                "description": f"A {schema}.",
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
            },
            "400": {
                "description": (
                    "A parameter unknown, repeated, malformed or out of range, or a malformed id in a parameter "
                    "or a bulk look-up; the message names it."
                ),
                "content": _ERROR,
            },
        },
    }
    if description:
        operation["description"] = description
    return operation


def _with_ids(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The operation with the path's id parameters first, and a 404 when the path names ids."""
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if names:
        operation["parameters"] = [*(_path_id(name) for name in names), *operation["parameters"]]
        operation["responses"]["404"] = {
            "description": "An id in the path names nothing stored, or is malformed; the message says which.",
            "content": _ERROR,
        }
    return operation


def _with_body_limit(operation: dict[str, Any]) -> dict[str, Any]:
    """The operation, which reads a request body, with the 413 of one larger than the limit."""
    operation["responses"]["413"] = {
        "description": "The request body is larger than the limit (setting SCHOLARGRAPH_MAX_BODY_BYTES, "
        "1,000,000 bytes unless configured); the message names the limit.",
        "content": _ERROR,
    }
    return operation


_LIMIT_HEADERS = {
    "Request-Cost": {
        "description": (
            "What this request cost: 1, plus the page size of a list or the number of ids of a bulk look-up."
        ),
        "schema": {"type": "integer"},
    },
    "RateLimit-Policy": {
        "description": 'The client\'s limits: `"budget";q=<points>;w=<seconds>, "requests";q=<per second>;w=1`.',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": (
            'What remains: `"budget";r=<points left>;t=<seconds to the window\'s end>, "requests";r=<n>;t=1`.'
        ),
        "schema": {"type": "string"},
    },
}


def _with_limits(operation: dict[str, Any]) -> dict[str, Any]:
    """The operation with the limits' headers on its answers, and its 401 and 429 (docs/limits.md)."""
    success = operation["responses"].get("200") or operation["responses"]["201"]
    success["headers"] = {**success.get("headers", {}), **_LIMIT_HEADERS}
    operation["responses"]["401"] = {
        "description": "The API key is unknown or revoked (`invalid_key`), or the service requires one and the "
        "request has none (`key_required`).",
        "content": _ERROR,
    }
    operation["responses"]["429"] = {
        "description": "Over a limit: `too_fast` (more requests a second than allowed) or `budget_spent` (the "
        "window's cost budget is spent). Nothing ran; retry after `Retry-After` seconds.",
        "headers": {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
            **_LIMIT_HEADERS,
        },
        "content": _ERROR,
    }
    return operation


_PAPERS = "Filters, sort and facets as on every list of papers."


_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
    "description": (
        "Makes the write safe to send again: within 24 hours, the same key from the same client answers the "
        "first request's status and resource (with `Idempotent-Replayed: true`) and writes nothing again."
    ),
}


def _write(
    operation_id: str,
    summary: str,
    body: str,
    description: str,
    *,
    answer: str = "Correction",
    created: str | None = "/v1/corrections/{id} of the correction made.",
) -> dict[str, Any]:
    """A write: a JSON body in, `answer` out (201 with a Location when `created` says where, else 200); 403
    without a key of the write scope; 422 for an idempotency key used for another request."""
    operation = _with_body_limit(_operation(operation_id, summary, answer, (), description))
    operation["parameters"].append(_IDEMPOTENCY_KEY)
    success = operation["responses"]["200"]
    success["headers"] = {
        "Idempotent-Replayed": {"description": "`true` when an earlier request with the key did the write."}
        | {"schema": {"type": "string"}}
    }
    if created is not None:
        operation["responses"]["201"] = operation["responses"].pop("200")
        success["headers"]["Location"] = {"description": created, "schema": {"type": "string"}}
    operation["responses"]["400"]["description"] = (
        "The body is not JSON, or members of it are wrong: `error.fields` lists each with its path; nothing "
        "was written."
    )
    operation["responses"]["403"] = {
        "description": "The request has no API key with the `write` scope (`forbidden`).",
        "content": _ERROR,
    }
    operation["responses"]["422"] = {
        "description": "The `Idempotency-Key` was used by this client for another request (`idempotency_key_reused`).",
        "content": _ERROR,
    }
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
    }
    operation["security"] = [{"bearer": []}, {"apiKeyHeader": []}]
    return operation


def _writes() -> dict[str, dict[str, dict[str, Any]]]:
    """The writes of papers and authors, by path and method (merged into the reads' paths)."""
    return {
        "/v1/papers": {
            "post": _write(
                "createPaper",
                "Store a new paper with its byline, external ids and institutions",
                "PaperRequest",
                "Its authors' computed figures are current in the answer.",
                answer="Paper",
                created="/v1/papers/{id} of the paper made.",
            )
        },
        "/v1/papers/{paper_id}": {
            "patch": _write(
                "updatePaper",
                "Change the members sent of a stored paper (`authors` replaces the byline)",
                "PaperRequest",
                "A merged id writes to the survivor.",
                answer="Paper",
                created=None,
            )
        },
        "/v1/papers/{paper_id}/retraction": {
            "post": _write(
                "retractPaper",
                "Retract a paper: it stays, marked, and leaves its authors' computed figures",
                "RetractionRequest",
                "The first retraction stands; sending another changes nothing.",
                answer="Paper",
                created=None,
            )
        },
        "/v1/authors": {
            "post": _write(
                "createAuthor",
                "Store a new author with its external ids",
                "AuthorRequest",
                "",
                answer="Author",
                created="/v1/authors/{id} of the author made.",
            )
        },
        "/v1/authors/{author_id}": {
            "patch": _write(
                "updateAuthor",
                "Change the name, primary category or external ids of a stored author",
                "AuthorRequest",
                "A merged id writes to the survivor.",
                answer="Author",
                created=None,
            )
        },
        "/v1/authors/{author_id}/reported-metrics": {
            "post": _write(
                "reportAuthorMetrics",
                "Record figures a source reports for an author, as of a date",
                "ReportedMetricsRequest",
                "A second report of one source and date replaces the first.",
                answer="Author",
                created=None,
            )
        },
    }


def _corrections() -> dict[str, dict[str, dict[str, Any]]]:
    return {
        "/v1/corrections": {
            "get": _operation(
                "listCorrections",
                "Corrections of authors, newest first: who made each, when, why, what moved",
                "CorrectionPage",
                CORRECTION_LIST,
            )
        },
        "/v1/changes": {
            "get": _operation(
                "listChanges",
                "The change feed: authors and papers created, updated, merged, split or retracted, oldest first",
                "ChangePage",
                CHANGE_LIST,
                "Page on with `next_cursor`; come back later with the last one: nothing is missed (events of "
                "transactions still running wait until they commit, after `horizon`).",
            )
        },
        "/v1/corrections/merges": {
            "post": _write(
                "mergeAuthors",
                "Merge two authors found to be one person",
                "MergeRequest",
                "The absorbed author's papers, external ids and reported figures move to the survivor; its id "
                "answers with a 301 to the survivor from then on. Undo with POST /v1/corrections/{id}/undo.",
            )
        },
        "/v1/corrections/splits": {
            "post": _write(
                "splitAuthor",
                "Move papers from an author to another, existing or new",
                "SplitRequest",
                "Each paper must be the author's; `into` must be on none of them.",
            )
        },
        "/v1/corrections/{correction_id}": {
            "get": _operation("getCorrection", "One correction, by its number", "Correction")
        },
        "/v1/corrections/{correction_id}/undo": {
            "post": _write(
                "unmergeAuthors",
                "Undo a merge: the absorbed author back under its old id, with what moved",
                "UndoRequest",
                "Only a merge not undone yet can be undone.",
            )
        },
    }


def _operations() -> dict[str, dict[str, dict[str, Any]]]:
    reads = _reads()
    for path, item in _writes().items():
        reads[path] = reads.get(path, {}) | item
    return reads


def _reads() -> dict[str, dict[str, dict[str, Any]]]:
    return _corrections() | {
        "/v1/authors": {
            "get": _operation(
                "listAuthors",
                "Authors: searched by name, filtered, sorted",
                "AuthorPage",
                AUTHOR_LIST,
                "Without `search`, every author by name. Figures used to filter and sort are the computed ones.",
            )
        },
        "/v1/authors/metrics": {
            "get": _operation(
                "getAuthorsMetrics",
                "Many authors' figures at once, in the order asked (null for an id naming no author)",
                "AuthorFiguresList",
                (IDS,),
            ),
            "post": _with_body_limit(
                _operation(
                    "postAuthorsMetrics",
                    f"Up to {MAX_POST_IDS:,} authors' figures at once, in the order asked (null for an unknown id)",
                    "AuthorFiguresList",
                )
            ),
        },
        "/v1/authors/{author_id}": {
            "get": _operation("getAuthor", "An author with reported and computed metrics", "Author")
        },
        "/v1/authors/{author_id}/papers": {
            "get": _operation("listAuthorPapers", "An author's papers, newest first", "PaperPage", PAPER_LIST, _PAPERS)
        },
        "/v1/authors/{author_id}/coauthors": {
            "get": _operation(
                "listAuthorCoauthors", "An author's coauthors, most shared papers first", "CoauthorPage", COAUTHOR_LIST
            )
        },
        "/v1/authors/{author_id}/coauthors/{coauthor_id}/papers": {
            "get": _operation(
                "listSharedPapers", "The papers two coauthors share, newest first", "PaperPage", PAPER_LIST, _PAPERS
            )
        },
        "/v1/papers": {
            "get": _operation(
                "listPapers",
                "Papers: full-text search, filters, sort and facets",
                "PaperPage",
                PAPER_LIST,
                "Without `search`, every paper, newest first.",
            )
        },
        "/v1/papers/{paper_id}": {"get": _operation("getPaper", "A paper with its byline", "Paper")},
        "/v1/papers/{paper_id}/references": {
            "get": _operation(
                "listPaperReferences",
                "The stored papers this paper cites, newest first",
                "PaperPage",
                PAPER_LIST,
                _PAPERS,
            )
        },
        "/v1/papers/{paper_id}/citations": {
            "get": _operation(
                "listPaperCitations",
                "The stored papers citing this paper, all of them, newest first",
                "PaperPage",
                PAPER_LIST,
                _PAPERS,
            )
        },
        "/v1/institutions": {
            "get": _operation("listInstitutions", "Institutions by name", "InstitutionPage", INSTITUTION_LIST)
        },
        "/v1/institutions/{institution_id}": {"get": _operation("getInstitution", "An institution", "Institution")},
        "/v1/institutions/{institution_id}/papers": {
            "get": _operation(
                "listInstitutionPapers",
                "Papers named for an institution, by the source or an author's affiliation",
                "PaperPage",
                PAPER_LIST,
                _PAPERS,
            )
        },
        "/v1/institutions/{institution_id}/authors": {
            "get": _operation(
                "listInstitutionAuthors",
                "Authors affiliated with an institution on some paper, by name",
                "AuthorPage",
                AUTHOR_LIST,
            )
        },
    }


_RESPONSES = (
    models.Author,
    models.AuthorPage,
    models.AuthorFiguresList,
    models.Paper,
    models.PaperPage,
    models.CoauthorPage,
    models.Institution,
    models.InstitutionPage,
    models.Error,
    models.Correction,
    models.CorrectionPage,
    models.ChangePage,
)


@cache
def openapi_document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [
            *((m, "serialization") for m in _RESPONSES),
            *(
                (m, "validation")
                for m in (
                    models.AuthorIds,
                    models.MergeRequest,
                    models.SplitRequest,
                    models.UndoRequest,
                    models.PaperRequest,
                    models.AuthorRequest,
                    models.ReportedMetricsRequest,
                    models.RetractionRequest,
                )
            ),
        ],
        ref_template="#/components/schemas/{model}",
    )
    paths = {
        path: {m: _with_limits(_with_ids(path, op)) for m, op in item.items()} for path, item in _operations().items()
    }
    paths["/v1/authors/metrics"]["post"]["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuthorIds"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Scholar Graph REST API",
            "version": __version__,
            "description": "Authors and their metrics (in bulk too), papers, coauthors, citations and institutions, "
            "for services: the same data as /graphql, with the same filters and keyset pagination "
            "(`first` and `after` in; `items`, `total_count`, `has_more`, `next_cursor` out). Ids are GraphQL "
            "global ids; authors and papers also answer to external ids. Unknown query parameters are refused. "
            "Every request is costed and counted before it runs (docs/limits.md): its answer says what it cost "
            "and what remains; an API key (optional unless the service requires one) raises the budget.",
        },
        "paths": paths,
        "security": [{}, {"bearer": []}, {"apiKeyHeader": []}],
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key: `Authorization: Bearer sg_…`.",
                },
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The same key."},
            },
        },
    }
