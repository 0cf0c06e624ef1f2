"""Corrections over REST: merge, split and unmerge authors (each needs a key with the `write` scope), and
the history of corrections, which anyone may read.

    POST /v1/corrections/merges          {"survivor", "absorbed", "reason"}                    201 Correction
    POST /v1/corrections/splits          {"author", "papers", "into"?, "new_name"?, "reason"}  201 Correction
    POST /v1/corrections/{id}/undo       {"reason"}                                            201 Correction
    GET  /v1/corrections?author=&first=&after=                                                 CorrectionPage
    GET  /v1/corrections/{id}                                                                  Correction

A body is validated whole before anything runs: each wrong member is named (`400 invalid_input`, with
`error.fields`), an author or paper it names that is not stored too (a 404 is for the URL's own id). An
`Idempotency-Key` makes a POST safe to send again (`api.rest.writes`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.auth import writer_name
from api.db import corrections
from api.db.corrections import CorrectionRecord
from api.db.idempotency import Claim, Outcome, Replay
from api.errors import InvalidInputError, NotFoundError
from api.ids import encode_id
from api.rest import models
from api.rest.context import database
from api.rest.lookup import resolve_ids
from api.rest.params import PAGING, Param, Query, next_cursor
from api.rest.writes import claim_of, read_body
from api.settings import Settings

AUTHOR = Param("author", "Only the corrections of this author (as either party): global or external id.")
CORRECTION_LIST = (AUTHOR, *PAGING)

BodyT = TypeVar("BodyT", bound=models.Model)


def correction_model(record: CorrectionRecord) -> models.Correction:
    return models.Correction(
        id=record.id,
        kind=record.kind,
        author_id=encode_id("Author", record.author_id),
        other_author_id=encode_id("Author", record.other_author_id),
        made_by=record.made_by,
        made_at=record.made_at,
        reason=record.reason,
        moved_paper_ids=[encode_id("Paper", paper_id) for paper_id in record.moved_paper_ids],
        undoes=record.undoes,
        undone_by=record.undone_by,
    )


def _created(record: CorrectionRecord) -> Response:
    return Response(
        correction_model(record).model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/v1/corrections/{record.id}"},
    )


def _curator(request: Request) -> str:
    return writer_name(getattr(request.state, "client", None))


async def _body(request: Request, model: type[BodyT]) -> tuple[BodyT, Claim | None]:
    """The body, checked member by member, and the request's claim on its `Idempotency-Key`."""
    body, sent = await read_body(request, model)
    return body, claim_of(request, _curator(request), sent)


async def _replayed(request: Request, outcome: Outcome) -> Response:
    """The answer to a request whose `Idempotency-Key` an earlier one used: that one's correction."""
    number = int(outcome.resource.split(":")[1])
    found = await corrections.corrections_by_ids(database(request), [number])
    response = _created(found[number])
    response.headers["Idempotent-Replayed"] = "true"
    return response


async def _author_rows(request: Request, named: dict[str, str]) -> dict[str, int]:
    """The row of each author id in the body, by member name; 400 naming a malformed one, 404 an unknown."""
    resolved = await resolve_ids(database(request), "Author", list(named.values()))
    rows: dict[str, int] = {}
    for member, found in zip(named, resolved, strict=True):
        if isinstance(found, InvalidInputError):
            raise InvalidInputError(f"`{member}`: {found}")
        if isinstance(found, NotFoundError):
            raise InvalidInputError(f"`{member}` names no stored author")
        rows[member] = found
    return rows


async def _paper_rows(request: Request, texts: list[str]) -> list[int]:
    resolved = await resolve_ids(database(request), "Paper", texts)
    rows = []
    for index, found in enumerate(resolved):
        if isinstance(found, InvalidInputError):
            raise InvalidInputError(f"`papers[{index}]`: {found}")
        if isinstance(found, NotFoundError):
            raise InvalidInputError(f"`papers[{index}]` names no stored paper")
        rows.append(found)
    return rows


@contextlib.contextmanager
def _named_in_the_body() -> Iterator[None]:
    """An author the body names, gone by the time the correction runs, is the body's fault: 400, not 404."""
    try:
        yield
    except NotFoundError as error:
        raise InvalidInputError(str(error)) from error


def _number(request: Request) -> int:
    text = request.path_params["correction_id"]
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFoundError(f"no correction numbered {text[:40]!r}")
    return int(text)


def routes(settings: Settings) -> list[Route]:
    async def merge(request: Request) -> Response:
        Query(request, ())
        made_by = _curator(request)
        body, claim = await _body(request, models.MergeRequest)
        rows = await _author_rows(request, {"survivor": body.survivor, "absorbed": body.absorbed})
        try:
            with _named_in_the_body():
                record = await corrections.merge_authors(
                    database(request),
                    rows["survivor"],
                    rows["absorbed"],
                    made_by=made_by,
                    reason=body.reason,
                    claim=claim,
                )
        except Replay as replay:
            return await _replayed(request, replay.outcome)
        return _created(record)

    async def split(request: Request) -> Response:
        Query(request, ())
        made_by = _curator(request)
        body, claim = await _body(request, models.SplitRequest)
        named = {"author": body.author, **({"into": body.into} if body.into is not None else {})}
        rows = await _author_rows(request, named)
        if len(body.papers) > corrections.MAX_SPLIT_PAPERS:
            raise InvalidInputError(f"`papers`: at most {corrections.MAX_SPLIT_PAPERS:,} (got {len(body.papers):,})")
        try:
            with _named_in_the_body():
                record = await corrections.split_author(
                    database(request),
                    rows["author"],
                    await _paper_rows(request, body.papers),
                    into=rows.get("into"),
                    new_name=body.new_name,
                    made_by=made_by,
                    reason=body.reason,
                    claim=claim,
                )
        except Replay as replay:
            return await _replayed(request, replay.outcome)
        return _created(record)

    async def undo(request: Request) -> Response:
        Query(request, ())
        made_by = _curator(request)
        body, claim = await _body(request, models.UndoRequest)
        try:
            record = await corrections.unmerge_authors(
                database(request), _number(request), made_by=made_by, reason=body.reason, claim=claim
            )
        except Replay as replay:
            return await _replayed(request, replay.outcome)
        return _created(record)

    async def list_all(request: Request) -> Response:
        query = Query(request, CORRECTION_LIST)
        window = query.window(settings.max_page_size)
        given = query.text("author")
        author = (await _author_rows(request, {"author": given}))["author"] if given else None
        db = database(request)
        page = await corrections.list_corrections(db, author, window)
        document = models.CorrectionPage(
            items=[correction_model(record) for record in page.items],
            total_count=await corrections.count_corrections(db, author),
            has_more=page.has_next,
            next_cursor=next_cursor(page, window),
        )
        return Response(document.model_dump_json(), media_type="application/json")

    async def get_one(request: Request) -> Response:
        Query(request, ())
        number = _number(request)
        found = await corrections.corrections_by_ids(database(request), [number])
        if number not in found:
            raise NotFoundError(f"no correction numbered {number}")
        return Response(correction_model(found[number]).model_dump_json(), media_type="application/json")

    return [
        Route("/v1/corrections", list_all, methods=["GET"]),
        Route("/v1/corrections/merges", merge, methods=["POST"]),
        Route("/v1/corrections/splits", split, methods=["POST"]),
        Route("/v1/corrections/{correction_id}/undo", undo, methods=["POST"]),
        Route("/v1/corrections/{correction_id}", get_one, methods=["GET"]),
    ]
