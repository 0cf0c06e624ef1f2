"""Coauthors over REST: an author's coauthorship edges, ranked, and the papers two coauthors share."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.db import coauthors
from api.db.papers import PaperScope
from api.errors import NotFoundError
from api.rest import models
from api.rest.context import database, respond
from api.rest.filters import COAUTHOR_LIST, PAPER_LIST, coauthor_order, paper_list
from api.rest.lookup import path_author
from api.rest.papers import paper_page
from api.rest.params import Query, next_cursor
from api.settings import Settings


def routes(settings: Settings) -> list[Route]:
    async def list_coauthors(request: Request) -> Response:
        db = database(request)
        query = Query(request, COAUTHOR_LIST)
        order = coauthor_order(query)
        window = query.window(settings.max_page_size)
        author = await path_author(request)
        page = (await coauthors.coauthors_of_authors(db, [author.id], window, order))[author.id]
        total = (await coauthors.count_coauthors_of_authors(db, [author.id]))[author.id]
        return respond(
            models.CoauthorPage(
                items=[
                    models.Coauthor(
                        author=models.AuthorRef.of(edge.author),
                        shared_paper_count=edge.shared_paper_count,
                        first_shared_year=edge.first_shared_year,
                        last_shared_year=edge.last_shared_year,
                    )
                    for edge in page.items
                ],
                total_count=total,
                has_more=page.has_next,
                next_cursor=next_cursor(page, window),
            )
        )

    async def shared_papers(request: Request) -> Response:
        db = database(request)
        wanted = await paper_list(db, Query(request, PAPER_LIST), settings.max_page_size)
        author = await path_author(request)
        coauthor = await path_author(request, "coauthor_id")
        if coauthor.id == author.id:
            raise NotFoundError("an author is not their own coauthor: their papers are at /v1/authors/{id}/papers")
        pair = (author.id, coauthor.id)
        return await paper_page(db, wanted, PaperScope.COAUTHORED, pair)

    # Before the author routes: `{author_id:path}/papers` would otherwise take `A/coauthors/B` as an id.
    return [
        Route("/v1/authors/{author_id:path}/coauthors/{coauthor_id:path}/papers", shared_papers, methods=["GET"]),
        Route("/v1/authors/{author_id:path}/coauthors", list_coauthors, methods=["GET"]),
    ]
