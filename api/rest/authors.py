"""Authors over REST: the list of authors (searched, filtered, sorted), an author, and an author's papers.

Every author in a response carries all their figures (`api.rest.metrics.author_models`): a page of
authors costs the page, its total, and one statement per kind of figures, whatever its size.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.db import authors, metrics
from api.db.authors import AuthorScope
from api.db.listing import ALL, Parent
from api.db.papers import PaperScope
from api.db.pool import Database
from api.errors import NotFoundError
from api.rest import models
from api.rest.context import database, respond, respond_document
from api.rest.filters import AUTHOR_LIST, PAPER_LIST, AuthorList, author_list, paper_list
from api.rest.lookup import path_author, path_id, refuse_merged_author
from api.rest.metrics import author_document, author_models
from api.rest.papers import paper_page
from api.rest.params import Query, next_cursor
from api.settings import Settings


async def author_page(db: Database, wanted: AuthorList, scope: AuthorScope, parent: Parent) -> Response:
    """One page of a list of authors, as the list parameters (`AUTHOR_LIST`) ask."""
    page = (await authors.list_authors(db, scope, [parent], wanted.filter, wanted.order, wanted.window))[parent]
    total = (await authors.count_authors(db, scope, [parent], wanted.filter))[parent]
    return respond(
        models.AuthorPage(
            items=await author_models(db, page.items),
            total_count=total,
            has_more=page.has_next,
            next_cursor=next_cursor(page, wanted.window),
        )
    )


def routes(settings: Settings) -> list[Route]:
    async def list_all(request: Request) -> Response:
        wanted = await author_list(database(request), Query(request, AUTHOR_LIST), settings.max_page_size)
        return await author_page(database(request), wanted, AuthorScope.ALL, ALL)

    async def get_author(request: Request) -> Response:
        Query(request, ())
        author_id = await path_id(request, "Author", "author_id")
        found = await metrics.author_with_figures(database(request), author_id)  # one statement
        if found is None:
            await refuse_merged_author(request, author_id)
            # merged away, and the merge undone between the two reads (seen under load): read it again
            found = await metrics.author_with_figures(database(request), author_id)
        if found is None:
            raise NotFoundError(f"no author with id {request.path_params['author_id'][:60]!r}")
        return respond_document(author_document(found))

    async def author_papers(request: Request) -> Response:
        db = database(request)
        wanted = await paper_list(db, Query(request, PAPER_LIST), settings.max_page_size)
        record = await path_author(request)
        return await paper_page(db, wanted, PaperScope.AUTHOR, (record.id, 0))

    # Author ids may hold `/` (external ids as URLs), so they match as `path`: an author's own route
    # comes after its sub-routes, which would otherwise be read as part of the id.
    return [
        Route("/v1/authors", list_all, methods=["GET"]),
        Route("/v1/authors/{author_id:path}/papers", author_papers, methods=["GET"]),
        Route("/v1/authors/{author_id:path}", get_author, methods=["GET"]),
    ]
