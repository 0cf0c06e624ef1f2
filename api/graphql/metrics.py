"""An author's figures as GraphQL types: computed or reported sets, their variants, the per-year series."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from api.db import metrics
from api.db.records import MetricsRecord


@strawberry.type(description="One calendar year of an author's record (computed figures).")
class YearCount:
    year: int = strawberry.field(description="The calendar year.")
    paper_count: int = strawberry.field(description="The author's papers published in this year.")
    citation_count: int = strawberry.field(
        description=(
            "Citations of the author's papers made by papers published in this year (a citation is dated by its "
            "citing paper; a paper citing two of the author's papers counts twice)."
        )
    )


@strawberry.enum(description="Which papers and citations a computed set of figures counts.")
class MetricsVariant(Enum):
    ALL = strawberry.enum_value(
        metrics.Variant.ALL.value, description="Every stored paper of the author, with every stored citation."
    )
    LAST_5_YEARS = strawberry.enum_value(
        metrics.Variant.LAST_5_YEARS.value,
        description=(
            "The papers published in Y-4..Y, Y the UTC year of `computedAt` (undated papers excluded), each with "
            "all its citations whatever their date."
        ),
    )
    WITHOUT_SELF_CITATIONS = strawberry.enum_value(
        metrics.Variant.WITHOUT_SELF_CITATIONS.value,
        description=(
            "Every paper of the author, leaving out citations from papers the author is also on (citations from "
            "coauthors' papers without the author still count)."
        ),
    )


@strawberry.type(
    description=(
        "An author's figures. Over the author's papers, with c_1 >= c_2 >= ... >= c_n their citation counts: "
        "paperCount = n; citationCount = c_1 + ... + c_n; hIndex = the largest h with c_h >= h; "
        "i10Index = #{i : c_i >= 10}; gIndex = the largest g <= n with c_1 + ... + c_g >= g^2. "
        "Computed figures count the papers and citations stored here (c_i: stored papers citing paper i; "
        "undated papers count here, never in a year; a citation is dated by its citing paper's year); Y is the "
        "UTC year of `computedAt`. mQuotient, twoYearMeanCitedness and countsByYear are defined for the "
        "computed set over all papers (and `metrics` filled from it); they are null or empty in the variants "
        "and in reported sets unless the source reports them. Reported figures are a source's own, from its "
        "wider corpus, as of a date."
    )
)
class AuthorMetrics:
    h_index: int | None = strawberry.field(
        description="h-index: the largest h such that h papers have >= h citations each (0 without papers)."
    )
    citation_count: int | None = strawberry.field(description="Total citations of the author's papers.")
    paper_count: int | None = strawberry.field(description="Number of the author's papers.")
    i10_index: int | None = strawberry.field(description="i10-index: number of papers with at least 10 citations.")
    g_index: int | None = strawberry.field(
        description=(
            "g-index: the largest g <= paperCount such that the g most cited papers have >= g^2 citations together."
        )
    )
    m_quotient: float | None = strawberry.field(
        description=(
            "m-quotient: hIndex / (T - firstYear + 1), T the current UTC year and firstYear the year of the "
            "author's earliest dated paper; the denominator is at least 1. Computed when read from the stored "
            "hIndex. Null when no paper is dated."
        )
    )
    two_year_mean_citedness: float | None = strawberry.field(
        description=(
            "2-year mean citedness: C / N, N the author's papers published in Y-3 or Y-2 and C the citations those "
            "papers received from papers published in Y-1 (the last complete year; the impact factor's "
            "construction). Null when N = 0."
        )
    )
    counts_by_year: list[YearCount] = strawberry.field(
        description=(
            "Papers and citations per calendar year, ascending, every year from the earliest year with a dated "
            "paper or dated citation to the later of the latest such year and the current UTC year, zero years "
            "included, no cap. Empty when nothing is dated."
        )
    )
    novelty: float | None = strawberry.field(
        description=(
            "Platform score reported by `source`: novelty as a fraction in [0, 1] (59% is 0.59). Never computed."
        )
    )
    ai_score: float | None = strawberry.field(
        description="Platform score reported by `source` (the AI score). Never computed."
    )
    source: str = strawberry.field(
        description=(
            "Where the figures come from: `computed` (this database's papers and citations) or a source's name."
        )
    )
    as_of: dt.date | None = strawberry.field(description="For reported figures: the date the source reported them.")
    computed_at: dt.datetime | None = strawberry.field(
        description=(
            "For computed figures: when they last changed (they are recomputed by every write touching the author)."
        )
    )

    @classmethod
    def of(cls, record: MetricsRecord) -> AuthorMetrics:
        return cls(
            h_index=record.h_index,
            citation_count=record.citation_count,
            paper_count=record.paper_count,
            i10_index=record.i10_index,
            g_index=record.g_index,
            m_quotient=record.m_quotient,
            two_year_mean_citedness=record.two_year_mean_citedness,
            counts_by_year=[
                YearCount(year=c.year, paper_count=c.paper_count, citation_count=c.citation_count)
                for c in record.counts_by_year
            ],
            novelty=None if record.novelty is None else float(record.novelty),
            ai_score=None if record.ai_score is None else float(record.ai_score),
            source=record.source,
            as_of=record.as_of,
            computed_at=record.computed_at,
        )
