"""Writes over REST, for trusted services (an API key with the `write` scope; 403 otherwise):

    POST  /v1/papers                              PaperRequest            201 Paper, Location
    PATCH /v1/papers/{id}                         PaperRequest            200 Paper
    POST  /v1/papers/{id}/retraction              RetractionRequest       200 Paper
    POST  /v1/authors                             AuthorRequest           201 Author, Location
    PATCH /v1/authors/{id}                        AuthorRequest           200 Author
    POST  /v1/authors/{id}/reported-metrics       ReportedMetricsRequest  200 Author

Each is one transaction (`api.db.edits`) and answers the resource as GET answers it, after the commit,
its computed figures already current. A body is checked whole: every wrong member is listed in
`error.fields` with its path (`400 invalid_input`), nothing written. An id in the path that names a
merged author or paper writes to the survivor (a 301 would turn a client's PATCH into a GET).

`Idempotency-Key` (any of these, and the corrections' POSTs): a request sent again with the key the same
client used within 24 hours is answered with the first one's status and the resource as it is now, with
`Idempotent-Replayed: true`, and nothing is written again; the key with another request is
`422 idempotency_key_reused` (`api.db.idempotency`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.auth import writer_name
from api.db import edits, metrics, papers
from api.db.drafts import KEEP, REPORTED_FIGURES, AuthorDraft, BylineEntry, FiguresReport, Keep, PaperDraft
from api.db.idempotency import HEADER, Claim, Outcome
from api.db.pool import Database
from api.errors import FieldProblem, InvalidFieldsError, NotFoundError
from api.ids import encode_id
from api.rest import models
from api.rest.context import database, json_body, respond_document
from api.rest.lookup import path_author, path_paper
from api.rest.metrics import author_document
from api.rest.papers import paper_models
from api.rest.params import Query

BodyT = TypeVar("BodyT", bound=models.Model)


async def read_body(request: Request, model: type[BodyT]) -> tuple[BodyT, Any]:
    """The body as `model` and as sent; InvalidFieldsError listing every wrong member."""
    sent = await json_body(request)
    try:
        return model.model_validate(sent), sent
    except ValidationError as error:
        problems = [FieldProblem(tuple(e["loc"]), e["msg"][:1].lower() + e["msg"][1:]) for e in error.errors()]
        raise InvalidFieldsError(problems) from None


def claim_of(request: Request, client_name: str, sent: Any) -> Claim | None:
    """The request's claim on its `Idempotency-Key`, if it sends one."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    return Claim.of(client_name, key, request.method, request.url.path, sent)


def _member(body: models.Model, name: str, value: Any) -> Any:
    """A member's value for a draft: KEEP unless the body sends it."""
    return value if name in body.model_fields_set else KEEP


def _paper_draft(body: models.PaperRequest) -> PaperDraft:
    def member(name: str) -> Any:
        return _member(body, name, getattr(body, name))

    def listed(name: str) -> list[str] | Keep:
        value = member(name)
        return value if isinstance(value, Keep) else list(value or [])

    title = member("title")
    byline = member("authors")
    ids = member("external_ids")
    return PaperDraft(
        title="" if title is None else title,
        abstract=member("abstract"),
        primary_category=member("primary_category"),
        categories=listed("categories"),
        published=member("published"),
        code_url=member("code_url"),
        reported_citation_count=member("reported_citation_count"),
        external_ids=KEEP if isinstance(ids, Keep) else (ids or {}),
        authors=KEEP if isinstance(byline, Keep) else [BylineEntry(**entry.model_dump()) for entry in byline or []],
        institutions=listed("institutions"),
    )


def _author_draft(body: models.AuthorRequest) -> AuthorDraft:
    name = _member(body, "name", body.name)
    ids = _member(body, "external_ids", body.external_ids)
    return AuthorDraft(
        name="" if name is None else name,
        primary_category=_member(body, "primary_category", body.primary_category),
        external_ids=KEEP if isinstance(ids, Keep) else (ids or {}),
    )


def _report(body: models.ReportedMetricsRequest) -> FiguresReport:
    return FiguresReport.of(body.source, body.as_of, **{name: getattr(body, name) for name in REPORTED_FIGURES})


