"""Per-request DataLoaders: every field that needs rows asks a loader, and each loader answers all the
keys of one execution step with one statement. A request's statement count thus follows the depth of
its query, never the number of rows in its answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from api.db import authors, coauthors, institutions, metrics, papers
from api.db.keyset import Page, Window
from api.db.pool import Database
from api.db.records import (
    AuthorRecord,
    AuthorshipRecord,
    CoauthorRecord,
    ComputedMetricsRecord,
    InstitutionRecord,
    PaperRecord,
    ReportedMetricsRecord,
)

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

WindowKey = tuple[int, Window]


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
        self.author_papers = DataLoader[WindowKey, Page[PaperRecord]](_windowed(db, papers.papers_of_authors))
        self.author_paper_count = DataLoader[int, int](_complete(db, papers.count_papers_of_authors))
        self.coauthors = DataLoader[WindowKey, Page[CoauthorRecord]](_windowed(db, coauthors.coauthors_of_authors))
        self.coauthor_count = DataLoader[int, int](_complete(db, coauthors.count_coauthors_of_authors))
