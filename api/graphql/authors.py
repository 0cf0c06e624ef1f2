"""Authors as GraphQL types: their figures, papers and coauthors; and the author lists (one field factory)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import strawberry

from api.db import metrics
from api.db.authors import AuthorScope
from api.db.coauthors import CoauthorOrder
from api.db.listing import Parent
from api.db.papers import PaperScope
from api.db.records import AuthorRecord, CoauthorRecord
from api.graphql import inputs
from api.graphql.context import Info
from api.graphql.inputs import AfterArg, AuthorFilterArg, AuthorOrderArg, FirstArg, NameSearchArg
from api.graphql.loaders import AuthorList
from api.graphql.metrics import AuthorMetrics, MetricsVariant
from api.graphql.node import ExternalId, Node
from api.graphql.pagination import Connection, build_connection, window
from api.graphql.papers import paper_list_field
from api.ids import encode_id


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

    papers = paper_list_field(
        PaperScope.AUTHOR,
        lambda author: (author.record.id, 0),
        "The author's papers: newest first unless `orderBy` says otherwise.",
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

    shared_papers = paper_list_field(
        PaperScope.COAUTHORED,
        lambda coauthor: (coauthor.record.of_author_id, coauthor.record.author.id),
        "The papers both authors are on: newest first unless `orderBy` says otherwise.",
    )


def author_list_field(scope: AuthorScope, parent: Callable[[Any], Parent], description: str) -> Any:
    """A field listing the authors of `scope` whose parent is `parent(root)`, with the arguments of every list."""

    async def authors(
        root: Any,
        info: Info,
        search: NameSearchArg = None,
        filter: AuthorFilterArg = None,
        order_by: AuthorOrderArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> Connection[Author]:
        return await author_connection(info, scope, parent(root), search, filter, order_by, first, after)

    return strawberry.field(resolver=authors, description=description)


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
