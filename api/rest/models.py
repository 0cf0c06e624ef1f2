"""The REST resources as pydantic models: the single source of their JSON shape and their OpenAPI schema."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

from api.db.records import AuthorRecord, FacetCount, InstitutionRecord, MetricsRecord, PaperFacets, PaperRecord
from api.ids import encode_id


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class YearCount(Model):
    """One calendar year of an author's record (computed figures)."""

    year: int
    paper_count: int = Field(description="The author's papers published in this year.")
    citation_count: int = Field(
        description="Citations of the author's papers made by papers published in this year (the citing paper's year)."
    )


class Metrics(Model):
    """An author's figures; see each field for its definition (docs/graphql.md has the formulas, the same as
    GraphQL's `AuthorMetrics`). Y is the UTC year of `computed_at`. `m_quotient`, `two_year_mean_citedness` and
    `counts_by_year` belong to the computed set over all papers; they are null or empty in the variants and in
    reported sets (unless the source reports them)."""

    h_index: int | None = Field(description="Largest h such that h papers have at least h citations each.")
    citation_count: int | None = Field(description="Total citations of the author's papers.")
    paper_count: int | None = Field(description="Number of the author's papers.")
    i10_index: int | None = Field(description="Number of papers with at least 10 citations.")
    g_index: int | None = Field(
        description="Largest g <= paper_count such that the g most cited papers have >= g^2 citations together."
    )
    m_quotient: float | None = Field(
        description=(
            "h_index / (T - first year + 1), T the current UTC year, the first year that of the earliest dated "
            "paper; the denominator is at least 1. Null when no paper is dated."
        )
    )
    two_year_mean_citedness: float | None = Field(
        description=(
            "Citations made in Y-1 to the author's papers published in Y-3 or Y-2, divided by the number of those "
            "papers. Null when there are none."
        )
    )
    counts_by_year: list[YearCount] = Field(
        description=(
            "Every year from the earliest year with a dated paper or dated citation to the later of the latest "
            "such year and the current UTC year, ascending, zero years included, no cap. Empty when nothing is dated."
        )
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


class AuthorRef(Model):
    """An author named by another resource: follow `id` to GET /v1/authors/{id}."""

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
    computed_metrics_last_5_years: Metrics = Field(
        description="Computed figures over the papers published in Y-4..Y, each with all its citations."
    )
    computed_metrics_without_self_citations: Metrics = Field(
        description="Computed figures over all the papers, without citations from papers the author is also on."
    )
    reported_metrics: list[Metrics] = Field(description="Every reported set of figures, newest first.")
    updated_at: dt.datetime


class InstitutionRef(Model):
    """An institution named by another resource: follow `id` to GET /v1/institutions/{id}."""

    id: str = Field(description="Global id, the same as over GraphQL.")
    name: str

    @classmethod
    def of(cls, record: InstitutionRecord) -> InstitutionRef:
        return cls(id=encode_id("Institution", record.id), name=record.name)


class Institution(Model):
    """A university, lab or company that authors are affiliated with."""

    id: str = Field(description="Global id, the same as over GraphQL.")
    name: str = Field(description="Name as the source gives it.")
    country_code: str | None = Field(description="ISO 3166-1 alpha-2 country code, when known.")

    @classmethod
    def of(cls, record: InstitutionRecord) -> Institution:
        return cls(id=encode_id("Institution", record.id), name=record.name, country_code=record.country_code)


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
    authors: list[AuthorRef] = Field(description="Authors in byline order (authors of unknown position last).")
    institutions: list[InstitutionRef] = Field(
        description="Institutions named for the paper, by the source or an author's affiliation; by name."
    )
    updated_at: dt.datetime
    retracted_at: dt.datetime | None = Field(
        description="When the paper was retracted; null while it stands. It counts in no computed figure then."
    )
    retraction_reason: str | None = Field(description="Why it was retracted; null while it stands.")

    @classmethod
    def of(cls, record: PaperRecord, authors: list[AuthorRecord], institutions: list[InstitutionRecord]) -> Paper:
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
            institutions=[InstitutionRef.of(i) for i in institutions],
            updated_at=record.updated_at,
            retracted_at=record.retracted_at,
            retraction_reason=record.retraction_reason,
        )


class Coauthor(Model):
    """Another author who shares papers with the author asked about: a coauthorship edge."""

    author: AuthorRef = Field(description="The coauthor; their shared papers are at .../coauthors/{author.id}/papers.")
    shared_paper_count: int = Field(description="Papers both authors are on.")
    first_shared_year: int | None = Field(description="Year of the earliest dated shared paper.")
    last_shared_year: int | None = Field(description="Year of the latest dated shared paper.")


class Facet(Model):
    value: str = Field(description="The category (e.g. `cs.LG`) or the year (e.g. `2024`).")
    count: int = Field(description="Papers of the whole filtered list (all pages) with this value.")

    @classmethod
    def of(cls, record: FacetCount) -> Facet:
        return cls(value=record.value, count=record.count)


