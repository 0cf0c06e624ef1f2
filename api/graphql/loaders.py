"""Per-request DataLoaders: every field that needs rows asks a loader, and each loader answers all the
keys of one execution step with one statement. A request's statement count thus follows the depth of
its query, never the number of rows in its answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader

from api.db import authors, coauthors, institutions, metrics, papers
from api.db.keyset import Page, Window
from api.db.papers import PaperFilter, PaperOrder, PaperScope, Parent
from api.db.pool import Database
from api.db.records import (
    AuthorRecord,
    AuthorshipRecord,
    CoauthorRecord,
    ComputedMetricsRecord,
    InstitutionRecord,
    PaperFacets,
    PaperRecord,
    ReportedMetricsRecord,
)

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

WindowKey = tuple[int, Window]


_WHOLE_LIST = Window(first=0)  # in keys of counts and facets, which cover the whole list


@dataclass(frozen=True)
class PaperList:
    """Which list of papers: a scope, its parent, the filter; with `order` and `window` for a page."""

    scope: PaperScope
    parent: Parent
    filter: PaperFilter
    order: PaperOrder = PaperOrder.NEWEST
    window: Window = _WHOLE_LIST


def _by_id(
    db: Database, fetch: Callable[[Database, Sequence[int]], Awaitable[dict[int, V]]]
) -> Callable[[list[int]], Awaitable[list[V | None]]]:
    async def load(ids: list[int]) -> list[V | None]:
        found = await fetch(db, ids)
        return [found.get(row_id) for row_id in ids]

    return load


def _complete(
    db: Database, fetch: Callable[[Database, Sequence[int]], Awaitable[dict[int, V]]]
) -> Callable[[list[int]], Awaitable[list[V]]]:
    """For fetchers that answer every id they are asked about (lists, counts, metrics)."""

    async def load(ids: list[int]) -> list[V]:
        found = await fetch(db, ids)
        return [found[row_id] for row_id in ids]

    return load


def _windowed(
    db: Database, fetch: Callable[[Database, Sequence[int], Window], Awaitable[dict[int, Page[T]]]]
) -> Callable[[list[WindowKey]], Awaitable[list[Page[T]]]]:
    """Pages of many parents: one statement per distinct window (in practice one per field)."""

    async def load(keys: list[WindowKey]) -> list[Page[T]]:
        parents_by_window: dict[Window, list[int]] = {}
        for parent_id, window in keys:
            parents_by_window.setdefault(window, []).append(parent_id)
        pages: dict[WindowKey, Page[T]] = {}
        for window, parent_ids in parents_by_window.items():
            for parent_id, page in (await fetch(db, parent_ids, window)).items():
                pages[(parent_id, window)] = page
        return [pages[key] for key in keys]

    return load


def _paper_pages(db: Database) -> Callable[[list[PaperList]], Awaitable[list[Page[PaperRecord]]]]:
    """Pages of many paper lists: one statement per distinct (scope, filter, order, window)."""

    async def load(keys: list[PaperList]) -> list[Page[PaperRecord]]:
        groups: dict[tuple[PaperScope, PaperFilter, PaperOrder, Window], list[Parent]] = {}
        for key in keys:
            groups.setdefault((key.scope, key.filter, key.order, key.window), []).append(key.parent)
        pages: dict[PaperList, Page[PaperRecord]] = {}
        for (scope, paper_filter, order, window), parents in groups.items():
            found = await papers.list_papers(db, scope, parents, paper_filter, order, window)
            for parent, page in found.items():
                pages[PaperList(scope, parent, paper_filter, order, window)] = page
        return [pages[key] for key in keys]

    return load


def _per_list(
    db: Database,
    fetch: Callable[[Database, PaperScope, Sequence[Parent], PaperFilter], Awaitable[dict[Parent, V]]],
) -> Callable[[list[PaperList]], Awaitable[list[V]]]:
    """Counts or facets of many paper lists: one statement per distinct (scope, filter)."""

    async def load(keys: list[PaperList]) -> list[V]:
        groups: dict[tuple[PaperScope, PaperFilter], list[Parent]] = {}
        for key in keys:
            groups.setdefault((key.scope, key.filter), []).append(key.parent)
        found: dict[tuple[PaperScope, PaperFilter, Parent], V] = {}
        for (scope, paper_filter), parents in groups.items():
            for parent, value in (await fetch(db, scope, parents, paper_filter)).items():
                found[(scope, paper_filter, parent)] = value
        return [found[(key.scope, key.filter, key.parent)] for key in keys]

    return load


class Loaders:
    """The loaders of one request. Never share them between requests: they cache."""

    def __init__(self, db: Database) -> None:
        self.author = DataLoader[int, AuthorRecord | None](_by_id(db, authors.authors_by_ids))
        self.paper = DataLoader[int, PaperRecord | None](_by_id(db, papers.papers_by_ids))
        self.institution = DataLoader[int, InstitutionRecord | None](_by_id(db, institutions.institutions_by_ids))
        self.authorships = DataLoader[int, list[AuthorshipRecord]](_complete(db, papers.authorships_of_papers))
        self.paper_institutions = DataLoader[int, list[InstitutionRecord]](
            _complete(db, institutions.institutions_of_papers)
        )
        self.reported_metrics = DataLoader[int, list[ReportedMetricsRecord]](
            _complete(db, metrics.reported_metrics_of_authors)
        )
        self.computed_metrics = DataLoader[int, ComputedMetricsRecord](
            _complete(db, metrics.computed_metrics_of_authors)
        )
        self.paper_pages = DataLoader[PaperList, Page[PaperRecord]](_paper_pages(db))
        self.paper_counts = DataLoader[PaperList, int](_per_list(db, papers.count_papers))
        self.paper_facets = DataLoader[PaperList, PaperFacets](_per_list(db, papers.paper_facets))
        self.coauthors = DataLoader[WindowKey, Page[CoauthorRecord]](_windowed(db, coauthors.coauthors_of_authors))
        self.coauthor_count = DataLoader[int, int](_complete(db, coauthors.count_coauthors_of_authors))
