"""`Query.changes`: the change feed as GraphQL (the events of `api.db.changes`)."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from api.db import changes
from api.db.changes import ChangeRecord
from api.graphql.context import Info
from api.graphql.inputs import AfterArg
from api.graphql.pagination import Edge, PageInfo, page_parts, window
from api.ids import encode_id


@strawberry.enum(description="What an event tells.")
class ChangeKind(Enum):
    CREATED = strawberry.enum_value("created", description="Stored since, not changed after.")
    UPDATED = strawberry.enum_value("updated", description="Changed (its latest change); fetch it as it is now.")
    MERGED_INTO = strawberry.enum_value(
        "merged_into", description="Merged into `otherId`: its id names that one from now on."
    )
    SPLIT_FROM = strawberry.enum_value("split_from", description="Received papers split from the author `otherId`.")
    RETRACTED = strawberry.enum_value(
        "retracted", description="A paper retracted, at its retraction (`retractedAt`, `retractionReason`)."
    )


@strawberry.enum(description="What kind of object an event is about.")
class ChangeEntity(Enum):
    AUTHOR = "author"
    PAPER = "paper"


@strawberry.type(description="One change to an author or a paper.")
class Change:
    record: strawberry.Private[ChangeRecord]

    @strawberry.field(description="When it happened.")
    def at(self) -> dt.datetime:
        return self.record.at

    @strawberry.field(description="What it is about.")
    def entity(self) -> ChangeEntity:
        return ChangeEntity(self.record.entity)

    @strawberry.field(description="The global id of the author or paper it is about.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Author" if self.record.entity == "author" else "Paper", self.record.row_id))

    @strawberry.field(description="What happened.")
    def kind(self) -> ChangeKind:
        return ChangeKind(self.record.kind)

    @strawberry.field(description="MERGED_INTO: the survivor; SPLIT_FROM: the author the papers came from.")
    def other_id(self) -> strawberry.ID | None:
        if self.record.other_id is None:
            return None
        return strawberry.ID(encode_id("Author" if self.record.entity == "author" else "Paper", self.record.other_id))


@strawberry.type(
    description=(
        "A page of the change feed, oldest first. Page on with `pageInfo.endCursor` until `hasNextPage` is false; "
        "later, go on from the last cursor: nothing is missed."
    )
)
class ChangeConnection:
    edges: list[Edge[Change]] = strawberry.field(description="The events of this page with their cursors.")
    nodes: list[Change] = strawberry.field(description="The events of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more events follow.")
    horizon: dt.datetime = strawberry.field(
        description=(
            "The feed is complete up to this moment: events of transactions still running (an import) wait "
            "until they commit, and come after it."
        )
    )


async def list_changes(info: Info, since: dt.datetime | None, first: int, after: AfterArg) -> ChangeConnection:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)  # an instant without an offset is UTC
    page, horizon = await changes.list_changes(
        info.context.db, since, window(first, after, info.context.settings.max_page_size)
    )
    edges, nodes, page_info = page_parts(page, lambda record: Change(record=record), after=after)
    return ChangeConnection(edges=edges, nodes=nodes, page_info=page_info, horizon=horizon)
