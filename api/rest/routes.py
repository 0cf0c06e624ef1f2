"""REST at /v1: the reads services need, as plain GETs (and one POST for large bulk look-ups), and the
OpenAPI 3.1 document describing them.

Ids are the GraphQL global ids or external ids (`orcid:0000-0002-1825-0097`, `doi:10.1234%2Fabc`: a
DOI's `/` may be sent percent-encoded or as is, so id parameters match `/` too); `api.rest.lookup`
resolves them. Lists are keyset-paged like GraphQL connections: `first` and `after` in, `items`,
`total_count`, `has_more` and `next_cursor` out; their filters are `api.rest.filters`'.

One module per resource: `authors`, `coauthors`, `metrics` (bulk figures), `papers`, `institutions`,
`corrections` (merges, splits and unmerges of authors), `writes` (papers and authors created, changed,
reported on or retracted), `changes` (the feed for mirrors).
Each handler reads its query parameters (strictly: `api.rest.params`) before it looks up the ids in its
path, so that a bad parameter is a 400 whatever the path names; then 404 for an id that names nothing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.rest import authors, changes, coauthors, corrections, institutions, metrics, papers, writes
from api.rest.openapi import openapi_document
from api.settings import Settings


def rest_routes(settings: Settings) -> list[Route]:
    async def get_openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    # Order matters where a path id (matched as `path`, so it may hold `/`) could swallow what follows
    # it: fixed paths (`/v1/authors/metrics`) and longer sub-routes come before an author's own route.
    return [
        *metrics.routes(),
        *writes.routes(),
        *coauthors.routes(settings),
        *authors.routes(settings),
        *papers.routes(settings),
        *institutions.routes(settings),
        *corrections.routes(settings),
        *changes.routes(settings),
        Route("/openapi.json", get_openapi, methods=["GET"]),
    ]
