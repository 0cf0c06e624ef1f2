"""The GraphQL object types. They hold records and ask loaders for more; none of them runs SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated

import strawberry

from api.db import metrics, records
from api.db.authors import AuthorScope
from api.db.coauthors import CoauthorOrder
from api.db.papers import PaperScope, Parent
from api.db.records import (
    AuthorRecord,
    AuthorshipRecord,
    CoauthorRecord,
    InstitutionRecord,
    MetricsRecord,
    PaperRecord,
)
from api.graphql import inputs
from api.graphql.context import Info
from api.graphql.loaders import AuthorList, PaperList
from api.graphql.pagination import Connection, build_connection, page_parts, window
from api.ids import ExternalId as ExternalIdValue
from api.ids import encode_id

FirstArg = Annotated[int, strawberry.argument(description="Page size (0 to the server's limit).")]
AfterArg = Annotated[str | None, strawberry.argument(description="`pageInfo.endCursor` of the previous page.")]
SearchArg = Annotated[
    str | None, strawberry.argument(description="Full-text search over titles and abstracts (web-search syntax).")
]
FilterArg = Annotated[inputs.PaperFilter | None, strawberry.argument(description="Conditions on the papers.")]
AuthorFilterArg = Annotated[inputs.AuthorFilter | None, strawberry.argument(description="Conditions on the authors.")]
AuthorOrderArg = Annotated[
    inputs.AuthorOrder | None,
    strawberry.argument(description="Order of the authors; default RELEVANCE with `search`, else NAME."),
]
OrderArg = Annotated[
    inputs.PaperOrder | None,
    strawberry.argument(description="Order of the papers; default RELEVANCE with `search`, else NEWEST."),
]


@strawberry.interface(description="An object with a global id: refetch it with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id, the same over GraphQL and REST.")


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


@strawberry.type(
    description=(
        "An identifier another system gives an author or a paper. Any of them is accepted wherever an id of "
        "that object is (`node`, `author`, `paper`, the batch look-ups, filters, REST paths), written "
        "`scheme:value` or as its `url`."
    )
)
class ExternalId:
    scheme: str = strawberry.field(description="`doi`, `arxiv`, `orcid`, `openalex` or `s2` (Semantic Scholar).")
    value: str = strawberry.field(
        description=(
            "The identifier, normalised: DOIs in lower case, arXiv ids without version, ORCID iDs hyphenated "
            "with an upper-case X, OpenAlex ids with an upper-case letter, Semantic Scholar paper shas in lower "
            "case (or a paper's corpus id, or an author's number)."
        )
    )
    url: str | None = strawberry.field(
        description=(
            "Where the identifier resolves: https://doi.org/…, https://arxiv.org/abs/…, https://orcid.org/…, "
            "https://openalex.org/…, https://www.semanticscholar.org/paper/… or /author/… "
            "(https://api.semanticscholar.org/CorpusID:… for a corpus id)."
        )
    )

    @classmethod
    def of(cls, external: ExternalIdValue) -> ExternalId:
        return cls(scheme=external.scheme, value=external.value, url=external.url)


@strawberry.type(description="A researcher: who, their figures, their papers and their coauthors.")
class Author(Node):
    record: strawberry.Private[AuthorRecord]

    @classmethod
    def from_record(cls, record: AuthorRecord) -> Author:
        return cls(id=strawberry.ID(encode_id("Author", record.id)), record=record)

    @strawberry.field(description="Display name, with accents (the most accented spelling seen).")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="Main arXiv category of the author's work, e.g. `cs.LG`, when known.")
    def primary_category(self) -> str | None:
        return self.record.primary_category

    @strawberry.field(description="The author's ids in other systems (ORCID, OpenAlex, Semantic Scholar), by scheme.")
    async def external_ids(self, info: Info) -> list[ExternalId]:
        return [ExternalId.of(e) for e in await info.context.loaders.author_external_ids.load(self.record.id)]

    @strawberry.field(description="When this author was first stored.")
    def created_at(self) -> dt.datetime:
        return self.record.created_at

    @strawberry.field(description="When this author's own fields last changed.")
    def updated_at(self) -> dt.datetime:
        return self.record.updated_at

    @strawberry.field(
        description=(
            "The figures to show: as reported by the newest source that reports them, any figure it lacks "
            "filled in from `computedMetrics`; only `computedMetrics` when no source reports any."
        )
    )
    async def metrics(self, info: Info) -> AuthorMetrics:
        loaders = info.context.loaders
        reported = await loaders.reported_metrics.load(self.record.id)
        computed = await loaders.computed_metrics.load(self.record.id)
        return AuthorMetrics.of(metrics.preferred(reported, computed))

    @strawberry.field(
        description=(
            "Figures computed from the papers and citations stored in this database, over all the author's papers "
            "or a `variant` (alias the field to ask for several; all come from one stored row)."
        )
    )
    async def computed_metrics(
        self,
        info: Info,
        variant: Annotated[
            MetricsVariant, strawberry.argument(description="Which papers and citations to count; default ALL.")
        ] = MetricsVariant.ALL,
    ) -> AuthorMetrics:
        computed = await info.context.loaders.computed_metrics.load(self.record.id)
        return AuthorMetrics.of(metrics.as_computed(computed, metrics.Variant(variant.value)))

    @strawberry.field(description="Every set of figures a source reported for this author, newest first.")
    async def reported_metrics(self, info: Info) -> list[AuthorMetrics]:
        reported = await info.context.loaders.reported_metrics.load(self.record.id)
        return [AuthorMetrics.of(metrics.as_reported(r)) for r in reported]

    @strawberry.field(description="The author's papers: newest first unless `orderBy` says otherwise.")
    async def papers(
        self,
        info: Info,
        search: SearchArg = None,
        filter: FilterArg = None,
        order_by: OrderArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> PaperConnection:
        return await paper_connection(
            info, PaperScope.AUTHOR, (self.record.id, 0), search, filter, order_by, first, after
        )

    @strawberry.field(
        description=(
            "Everyone who shares a paper with this author: by default ranked by shared papers (most first), "
            "then by name. `totalCount` is exact."
        )
    )
    async def coauthors(
        self,
        info: Info,
        order_by: Annotated[
            inputs.CoauthorOrder | None, strawberry.argument(description="Order; default SHARED_PAPERS.")
        ] = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> Connection[Coauthor]:
        loaders = info.context.loaders
        order = CoauthorOrder((order_by or inputs.CoauthorOrder.SHARED_PAPERS).value)
        slice_ = window(first, after, info.context.settings.max_page_size)
        page = await loaders.coauthors.load((self.record.id, slice_, order))
        author_id = self.record.id
        return build_connection(
            page,
            Coauthor.from_record,
            after=after,
            count_total=lambda: loaders.coauthor_count.load(author_id),
        )


@strawberry.type(description="Another author who shares papers with the author asked about: a coauthorship edge.")
class Coauthor:
    record: strawberry.Private[CoauthorRecord]

    @classmethod
    def from_record(cls, record: CoauthorRecord) -> Coauthor:
        return cls(record=record)

    @strawberry.field(description="The coauthor.")
    def author(self) -> Author:
        return Author.from_record(self.record.author)

    @strawberry.field(description="Number of papers both authors are on.")
    def shared_paper_count(self) -> int:
        return self.record.shared_paper_count

    @strawberry.field(description="Year of the earliest dated shared paper.")
    def first_shared_year(self) -> int | None:
        return self.record.first_shared_year

    @strawberry.field(description="Year of the latest dated shared paper.")
    def last_shared_year(self) -> int | None:
        return self.record.last_shared_year

    @strawberry.field(description="The papers both authors are on: newest first unless `orderBy` says otherwise.")
    async def shared_papers(
        self,
        info: Info,
        search: SearchArg = None,
        filter: FilterArg = None,
        order_by: OrderArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> PaperConnection:
        pair = (self.record.of_author_id, self.record.author.id)
        return await paper_connection(info, PaperScope.COAUTHORED, pair, search, filter, order_by, first, after)


@strawberry.enum(description="How precisely a publication date is known.")
class DatePrecision(Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@strawberry.type(description="An author's place on a paper's byline.")
class Authorship:
    record: strawberry.Private[AuthorshipRecord]

    @strawberry.field(description="The author.")
    def author(self) -> Author:
        return Author.from_record(self.record.author)

    @strawberry.field(description='1-based position in the full byline; null when the source hides it ("et al.").')
    def position(self) -> int | None:
        return self.record.position

    @strawberry.field(description="The name as the source wrote it on this paper.")
    def name_as_written(self) -> str:
        return self.record.name_as_written

    @strawberry.field(description="The affiliation the source gives for this author on this paper.")
    def affiliation(self) -> str | None:
        return self.record.affiliation


@strawberry.type(description="A paper: its metadata, its authors in byline order, its institutions.")
class Paper(Node):
    record: strawberry.Private[PaperRecord]

    @classmethod
    def from_record(cls, record: PaperRecord) -> Paper:
        return cls(id=strawberry.ID(encode_id("Paper", record.id)), record=record)

    @strawberry.field(description="Title as published (raw arXiv text: LaTeX and `--` kept).")
    def title(self) -> str:
        return self.record.title

    @strawberry.field(description="Abstract as published (raw arXiv text: LaTeX and `--` kept).")
    def abstract(self) -> str | None:
        return self.record.abstract

    @strawberry.field(description="Primary arXiv category, e.g. `cs.LG` or `stat.ML`.")
    def primary_category(self) -> str | None:
        return self.record.primary_category

    @strawberry.field(description="Every arXiv category of the paper, primary first.")
    def categories(self) -> list[str]:
        return list(self.record.categories)

    @strawberry.field(
        description="The paper's ids in other systems (DOI, arXiv, OpenAlex, Semantic Scholar), by scheme."
    )
    async def external_ids(self, info: Info) -> list[ExternalId]:
        return [ExternalId.of(e) for e in await info.context.loaders.paper_external_ids.load(self.record.id)]

    @strawberry.field(description="Publication date (ISO 8601); see `publishedPrecision` for how much of it is known.")
    def published_on(self) -> dt.date | None:
        return self.record.published_on

    @strawberry.field(description="Whether `publishedOn` is exact to the day, the month or only the year.")
    def published_precision(self) -> DatePrecision | None:
        precision = self.record.published_precision
        return DatePrecision(precision) if precision else None

    @strawberry.field(description="Whether the paper links to its code.")
    def has_code(self) -> bool:
        return self.record.has_code

    @strawberry.field(description="Link to the paper's code, when the source gives one.")
    def code_url(self) -> str | None:
        return self.record.code_url

    @strawberry.field(description="Citations stored in this database (papers here that cite this one).")
    def citation_count(self) -> int:
        return self.record.citation_count

    @strawberry.field(description="Citation count as reported by the paper's source, from its wider corpus.")
    def reported_citation_count(self) -> int | None:
        return self.record.reported_citation_count

    @strawberry.field(
        description='False when the source showed only part of the byline ("et al."): `authors` lists who is known.'
    )
    def authors_complete(self) -> bool:
        return self.record.authors_complete

    @strawberry.field(description="The paper's authors in byline order (authors of unknown position last).")
    async def authors(self, info: Info) -> list[Author]:
        return [Author.from_record(s.author) for s in await info.context.loaders.authorships.load(self.record.id)]

    @strawberry.field(description="The byline with positions, names as written and affiliations.")
    async def authorships(self, info: Info) -> list[Authorship]:
        return [Authorship(record=s) for s in await info.context.loaders.authorships.load(self.record.id)]

    @strawberry.field(description="Institutions named for this paper.")
    async def institutions(self, info: Info) -> list[Institution]:
        return [Institution.from_record(r) for r in await info.context.loaders.paper_institutions.load(self.record.id)]

    @strawberry.field(description="The stored papers this paper cites (its references).")
    async def references(
        self,
        info: Info,
        search: SearchArg = None,
        filter: FilterArg = None,
        order_by: OrderArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> PaperConnection:
        return await paper_connection(
            info, PaperScope.REFERENCES, (self.record.id, 0), search, filter, order_by, first, after
        )

    @strawberry.field(description="The stored papers that cite this paper, all of them, paged (no cap).")
    async def cited_by(
        self,
        info: Info,
        search: SearchArg = None,
        filter: FilterArg = None,
        order_by: OrderArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> PaperConnection:
        return await paper_connection(
            info, PaperScope.CITED_BY, (self.record.id, 0), search, filter, order_by, first, after
        )

    @strawberry.field(description="When this paper was first stored.")
    def created_at(self) -> dt.datetime:
        return self.record.created_at

    @strawberry.field(description="When this paper's own fields last changed.")
    def updated_at(self) -> dt.datetime:
        return self.record.updated_at


@strawberry.type(description="A university, lab or company that authors are affiliated with.")
class Institution(Node):
    record: strawberry.Private[InstitutionRecord]

    @classmethod
    def from_record(cls, record: InstitutionRecord) -> Institution:
        return cls(id=strawberry.ID(encode_id("Institution", record.id)), record=record)

    @strawberry.field(description="Name as the source gives it.")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="ISO 3166-1 alpha-2 country code, when known.")
    def country_code(self) -> str | None:
        return self.record.country_code

    @strawberry.field(description="Authors affiliated with this institution on some paper.")
    async def authors(
        self,
        info: Info,
        search: Annotated[str | None, strawberry.argument(description="Name or part of a name.")] = None,
        filter: AuthorFilterArg = None,
        order_by: AuthorOrderArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> Connection[Author]:
        return await author_connection(
            info, AuthorScope.INSTITUTION, (self.record.id, 0), search, filter, order_by, first, after
        )

    @strawberry.field(description="Papers named for this institution: by the source, or by an author's affiliation.")
    async def papers(
        self,
        info: Info,
        search: SearchArg = None,
        filter: FilterArg = None,
        order_by: OrderArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> PaperConnection:
        return await paper_connection(
            info, PaperScope.INSTITUTION, (self.record.id, 0), search, filter, order_by, first, after
        )


@strawberry.type(description="How many papers of a list have one value: a category, a year.")
class FacetCount:
    value: str = strawberry.field(description="The category (e.g. `cs.LG`) or the year (e.g. `2024`).")
    count: int = strawberry.field(description="Papers of the whole filtered list (all pages) with this value.")


@strawberry.type(description="Counts of a filtered paper list by category and by year, over all its pages.")
class PaperFacets:
    categories: list[FacetCount] = strawberry.field(
        description=(
            "Every category of the list's papers, most papers first (a paper counts under each of its categories)."
        )
    )
    years: list[FacetCount] = strawberry.field(description="Every publication year of the list's papers, newest first.")


@strawberry.type(description="A page of papers, with the exact total and facets of the whole filtered list.")
class PaperConnection(Connection[Paper]):
    load_facets: strawberry.Private[Callable[[], Awaitable[records.PaperFacets]]]

    @strawberry.field(description="Counts by category and year of the whole filtered list (computed when selected).")
    async def facets(self) -> PaperFacets:
        found = await self.load_facets()
        return PaperFacets(
            categories=[FacetCount(value=f.value, count=f.count) for f in found.categories],
            years=[FacetCount(value=f.value, count=f.count) for f in found.years],
        )


async def paper_connection(
    info: Info,
    scope: PaperScope,
    parent: Parent,
    search: str | None,
    given_filter: inputs.PaperFilter | None,
    order_by: inputs.PaperOrder | None,
    first: int,
    after: str | None,
) -> PaperConnection:
    """One page of a list of papers, its total and its facets loaded only when selected."""
    data_filter = inputs.paper_filter(search, given_filter)
    order = inputs.paper_order(order_by, data_filter)
    slice_ = window(first, after, info.context.settings.max_page_size)
    loaders = info.context.loaders
    page = await loaders.paper_pages.load(PaperList(scope, parent, data_filter, order, slice_))
    whole_list = PaperList(scope, parent, data_filter)
    edges, nodes, page_info = page_parts(page, Paper.from_record, after=after)
    return PaperConnection(
        edges=edges,
        nodes=nodes,
        page_info=page_info,
        count_total=lambda: loaders.paper_counts.load(whole_list),
        load_facets=lambda: loaders.paper_facets.load(whole_list),
    )


async def author_connection(
    info: Info,
    scope: AuthorScope,
    parent: Parent,
    search: str | None,
    given_filter: inputs.AuthorFilter | None,
    order_by: inputs.AuthorOrder | None,
    first: int,
    after: str | None,
) -> Connection[Author]:
    """One page of a list of authors, its total loaded only when selected."""
    data_filter = inputs.author_filter(search, given_filter)
    order = inputs.author_order(order_by, data_filter)
    slice_ = window(first, after, info.context.settings.max_page_size)
    loaders = info.context.loaders
    page = await loaders.author_pages.load(AuthorList(scope, parent, data_filter, order, slice_))
    whole_list = AuthorList(scope, parent, data_filter)
    return build_connection(
        page, Author.from_record, after=after, count_total=lambda: loaders.author_counts.load(whole_list)
    )


__all__ = ["Author", "AuthorMetrics", "Authorship", "Coauthor", "Institution", "Node", "Paper"]
