"""Institutions over REST: the list by name, an institution, and its papers and authors."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.db import institutions
from api.db.authors import AuthorScope
from api.db.papers import PaperScope
from api.rest import models
from api.rest.authors import author_page
from api.rest.context import database, respond
from api.rest.filters import AUTHOR_LIST, PAPER_LIST, author_list, paper_list
from api.rest.lookup import path_institution
from api.rest.papers import paper_page
from api.rest.params import MAX_SEARCH_LENGTH, PAGING, Param, Query, next_cursor
from api.settings import Settings

INSTITUTION_LIST: tuple[Param, ...] = (
    Param(
        "search",
        "Name or part of a name, accents and case folded, typos tolerated.",
        {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
    ),
    *PAGING,
)


def routes(settings: Settings) -> list[Route]:
    async def list_all(request: Request) -> Response:
        db = database(request)
        query = Query(request, INSTITUTION_LIST)
        search = query.search()
        window = query.window(settings.max_page_size)
        page = await institutions.list_institutions(db, search, window)
        return respond(
            models.InstitutionPage(
                items=[models.Institution.of(record) for record in page.items],
                total_count=await institutions.count_institutions(db, search),
                has_more=page.has_next,
                next_cursor=next_cursor(page, window),
            )
        )

    async def get_institution(request: Request) -> Response:
        Query(request, ())
        return respond(models.Institution.of(await path_institution(request)))

    async def institution_papers(request: Request) -> Response:
        db = database(request)
        wanted = await paper_list(db, Query(request, PAPER_LIST), settings.max_page_size)
        record = await path_institution(request)
        return await paper_page(db, wanted, PaperScope.INSTITUTION, (record.id, 0))

    async def institution_authors(request: Request) -> Response:
        db = database(request)
        wanted = await author_list(db, Query(request, AUTHOR_LIST), settings.max_page_size)
        record = await path_institution(request)
        return await author_page(db, wanted, AuthorScope.INSTITUTION, (record.id, 0))

    return [
        Route("/v1/institutions", list_all, methods=["GET"]),
        Route("/v1/institutions/{institution_id}/papers", institution_papers, methods=["GET"]),
        Route("/v1/institutions/{institution_id}/authors", institution_authors, methods=["GET"]),
        Route("/v1/institutions/{institution_id}", get_institution, methods=["GET"]),
    ]
