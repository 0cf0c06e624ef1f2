"""What the data layer returns: plain frozen records, one per kind of row, free of any HTTP concern."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Row = Mapping[str, Any]
"""A result row as the data layer sees it (asyncpg's Record is such a mapping)."""


@dataclass(frozen=True)
class AuthorRecord:
    id: int
    name: str
    primary_category: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Row) -> AuthorRecord:
        return cls(
            id=row["id"],
            name=row["name"],
            primary_category=row["primary_category"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


AUTHOR_COLUMNS = "a.id, a.name, a.primary_category, a.created_at, a.updated_at"


@dataclass(frozen=True)
class PaperRecord:
    id: int
    title: str
    abstract: str | None
    primary_category: str | None
    categories: tuple[str, ...]
    published_on: dt.date | None
    published_precision: str | None
    code_url: str | None
    has_code: bool
    authors_complete: bool
    citation_count: int
    reported_citation_count: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    retracted_at: dt.datetime | None = None
    retraction_reason: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> PaperRecord:
        return cls(
            id=row["id"],
            title=row["title"],
            abstract=row["abstract"],
            primary_category=row["primary_category"],
            categories=tuple(row["categories"]),
            published_on=row["published_on"],
            published_precision=row["published_precision"],
            code_url=row["code_url"],
            has_code=row["has_code"],
            authors_complete=row["authors_complete"],
            citation_count=row["citation_count"],
            reported_citation_count=row["reported_citation_count"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            retracted_at=row["retracted_at"],
            retraction_reason=row["retraction_reason"],
        )


PAPER_COLUMNS = (
    "p.id, p.title, p.abstract, p.primary_category, p.categories, p.published_on, p.published_precision, "
    "p.code_url, p.has_code, p.authors_complete, p.citation_count, p.reported_citation_count, "
    "p.created_at, p.updated_at, p.retracted_at, p.retraction_reason"
)


@dataclass(frozen=True)
class AuthorshipRecord:
    """An author on a paper's byline."""

    paper_id: int
    author: AuthorRecord
    position: int | None
    name_as_written: str
    affiliation: str | None


@dataclass(frozen=True)
class CoauthorRecord:
    """Another author who shares papers with the one asked about."""

    of_author_id: int
    author: AuthorRecord
    shared_paper_count: int
    first_shared_year: int | None
    last_shared_year: int | None


@dataclass(frozen=True)
class ReportedMetricsRecord:
    author_id: int
    source: str
    as_of: dt.date
    h_index: int | None
    i10_index: int | None
    citation_count: int | None
    paper_count: int | None
    novelty: Decimal | None
    ai_score: Decimal | None


@dataclass(frozen=True)
class YearCount:
    """One calendar year of an author: papers published in it, citations received from papers dated in it."""

    year: int
    paper_count: int
    citation_count: int


@dataclass(frozen=True)
class CitationFigures:
    """The five figures over one set of an author's papers (definitions in `api.db.metrics`)."""

    paper_count: int
    citation_count: int
    h_index: int
    i10_index: int
    g_index: int


@dataclass(frozen=True)
class ComputedMetricsRecord:
    """An author's stored computed figures: over all their papers (the flat fields), and the variants.

    `counts_by_year` holds only the years with a dated paper or a dated citation, ascending;
    `api.db.metrics.as_computed` fills the years in between with zeros.
    """

    author_id: int
    paper_count: int
    citation_count: int
    h_index: int
    i10_index: int
    g_index: int
    first_year: int | None
    last_year: int | None
    computed_at: dt.datetime | None
    two_year_mean_citedness: float | None
    counts_by_year: tuple[YearCount, ...]
    last_5_years: CitationFigures
    without_self_citations: CitationFigures


@dataclass(frozen=True)
class InstitutionRecord:
    id: int
    name: str
    country_code: str | None


@dataclass(frozen=True)
class MetricsRecord:
    """A set of figures as shown to clients, with where they come from (see `api.db.metrics`)."""

    h_index: int | None
    citation_count: int | None
    paper_count: int | None
    i10_index: int | None
    g_index: int | None
    m_quotient: float | None
    two_year_mean_citedness: float | None
    counts_by_year: tuple[YearCount, ...]
    novelty: Decimal | None
    ai_score: Decimal | None
    source: str
    as_of: dt.date | None
    computed_at: dt.datetime | None


@dataclass(frozen=True)
class FacetCount:
    """How many items of a list have one value of a facet (a category, a year)."""

    value: str
    count: int


@dataclass(frozen=True)
class PaperFacets:
    categories: list[FacetCount]
    years: list[FacetCount]
