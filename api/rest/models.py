"""The REST resources as pydantic models: the single source of their JSON shape and their OpenAPI schema."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from api.db.records import AuthorRecord, MetricsRecord, PaperRecord
from api.ids import encode_id


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Metrics(Model):
    """An author's figures; see each field for its definition."""

    h_index: int | None = Field(description="Largest h such that h papers have at least h citations each.")
    citation_count: int | None = Field(description="Total citations of the author's papers.")
    paper_count: int | None = Field(description="Number of the author's papers.")
    i10_index: int | None = Field(description="Number of papers with at least 10 citations.")
    g_index: int | None = Field(
        description="Largest g <= paper_count such that the g most cited papers have >= g^2 citations together."
    )
    novelty: float | None = Field(description="Platform score reported by `source`, a fraction in [0, 1].")
    ai_score: float | None = Field(description="Platform score reported by `source`.")
    source: str = Field(description="`computed` (from this database) or the reporting source's name.")
    as_of: dt.date | None = Field(description="For reported figures: the date the source reported them.")
    computed_at: dt.datetime | None = Field(description="For computed figures: when they last changed.")

    @classmethod
    def of(cls, record: MetricsRecord) -> Metrics:
        return cls(
            h_index=record.h_index,
            citation_count=record.citation_count,
            paper_count=record.paper_count,
            i10_index=record.i10_index,
            g_index=record.g_index,
            novelty=None if record.novelty is None else float(record.novelty),
            ai_score=None if record.ai_score is None else float(record.ai_score),
            source=record.source,
            as_of=record.as_of,
            computed_at=record.computed_at,
        )


class AuthorRef(Model):
    id: str = Field(description="Global id, the same as over GraphQL.")
    name: str

    @classmethod
    def of(cls, record: AuthorRecord) -> AuthorRef:
        return cls(id=encode_id("Author", record.id), name=record.name)


class Author(Model):
    """A researcher with their figures."""

    id: str = Field(description="Global id, the same as over GraphQL.")
    name: str = Field(description="Display name.")
    primary_category: str | None = Field(description="Main arXiv category, e.g. cs.LG.")
    metrics: Metrics = Field(description="Reported figures where a source reports them, else computed.")
    computed_metrics: Metrics = Field(description="Figures computed from this database's papers and citations.")
    reported_metrics: list[Metrics] = Field(description="Every reported set of figures, newest first.")
    updated_at: dt.datetime


class Paper(Model):
    """A paper's metadata and its byline."""

    id: str = Field(description="Global id, the same as over GraphQL.")
    title: str
    abstract: str | None
    primary_category: str | None = Field(description="Primary arXiv category, e.g. cs.LG.")
    categories: list[str]
    published_on: dt.date | None
    published_precision: str | None = Field(description="day, month or year.")
    has_code: bool
    code_url: str | None
    citation_count: int = Field(description="Citations stored in this database.")
    reported_citation_count: int | None = Field(description="Citations as reported by the paper's source.")
    authors_complete: bool = Field(description="False when the source showed only part of the byline.")
    authors: list[AuthorRef] = Field(description="Authors in byline order.")
    updated_at: dt.datetime

    @classmethod
    def of(cls, record: PaperRecord, authors: list[AuthorRecord]) -> Paper:
        return cls(
            id=encode_id("Paper", record.id),
            title=record.title,
            abstract=record.abstract,
            primary_category=record.primary_category,
            categories=list(record.categories),
            published_on=record.published_on,
            published_precision=record.published_precision,
            has_code=record.has_code,
            code_url=record.code_url,
            citation_count=record.citation_count,
            reported_citation_count=record.reported_citation_count,
            authors_complete=record.authors_complete,
            authors=[AuthorRef.of(a) for a in authors],
            updated_at=record.updated_at,
        )


class Coauthor(Model):
    author: AuthorRef
    shared_paper_count: int = Field(description="Papers both authors are on.")
    first_shared_year: int | None
    last_shared_year: int | None


class PaperPage(Model):
    """A page of papers; pass `next_cursor` as `after` for the next one."""

    items: list[Paper]
    total_count: int = Field(description="Exact number of items in the whole list.")
    has_more: bool = Field(description="Whether items follow this page.")
    next_cursor: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


class CoauthorPage(Model):
    """A page of coauthors, most shared papers first; pass `next_cursor` as `after` for the next one."""

    items: list[Coauthor]
    total_count: int = Field(description="Exact number of coauthors.")
    has_more: bool = Field(description="Whether items follow this page.")
    next_cursor: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


class ErrorBody(Model):
    code: str = Field(description="not_found, invalid_input or unavailable.")
    message: str = Field(description="What was wrong, for a person to read.")


class Error(Model):
    error: ErrorBody
