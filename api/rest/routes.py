"""REST at /v1: the numbers other services want, and the OpenAPI 3.1 document describing them.

Ids are the GraphQL global ids. Lists are keyset-paged like GraphQL connections: `first` and `after`
in, `items`, `total_count` and `next_cursor` out.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.db import authors, coauthors, metrics, papers
from api.db.keyset import Page, Window
from api.db.pool import Database
from api.errors import InvalidInputError, NotFoundError
from api.ids import decode_id_of
from api.rest import models
from api.rest.openapi import openapi_document
from api.settings import Settings


def _db(request: Request) -> Database:
    db: Database = request.app.state.runtime.db
    return db


def _json(model: models.Model) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def _author_id(request: Request) -> int:
    raw = request.path_params["author_id"]
    try:
        return decode_id_of("Author", raw)
    except InvalidInputError as error:
        raise NotFoundError(f"no author with id {raw[:60]!r}") from error


def _window(request: Request, settings: Settings) -> Window:
    raw_first = request.query_params.get("first", "20")
    try:
        first = int(raw_first)
    except ValueError as error:
        raise InvalidInputError(f"`first` must be an integer (got {raw_first[:20]!r})") from error
    if not 0 <= first <= settings.max_page_size:
        raise InvalidInputError(f"`first` must be between 0 and {settings.max_page_size} (got {first})")
    return Window(first=first, after=request.query_params.get("after"))


def _next_cursor(page: Page[Any], window: Window) -> str | None:
    """Where the next page starts: after this page's last item (or where this page started, if empty)."""
    if not page.has_next:
        return None
    return page.cursors[-1] if page.cursors else window.after


def rest_routes(settings: Settings) -> list[Route]:
    async def get_author(request: Request) -> Response:
        db = _db(request)
        author_id = _author_id(request)
        found = await authors.authors_by_ids(db, [author_id])
        if author_id not in found:
            raise NotFoundError(f"no author with id {request.path_params['author_id']!r}")
        record = found[author_id]
        reported = (await metrics.reported_metrics_of_authors(db, [author_id]))[author_id]
        computed = (await metrics.computed_metrics_of_authors(db, [author_id]))[author_id]
        return _json(
            models.Author(
                id=request.path_params["author_id"],
                name=record.name,
                primary_category=record.primary_category,
                metrics=models.Metrics.of(metrics.preferred(reported, computed)),
                computed_metrics=models.Metrics.of(metrics.as_computed(computed)),
                reported_metrics=[models.Metrics.of(metrics.as_reported(r)) for r in reported],
                updated_at=record.updated_at,
            )
        )

    async def get_author_papers(request: Request) -> Response:
        db = _db(request)
        author_id = _author_id(request)
        await _require_author(db, author_id, request)
        window = _window(request, settings)
        author_papers = papers.PaperFilter()
        parent = (author_id, 0)
        page = (
            await papers.list_papers(
                db, papers.PaperScope.AUTHOR, [parent], author_papers, papers.PaperOrder.NEWEST, window
            )
        )[parent]
        bylines = await papers.authorships_of_papers(db, [p.id for p in page.items])
        return _json(
            models.PaperPage(
                items=[models.Paper.of(p, [s.author for s in bylines[p.id]]) for p in page.items],
                total_count=(await papers.count_papers(db, papers.PaperScope.AUTHOR, [parent], author_papers))[parent],
                has_more=page.has_next,
                next_cursor=_next_cursor(page, window),
            )
        )

    async def get_author_coauthors(request: Request) -> Response:
        db = _db(request)
        author_id = _author_id(request)
        await _require_author(db, author_id, request)
        window = _window(request, settings)
        page = (await coauthors.coauthors_of_authors(db, [author_id], window))[author_id]
        return _json(
            models.CoauthorPage(
                items=[
                    models.Coauthor(
                        author=models.AuthorRef.of(c.author),
                        shared_paper_count=c.shared_paper_count,
                        first_shared_year=c.first_shared_year,
                        last_shared_year=c.last_shared_year,
                    )
                    for c in page.items
                ],
                total_count=(await coauthors.count_coauthors_of_authors(db, [author_id]))[author_id],
                has_more=page.has_next,
                next_cursor=_next_cursor(page, window),
            )
        )

    async def get_paper(request: Request) -> Response:
        db = _db(request)
        raw = request.path_params["paper_id"]
        try:
            paper_id = decode_id_of("Paper", raw)
        except InvalidInputError as error:
            raise NotFoundError(f"no paper with id {raw[:60]!r}") from error
        found = await papers.papers_by_ids(db, [paper_id])
        if paper_id not in found:
            raise NotFoundError(f"no paper with id {raw[:60]!r}")
        byline = (await papers.authorships_of_papers(db, [paper_id]))[paper_id]
        return _json(models.Paper.of(found[paper_id], [s.author for s in byline]))

    async def get_openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    return [
        Route("/v1/authors/{author_id}", get_author, methods=["GET"]),
        Route("/v1/authors/{author_id}/papers", get_author_papers, methods=["GET"]),
        Route("/v1/authors/{author_id}/coauthors", get_author_coauthors, methods=["GET"]),
        Route("/v1/papers/{paper_id}", get_paper, methods=["GET"]),
        Route("/openapi.json", get_openapi, methods=["GET"]),
    ]


async def _require_author(db: Database, author_id: int, request: Request) -> None:
    if not await authors.authors_by_ids(db, [author_id]):
        raise NotFoundError(f"no author with id {request.path_params['author_id'][:60]!r}")