class Facets(Model):
    """Counts of a filtered paper list by category and by year, over all its pages."""

    categories: list[Facet] = Field(
        description="Every category of the list's papers, most papers first (a paper counts under each category)."
    )
    years: list[Facet] = Field(description="Every publication year of the list's papers, newest first.")

    @classmethod
    def of(cls, record: PaperFacets) -> Facets:
        return cls(categories=[Facet.of(f) for f in record.categories], years=[Facet.of(f) for f in record.years])


def _absent_not_null(schema: JsonDict) -> None:
    """For a member left out rather than null: no `default` in its schema."""
    schema.pop("default", None)


_TOTAL = "Exact number of items in the whole list (all pages), not an estimate."
_HAS_MORE = "Whether items follow this page."
_NEXT = "Pass as `after` for the next page; null on the last page."


class PaperPage(Model):
    """A page of papers; pass `next_cursor` as `after` for the next one."""

    items: list[Paper]
    total_count: int = Field(description=_TOTAL)
    has_more: bool = Field(description=_HAS_MORE)
    next_cursor: str | None = Field(description=_NEXT)
    facets: Facets | SkipJsonSchema[None] = Field(
        default=None,
        description="Present only with `facets=true`: counts of the whole filtered list.",
        json_schema_extra=_absent_not_null,
    )


class AuthorPage(Model):
    """A page of authors; pass `next_cursor` as `after` for the next one."""

    items: list[Author]
    total_count: int = Field(description=_TOTAL)
    has_more: bool = Field(description=_HAS_MORE)
    next_cursor: str | None = Field(description=_NEXT)


class CoauthorPage(Model):
    """A page of coauthors; pass `next_cursor` as `after` for the next one."""

    items: list[Coauthor]
    total_count: int = Field(description=_TOTAL)
    has_more: bool = Field(description=_HAS_MORE)
    next_cursor: str | None = Field(description=_NEXT)


class InstitutionPage(Model):
    """A page of institutions, by name; pass `next_cursor` as `after` for the next one."""

    items: list[Institution]
    total_count: int = Field(description=_TOTAL)
    has_more: bool = Field(description=_HAS_MORE)
    next_cursor: str | None = Field(description=_NEXT)


class AuthorFigures(Model):
    """An author's figures, as the bulk look-up answers them."""

    id: str = Field(description="Global id, the same as over GraphQL (also when asked by another id).")
    name: str = Field(description="Display name.")
    metrics: Metrics = Field(description="Reported figures where a source reports them, else computed.")
    computed_metrics: Metrics = Field(description="Figures computed from this database's papers and citations.")


class AuthorFiguresList(Model):
    """One entry per id asked, in the order asked: null for an unknown or malformed id."""

    items: list[AuthorFigures | None]


class AuthorIds(Model):
    """The body of POST /v1/authors/metrics."""

    ids: list[str] = Field(description="Author ids, at most 1,000; duplicates are answered each time.")


class Correction(Model):
    """A correction of authors made through the API: what, to whom, by whom, when, why, what moved."""

    id: int = Field(description="The correction's number (undo a merge with POST /v1/corrections/{id}/undo).")
    kind: str = Field(description="merge, split or unmerge.")
    author_id: str = Field(
        description="merge: the survivor; split: the author papers were taken from; unmerge: the author brought back."
    )
    other_author_id: str = Field(
        description="merge: the author merged away; split: the author the papers went to; unmerge: the survivor."
    )
    made_by: str = Field(description="The name of the API key that made it.")
    made_at: dt.datetime = Field(description="When it was made.")
    reason: str = Field(description="Why, in the words of whoever made it.")
    moved_paper_ids: list[str] = Field(description="The evidence: the papers whose bylines it changed.")
    undoes: int | None = Field(description="unmerge: the merge it undid.")
    undone_by: int | None = Field(description="merge: the unmerge that undid it, if any.")


class CorrectionPage(Model):
    """A page of corrections, newest first; pass `next_cursor` as `after` for the next one."""

    items: list[Correction]
    total_count: int = Field(description=_TOTAL)
    has_more: bool = Field(description=_HAS_MORE)
    next_cursor: str | None = Field(description=_NEXT)


class Change(Model):
    """One change to an author or a paper."""

    at: dt.datetime = Field(description="When it happened.")
    entity: str = Field(description="author or paper.")
    id: str = Field(description="The global id of the author or paper it is about.")
    kind: str = Field(
        description=(
            "created, updated (its latest change: fetch it as it is now), merged_into (its id names `other_id` "
            "from now on), split_from (it received papers split from `other_id`) or retracted (a paper, at its "
            "retraction)."
        )
    )
    other_id: str | None = Field(description="merged_into: the survivor; split_from: the author the papers came from.")


