"""Relay connections over keyset pages: `edges { cursor node }`, `nodes`, `pageInfo`, `totalCount`.

The total is counted only when a client selects `totalCount` (a separate, batched count), so paging
through a list costs one keyset read per page and nothing more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from api.db import list_rules
from api.db.keyset import Page, Window

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")


@strawberry.type(description="Where a page sits in its list; pass `endCursor` as `after` for the next page.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether rows follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether this page was requested with `after`.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first row of this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last row; the `after` of the next page.")


@strawberry.type(description="A row of a list with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque position of this row; pass it as `after`.")
    node: NodeT = strawberry.field(description="The row itself.")


@strawberry.type(
    description="A page of a list, paged by keyset cursors: stable under inserts, every page as cheap as the first."
)
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The rows of this page with their cursors.")
    nodes: list[NodeT] = strawberry.field(description="The rows of this page (the edges' nodes).")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more rows follow.")
    count_total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Exact number of rows in the whole list (all pages), not an estimate.")
    async def total_count(self) -> int:
        return await self.count_total()


def window(first: int, after: str | None, max_page_size: int) -> Window:
    return list_rules.window(first, after, max_page_size)


def page_parts(
    page: Page[ItemT], convert: Callable[[ItemT], NodeT], *, after: str | None
) -> tuple[list[Edge[NodeT]], list[NodeT], PageInfo]:
    """The edges, nodes and page info of a connection over `page`."""
    nodes = [convert(item) for item in page.items]
    edges = [Edge(cursor=cursor, node=node) for cursor, node in zip(page.cursors, nodes, strict=True)]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=after is not None,
        start_cursor=page.cursors[0] if page.cursors else None,
        # An empty page (first: 0) ends where it started, so paging on from it loses nothing.
        end_cursor=page.cursors[-1] if page.cursors else after,
    )
    return edges, nodes, info


def build_connection(
    page: Page[ItemT],
    convert: Callable[[ItemT], NodeT],
    *,
    after: str | None,
    count_total: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    edges, nodes, info = page_parts(page, convert, after=after)
    return Connection(edges=edges, nodes=nodes, page_info=info, count_total=count_total)
