"""Papers as GraphQL types, and the paper lists every object offers (one field factory, one page builder)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.db import records
from api.db.listing import Parent
from api.db.papers import PaperScope
from api.db.records import AuthorshipRecord, PaperRecord
from api.graphql import inputs
from api.graphql.context import Info
from api.graphql.inputs import AfterArg, FilterArg, FirstArg, OrderArg, SearchArg
from api.graphql.loaders import PaperList
from api.graphql.node import ExternalId, Node
from api.graphql.pagination import Connection, page_parts, window
from api.ids import encode_id

# Authors and institutions list papers, so this module names their types lazily and imports them in the
# resolvers that build them: importing them here would be circular.
if TYPE_CHECKING:
    from api.graphql.authors import Author
    from api.graphql.institutions import Institution


@strawberry.enum(description="How precisely a publication date is known.")
class DatePrecision(Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@strawberry.type(description="An author's place on a paper's byline.")
class Authorship:
    record: strawberry.Private[AuthorshipRecord]

    @strawberry.field(description="The author.")
    def author(self) -> Annotated[Author, strawberry.lazy("api.graphql.authors")]:
        from api.graphql.authors import Author

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


def paper_list_field(scope: PaperScope, parent: Callable[[Any], Parent], description: str) -> Any:
    """A field listing the papers of `scope` whose parent is `parent(root)`, with the arguments of every list."""

    async def papers(
        root: Any,
        info: Info,
        search: SearchArg = None,
        filter: FilterArg = None,
        order_by: OrderArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> PaperConnection:
        return await paper_connection(info, scope, parent(root), search, filter, order_by, first, after)

    return strawberry.field(resolver=papers, description=description)


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
        description=(
            "When the paper was retracted (`retractPaper`); null while it stands. A retracted paper keeps its id "
            "and stays listed, and counts in none of its authors' computed figures."
        )
    )
    def retracted_at(self) -> dt.datetime | None:
        return self.record.retracted_at

    @strawberry.field(description="Why the paper was retracted, as the retraction says; null while it stands.")
    def retraction_reason(self) -> str | None:
        return self.record.retraction_reason

    @strawberry.field(
        description='False when the source showed only part of the byline ("et al."): `authors` lists who is known.'
    )
    def authors_complete(self) -> bool:
        return self.record.authors_complete

    @strawberry.field(description="The paper's authors in byline order (authors of unknown position last).")
    async def authors(self, info: Info) -> list[Annotated[Author, strawberry.lazy("api.graphql.authors")]]:
        from api.graphql.authors import Author

        return [Author.from_record(s.author) for s in await info.context.loaders.authorships.load(self.record.id)]

    @strawberry.field(description="The byline with positions, names as written and affiliations.")
    async def authorships(self, info: Info) -> list[Authorship]:
        return [Authorship(record=s) for s in await info.context.loaders.authorships.load(self.record.id)]

    @strawberry.field(description="Institutions named for this paper.")
    async def institutions(
        self, info: Info
    ) -> list[Annotated[Institution, strawberry.lazy("api.graphql.institutions")]]:
        from api.graphql.institutions import Institution

        return [Institution.from_record(r) for r in await info.context.loaders.paper_institutions.load(self.record.id)]

    references = paper_list_field(
        PaperScope.REFERENCES,
        lambda paper: (paper.record.id, 0),
        "The stored papers this paper cites (its references).",
    )

    cited_by = paper_list_field(
        PaperScope.CITED_BY,
        lambda paper: (paper.record.id, 0),
        "The stored papers that cite this paper, all of them, paged (no cap).",
    )

    @strawberry.field(description="When this paper was first stored.")
    def created_at(self) -> dt.datetime:
        return self.record.created_at

    @strawberry.field(description="When this paper's own fields last changed.")
    def updated_at(self) -> dt.datetime:
        return self.record.updated_at


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
