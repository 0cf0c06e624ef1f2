"""Author figures over REST: the one conversion every response carrying metrics goes through, and the
bulk look-up for services (GET for up to 100 ids, POST for up to 1,000).

However many authors, their figures cost one statement per kind of data: the authors, their reported
figures, their computed figures (and one more when external ids need looking up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.db import authors, metrics
from api.db.pool import Database
from api.db.records import AuthorRecord, CitationFigures, ComputedMetricsRecord, ReportedMetricsRecord
from api.errors import InvalidInputError
from api.ids import encode_id
from api.rest import models
from api.rest.context import database, json_body, respond
from api.rest.lookup import resolve_ids
from api.rest.params import Param, Query

MAX_GET_IDS = 100
MAX_POST_IDS = 1_000

IDS = Param(
    "ids",
    f"Author ids separated by commas, at most {MAX_GET_IDS} (POST the same path for up to {MAX_POST_IDS:,}).",
    {"type": "string"},
)


async def author_models(db: Database, records: Sequence[AuthorRecord]) -> list[models.Author]:
    """Authors as REST resources with every set of figures, in the order given."""
    if not records:
        return []
    ids = [record.id for record in records]
    reported_of = await metrics.reported_metrics_of_authors(db, ids)
    computed_of = await metrics.computed_metrics_of_authors(db, ids)
    resources = []
    for record in records:
        reported, computed = reported_of[record.id], computed_of[record.id]
        resources.append(
            models.Author(
                id=encode_id("Author", record.id),
                name=record.name,
                primary_category=record.primary_category,
                metrics=models.Metrics.of(metrics.preferred(reported, computed)),
                computed_metrics=models.Metrics.of(metrics.as_computed(computed)),
                computed_metrics_last_5_years=models.Metrics.of(
                    metrics.as_computed(computed, metrics.Variant.LAST_5_YEARS)
                ),
                computed_metrics_without_self_citations=models.Metrics.of(
                    metrics.as_computed(computed, metrics.Variant.WITHOUT_SELF_CITATIONS)
                ),
                reported_metrics=[models.Metrics.of(metrics.as_reported(r)) for r in reported],
                updated_at=record.updated_at,
            )
        )
    return resources


def author_document(found: metrics.AuthorWithFigures) -> dict[str, Any]:
    """An author as `models.Author` serializes it (the same keys, order and values: `respond_document` writes
    the same bytes), built without records or models for the figures: GET /v1/authors/{id} is a hot path.
    The values are those `api.db.metrics` shows (`as_computed`, `as_reported`, `preferred`), mapped as
    `models.Metrics.of` maps them; tests/rest/test_author_document.py holds the two paths to the same bytes."""
    record, reported, computed = found.author, found.reported, found.computed
    computed_at = computed.computed_at
    shown = _computed_document(computed, metrics.current_year())
    reported_documents = [_reported_document(r) for r in reported]
    if reported_documents:
        latest = reported_documents[0]
        preferred = {**latest, **metrics.fills_from_computed(latest, shown)}
    else:
        preferred = shown
    return {
        "id": encode_id("Author", record.id),
        "name": record.name,
        "primary_category": record.primary_category,
        "metrics": preferred,
        "computed_metrics": shown,
        "computed_metrics_last_5_years": _variant_document(computed.last_5_years, computed_at),
        "computed_metrics_without_self_citations": _variant_document(computed.without_self_citations, computed_at),
        "reported_metrics": reported_documents,
        "updated_at": record.updated_at,
    }


def _computed_document(computed: ComputedMetricsRecord, year: int) -> dict[str, Any]:
    """`models.Metrics.of(metrics.as_computed(computed, year=year))`, as JSON values."""
    return {
        "h_index": computed.h_index,
        "citation_count": computed.citation_count,
        "paper_count": computed.paper_count,
        "i10_index": computed.i10_index,
        "g_index": computed.g_index,
        "m_quotient": metrics.m_quotient(computed.h_index, computed.first_year, year),
        "two_year_mean_citedness": computed.two_year_mean_citedness,
        "counts_by_year": [
            {"year": c.year, "paper_count": c.paper_count, "citation_count": c.citation_count}
            for c in metrics.fill_years(computed.counts_by_year, year)
        ],
        "novelty": None,
        "ai_score": None,
        "source": metrics.COMPUTED_SOURCE,
        "as_of": None,
        "computed_at": computed.computed_at,
    }


def _variant_document(figures: CitationFigures, computed_at: dt.datetime | None) -> dict[str, Any]:
    """`models.Metrics.of(metrics.as_computed(computed, variant))`, as JSON values."""
    return {
        "h_index": figures.h_index,
        "citation_count": figures.citation_count,
        "paper_count": figures.paper_count,
        "i10_index": figures.i10_index,
        "g_index": figures.g_index,
        "m_quotient": None,
        "two_year_mean_citedness": None,
        "counts_by_year": [],
        "novelty": None,
        "ai_score": None,
        "source": metrics.COMPUTED_SOURCE,
        "as_of": None,
        "computed_at": computed_at,
    }


def _reported_document(reported: ReportedMetricsRecord) -> dict[str, Any]:
    """`models.Metrics.of(metrics.as_reported(reported))`, as JSON values."""
    return {
        "h_index": reported.h_index,
        "citation_count": reported.citation_count,
        "paper_count": reported.paper_count,
        "i10_index": reported.i10_index,
        "g_index": None,
        "m_quotient": None,
        "two_year_mean_citedness": None,
        "counts_by_year": [],
        "novelty": None if reported.novelty is None else float(reported.novelty),
        "ai_score": None if reported.ai_score is None else float(reported.ai_score),
        "source": reported.source,
        "as_of": reported.as_of,
        "computed_at": None,
    }


async def figures_of(db: Database, texts: Sequence[str]) -> models.AuthorFiguresList:
    """The figures of the authors `texts` name, in the order asked; null for an id naming no author.
    InvalidInputError naming the first malformed id, if any (the client has a bug to fix: say which)."""
    resolved = await resolve_ids(db, "Author", texts)
    malformed = next((row for row in resolved if isinstance(row, InvalidInputError)), None)
    if malformed is not None:
        raise InvalidInputError(f"`ids`: {malformed}") from malformed
    rows = [row for row in resolved if isinstance(row, int)]
    found = await authors.authors_by_ids(db, rows)
    known = sorted({record.id for record in found.values()})  # a merged id names its survivor
    reported_of = await metrics.reported_metrics_of_authors(db, known) if known else {}
    computed_of = await metrics.computed_metrics_of_authors(db, known) if known else {}
    items: list[models.AuthorFigures | None] = []
    for row in resolved:
        record = found.get(row) if isinstance(row, int) else None
        if record is None:
            items.append(None)
            continue
        reported, computed = reported_of[record.id], computed_of[record.id]
        items.append(
            models.AuthorFigures(
                id=encode_id("Author", record.id),
                name=record.name,
                metrics=models.Metrics.of(metrics.preferred(reported, computed)),
                computed_metrics=models.Metrics.of(metrics.as_computed(computed)),
            )
        )
    return models.AuthorFiguresList(items=items)


async def get_metrics(request: Request) -> Response:
    query = Query(request, (IDS,))
    given = query.text("ids")
    if given is None:
        raise InvalidInputError("`ids` is required: author ids separated by commas")
    texts = [text.strip() for text in given.split(",")] if given.strip() else []
    if len(texts) > MAX_GET_IDS:
        raise InvalidInputError(
            f"`ids`: at most {MAX_GET_IDS} ids in a GET (got {len(texts)}); POST up to {MAX_POST_IDS:,}"
        )
    return respond(await figures_of(database(request), texts))


async def post_metrics(request: Request) -> Response:
    Query(request, ())
    body = await json_body(request)
    if not isinstance(body, dict) or set(body) != {"ids"}:
        raise InvalidInputError('the body must be a JSON object {"ids": [...]} with no other member')
    texts = body["ids"]
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        raise InvalidInputError("`ids` must be a list of strings")
    if len(texts) > MAX_POST_IDS:
        raise InvalidInputError(f"`ids`: at most {MAX_POST_IDS:,} ids per request (got {len(texts):,})")
    return respond(await figures_of(database(request), texts))


def routes() -> list[Route]:
    async def bulk(request: Request) -> Response:
        return await (post_metrics if request.method == "POST" else get_metrics)(request)

    return [Route("/v1/authors/metrics", bulk, methods=["GET", "POST"])]