class ChangePage(Model):
    """A page of the change feed, oldest first; pass `next_cursor` as `after` for the next one, now or later."""

    items: list[Change]
    has_more: bool = Field(description=_HAS_MORE)
    next_cursor: str | None = Field(
        description=(
            "Pass as `after` for the next page, now or later, also when `has_more` is false: the feed goes on from "
            "there (null only when no event was ever read)."
        )
    )
    horizon: dt.datetime = Field(
        description="The feed is complete up to this moment; changes of transactions still running come later."
    )


class MergeRequest(Model):
    """The body of POST /v1/corrections/merges."""

    survivor: str = Field(description="The author that stays (global or external id).")
    absorbed: str = Field(description="The author merged into it; its id will answer with the survivor.")
    reason: str = Field(description="Why, shown to everyone (required).")


class SplitRequest(Model):
    """The body of POST /v1/corrections/splits."""

    author: str = Field(description="The author papers are taken from.")
    papers: list[str] = Field(description="Global ids of the author's papers to move, at most 1,000.")
    into: str | None = Field(default=None, description="An existing author to move them to.")
    new_name: str | None = Field(default=None, description="Else the name of the new author (default: the author's).")
    reason: str = Field(description="Why, shown to everyone (required).")


class UndoRequest(Model):
    """The body of POST /v1/corrections/{id}/undo."""

    reason: str = Field(description="Why, shown to everyone (required).")


class BylineEntryRequest(Model):
    """One author of a byline: `author` (a stored author) or `name` (a new author), not both."""

    author: str | None = Field(default=None, description="A stored author: global or external id.")
    name: str | None = Field(default=None, description="Else the name of a new author to create.")
    name_as_written: str | None = Field(default=None, description="As the paper prints it (default: the name).")
    affiliation: str | None = Field(default=None, description="This author's affiliation on the paper.")


class PaperRequest(Model):
    """The body of POST /v1/papers (`title` required) and PATCH /v1/papers/{id} (only the members sent
    change; null clears one; `authors` replaces the byline, `institutions` the list, `external_ids` the
    schemes named)."""

    title: str | None = Field(default=None, description="1 to 1,000 characters.")
    abstract: str | None = Field(default=None, description="Up to 100,000 characters.")
    primary_category: str | None = Field(default=None, description="An arXiv category, e.g. cs.LG.")
    categories: list[str] | None = Field(default=None, description="arXiv categories, up to 50.")
    published: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD: the date and its precision.")
    code_url: str | None = Field(default=None, description="An http(s) link to the paper's code.")
    reported_citation_count: int | None = Field(default=None, description="Citations as the source reports them.")
    external_ids: dict[str, str | None] | None = Field(
        default=None, description="Ids by scheme (doi, arxiv, openalex, s2): a value sets it, null removes it."
    )
    authors: list[BylineEntryRequest] | None = Field(
        default=None, description="The byline in order, up to 1,000 authors; positions are 1, 2, ..."
    )
    institutions: list[str] | None = Field(default=None, description="Institutions named for the paper (up to 100).")


class AuthorRequest(Model):
    """The body of POST /v1/authors (`name` required) and PATCH /v1/authors/{id} (only the members sent change)."""

    name: str | None = Field(default=None, description="1 to 500 characters.")
    primary_category: str | None = Field(default=None, description="An arXiv category, e.g. cs.LG.")
    external_ids: dict[str, str | None] | None = Field(
        default=None, description="Ids by scheme (orcid, openalex, s2): a value sets it, null removes it."
    )


class ReportedMetricsRequest(Model):
    """The body of POST /v1/authors/{id}/reported-metrics: a source's figures as of a date (at least one)."""

    source: str = Field(description="Who reports them (not `computed`), e.g. google-scholar.")
    as_of: dt.date = Field(description="The date the source gave them.")
    h_index: int | None = None
    i10_index: int | None = None
    citation_count: int | None = None
    paper_count: int | None = None
    novelty: float | None = Field(default=None, description="Between 0 and 1.")
    ai_score: float | None = None


class RetractionRequest(Model):
    """The body of POST /v1/papers/{id}/retraction."""

    reason: str = Field(description="Why, as the retraction says (required).")


class FieldError(Model):
    field: str = Field(description="The member's path in the body, e.g. `authors[1].author`.")
    message: str = Field(description="What is wrong with it.")


class ErrorBody(Model):
    code: str = Field(
        description=(
            "What went wrong, for a program to branch on: invalid_input, not_found, request_too_large, "
            "database_unavailable, query_too_costly, too_fast (slow down), budget_spent (wait for the next "
            "window), invalid_key, key_required, forbidden or idempotency_key_reused."
        )
    )
    message: str = Field(description="What was wrong, for a person to read.")
    retry_after: int | None = Field(
        default=None,
        description=(
            "With too_fast and budget_spent: seconds to wait before the same request can pass (as Retry-After)."
        ),
    )
    fields: list[FieldError] | None = Field(
        default=None, description="With invalid_input for a write's body: each wrong member, all at once."
    )


class Error(Model):
    error: ErrorBody
