"""Papers over REST: a paper; every list of papers, through one builder; and the lists a paper heads
(its references and the papers citing it).

A page of papers costs a fixed number of statements whatever its size: the page, the total, the facets
when asked, the bylines and the institutions of the page's papers.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.db import institutions, papers
from api.db.listing import ALL, Parent
from api.db.papers import PaperScope
from api.db.pool import Database
from api.db.records import PaperRecord
from api.rest import models
from api.rest.context import database, respond
from api.rest.filters import PAPER_LIST, PaperList, paper_list
from api.rest.lookup import path_paper
from api.rest.params import Query, next_cursor
from api.settings import Settings


async def paper_models(db: Database, records: Sequence[PaperRecord]) -> list[models.Paper]:
    """Papers as REST resources, with their bylines and institutions, in the order given."""
    if not records:
        return []
    ids = [record.id for record in records]
    bylines = await papers.authorships_of_papers(db, ids)
    named = await institutions.institutions_of_papers(db, ids)
    return [models.Paper.of(r, [s.author for s in bylines[r.id]], named[r.id]) for r in records]


async def paper_page(db: Database, wanted: PaperList, scope: PaperScope, parent: Parent) -> Response:
    """One page of a list of papers, as the list parameters (`PAPER_LIST`) ask."""
    page = (await papers.list_papers(db, scope, [parent], wanted.filter, wanted.order, wanted.window))[parent]
    total = (await papers.count_papers(db, scope, [parent], wanted.filter))[parent]
    facets = None
    if wanted.facets:
        facets = models.Facets.of((await papers.paper_facets(db, scope, [parent], wanted.filter))[parent])
    body = models.PaperPage(
        items=await paper_models(db, page.items),
        total_count=total,
        has_more=page.has_next,
        next_cursor=next_cursor(page, wanted.window),
        facets=facets,
    )
    return respond(body, exclude=None if wanted.facets else {"facets"})


def routes(settings: Settings) -> list[Route]:
    async def papers_of(request: Request) -> PaperList:
        return await paper_list(database(request), Query(request, PAPER_LIST), settings.max_page_size)

    async def list_all(request: Request) -> Response:
        return await paper_page(database(request), await papers_of(request), PaperScope.ALL, ALL)

    async def get_paper(request: Request) -> Response:
        Query(request, ())
        record = await path_paper(request)
        (paper,) = await paper_models(database(request), [record])
        return respond(paper)

    async def references(request: Request) -> Response:
        wanted = await papers_of(request)
        record = await path_paper(request)
        return await paper_page(database(request), wanted, PaperScope.REFERENCES, (record.id, 0))

    async def citations(request: Request) -> Response:
        wanted = await papers_of(request)
        record = await path_paper(request)
        return await paper_page(database(request), wanted, PaperScope.CITED_BY, (record.id, 0))

    # Paper ids may hold `/` (DOIs, old arXiv ids), so they match as `path`: a paper's own route comes
    # after its sub-routes, which would otherwise be read as part of the id.
    return [
        Route("/v1/papers", list_all, methods=["GET"]),
        Route("/v1/papers/{paper_id:path}/references", references, methods=["GET"]),
        Route("/v1/papers/{paper_id:path}/citations", citations, methods=["GET"]),
        Route("/v1/papers/{paper_id:path}", get_paper, methods=["GET"]),
    ]