def _headers(outcome: Outcome, location: str) -> dict[str, str]:
    headers = {"Location": location} if outcome.status == 201 else {}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return headers


async def _paper_answer(request: Request, outcome: Outcome) -> Response:
    paper_id = int(outcome.resource.split(":")[1])
    found = await papers.papers_by_ids(database(request), [paper_id])
    if paper_id not in found:
        raise NotFoundError(f"the paper written is no longer stored as {encode_id('Paper', paper_id)}")
    (paper,) = await paper_models(database(request), [found[paper_id]])
    location = f"/v1/papers/{paper.id}"
    return Response(
        paper.model_dump_json(),
        status_code=outcome.status,
        media_type="application/json",
        headers=_headers(outcome, location),
    )


async def _author_answer(request: Request, outcome: Outcome) -> Response:
    author_id = int(outcome.resource.split(":")[1])
    found = await metrics.author_with_figures(database(request), author_id)
    if found is None:
        raise NotFoundError(f"the author written is no longer stored as {encode_id('Author', author_id)}")
    response = respond_document(author_document(found))
    response.status_code = outcome.status
    response.headers.update(_headers(outcome, f"/v1/authors/{encode_id('Author', found.author.id)}"))
    return response


@dataclass(frozen=True)
class Written(Generic[BodyT]):
    """What a write handler has once its request is checked: the body, the claim on its key, the database."""

    body: BodyT
    claim: Claim | None
    db: Database


async def _checked(request: Request, model: type[BodyT]) -> Written[BodyT]:
    """In the order every write checks its request: parameters (none taken), the write scope, the body."""
    Query(request, ())
    writer = writer_name(getattr(request.state, "client", None))
    body, sent = await read_body(request, model)
    return Written(body, claim_of(request, writer, sent), database(request))


def routes() -> list[Route]:
    async def create_paper(request: Request) -> Response:
        w = await _checked(request, models.PaperRequest)
        return await _paper_answer(request, await edits.create_paper(w.db, _paper_draft(w.body), claim=w.claim))

    async def update_paper(request: Request) -> Response:
        w = await _checked(request, models.PaperRequest)
        paper_id = (await path_paper(request, follow_merges=True)).id
        outcome = await edits.update_paper(w.db, paper_id, _paper_draft(w.body), claim=w.claim)
        return await _paper_answer(request, outcome)

    async def retract_paper(request: Request) -> Response:
        w = await _checked(request, models.RetractionRequest)
        paper_id = (await path_paper(request, follow_merges=True)).id
        outcome = await edits.retract_paper(w.db, paper_id, w.body.reason, claim=w.claim)
        return await _paper_answer(request, outcome)

    async def create_author(request: Request) -> Response:
        w = await _checked(request, models.AuthorRequest)
        return await _author_answer(request, await edits.create_author(w.db, _author_draft(w.body), claim=w.claim))

    async def update_author(request: Request) -> Response:
        w = await _checked(request, models.AuthorRequest)
        author_id = (await path_author(request, follow_merges=True)).id
        outcome = await edits.update_author(w.db, author_id, _author_draft(w.body), claim=w.claim)
        return await _author_answer(request, outcome)

    async def report_metrics(request: Request) -> Response:
        w = await _checked(request, models.ReportedMetricsRequest)
        author_id = (await path_author(request, follow_merges=True)).id
        outcome = await edits.report_figures(w.db, author_id, _report(w.body), claim=w.claim)
        return await _author_answer(request, outcome)

    # Before the reads: their `{id:path}` would take `.../retraction` as part of an id.
    return [
        Route("/v1/papers", create_paper, methods=["POST"]),
        Route("/v1/papers/{paper_id:path}/retraction", retract_paper, methods=["POST"]),
        Route("/v1/papers/{paper_id:path}", update_paper, methods=["PATCH"]),
        Route("/v1/authors", create_author, methods=["POST"]),
        Route("/v1/authors/{author_id:path}/reported-metrics", report_metrics, methods=["POST"]),
        Route("/v1/authors/{author_id:path}", update_author, methods=["PATCH"]),
    ]
