"""Per-request DataLoaders: every field that needs rows asks a loader, and each loader answers all the
keys of one execution step with one statement. A request's statement count thus follows the depth of
its query, never the number of rows in its answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader as StrawberryDataLoader

from api.db import authors, coauthors, external_ids, institutions, metrics, papers
from api.db.authors import AuthorFilter, AuthorOrder, AuthorScope
from api.db.coauthors import CoauthorOrder
from api.db.keyset import Page, Window
from api.db.listing import Parent
from api.db.papers import PaperFilter, PaperOrder, PaperScope
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
from api.errors import InvalidInputError
from api.ids import ExternalId

V = TypeVar("V")
K = TypeVar("K")


class DataLoader(StrawberryDataLoader[K, V]):
    """Strawberry's DataLoader, each caller waiting on a shield of the shared result.

    When one field fails, graphql-core cancels what its siblings still await. Without the shield, a
    sibling waiting on a result that a field elsewhere in the response also waits for would cancel that
    shared result, and the other field (and with it the whole request) would end with CancelledError.
    """

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


_WHOLE_LIST = Window(first=0)  # in the keys of counts and facets, which cover the whole list


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


@dataclass(frozen=True)
class PaperList:
    """Which list of papers: a scope, its parent, the filter; with `order` and `window` for a page."""

    scope: PaperScope
    parent: Parent
    filter: PaperFilter
    order: PaperOrder = PaperOrder.NEWEST
    window: Window = _WHOLE_LIST


@dataclass(frozen=True)
class AuthorList:
    """Which list of authors: a scope, its parent, the filter; with `order` and `window` for a page."""

    scope: AuthorScope
    parent: Parent
    filter: AuthorFilter
    order: AuthorOrder = AuthorOrder.NAME
    window: Window = _WHOLE_LIST


ListKey = TypeVar("ListKey", PaperList, AuthorList)


def _pages(
    db: Database, key_type: type[ListKey], fetch: Callable[..., Awaitable[dict[Parent, Page[V]]]]
) -> Callable[[list[ListKey]], Awaitable[list[Page[V] | BaseException]]]:
    """Pages of many lists: one statement per distinct (scope, filter, order, window), for all parents.
    A group whose arguments are bad (a cursor, an ordering) answers its error to its own fields only."""

    async def load(keys: list[ListKey]) -> list[Page[V] | BaseException]:
        groups: dict[tuple[Any, Any, Any, Window], list[Parent]] = {}
        for key in keys:
            groups.setdefault((key.scope, key.filter, key.order, key.window), []).append(key.parent)
        pages: dict[ListKey, Page[V] | BaseException] = {}
        for (scope, given_filter, order, window), parents in groups.items():
            found: dict[Parent, Page[V] | BaseException]
            try:
                found = dict(await fetch(db, scope, parents, given_filter, order, window))
            except InvalidInputError as error:  # fails only this group's fields, not the whole batch
                found = dict.fromkeys(parents, error)
            for parent, page in found.items():
                pages[key_type(scope, parent, given_filter, order, window)] = page
        return [pages[key] for key in keys]

    return load


def _per_list(
    db: Database, key_type: type[ListKey], fetch: Callable[..., Awaitable[dict[Parent, V]]]
) -> Callable[[list[ListKey]], Awaitable[list[V | BaseException]]]:
    """Counts or facets of many lists: one statement per distinct (scope, filter), for all parents."""

    async def load(keys: list[ListKey]) -> list[V | BaseException]:
        groups: dict[tuple[Any, Any], list[Parent]] = {}
        for key in keys:
            groups.setdefault((key.scope, key.filter), []).append(key.parent)
        found: dict[tuple[Any, Any, Parent], V | BaseException] = {}
        for (scope, given_filter), parents in groups.items():
            values: dict[Parent, V | BaseException]
            try:
                values = dict(await fetch(db, scope, parents, given_filter))
            except InvalidInputError as error:
                values = dict.fromkeys(parents, error)
            for parent, value in values.items():
                found[(scope, given_filter, parent)] = value
        return [found[(key.scope, key.filter, key.parent)] for key in keys]

    return load


CoauthorKey = tuple[int, Window, CoauthorOrder]


def _coauthor_pages(
    db: Database,
) -> Callable[[list[CoauthorKey]], Awaitable[list[Page[CoauthorRecord] | BaseException]]]:
    async def load(keys: list[CoauthorKey]) -> list[Page[CoauthorRecord] | BaseException]:
        groups: dict[tuple[Window, CoauthorOrder], list[int]] = {}
        for author_id, window, order in keys:
            groups.setdefault((window, order), []).append(author_id)
        pages: dict[CoauthorKey, Page[CoauthorRecord] | BaseException] = {}
        for (window, order), author_ids in groups.items():
            found: dict[int, Page[CoauthorRecord] | BaseException]
            try:
                found = dict(await coauthors.coauthors_of_authors(db, author_ids, window, order))
            except InvalidInputError as error:
                found = dict.fromkeys(author_ids, error)
            for author_id, page in found.items():
                pages[(author_id, window, order)] = page
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
        self.paper_pages = DataLoader[PaperList, Page[PaperRecord]](_pages(db, PaperList, papers.list_papers))
        self.paper_counts = DataLoader[PaperList, int](_per_list(db, PaperList, papers.count_papers))
        self.paper_facets = DataLoader[PaperList, PaperFacets](_per_list(db, PaperList, papers.paper_facets))
        self.coauthors = DataLoader[CoauthorKey, Page[CoauthorRecord]](_coauthor_pages(db))
        self.author_pages = DataLoader[AuthorList, Page[AuthorRecord]](_pages(db, AuthorList, authors.list_authors))
        self.author_counts = DataLoader[AuthorList, int](_per_list(db, AuthorList, authors.count_authors))
        self.coauthor_count = DataLoader[int, int](_complete(db, coauthors.count_coauthors_of_authors))
        # External ids: objects by the ids other systems give them (one statement per kind), and their ids.
        self.author_by_external_id = DataLoader[ExternalId, AuthorRecord | None](
            lambda keys: external_ids.find_authors(db, keys)
        )
        self.paper_by_external_id = DataLoader[ExternalId, PaperRecord | None](
            lambda keys: external_ids.find_papers(db, keys)
        )
        self.author_external_ids = DataLoader[int, list[ExternalId]](
            _complete(db, external_ids.external_ids_of_authors)
        )
        self.paper_external_ids = DataLoader[int, list[ExternalId]](_complete(db, external_ids.external_ids_of_papers))

    async def author_of(self, ref: int | ExternalId) -> AuthorRecord | None:
        """The author a parsed id names (a merged one: its survivor), or None."""
        return await (self.author.load(ref) if isinstance(ref, int) else self.author_by_external_id.load(ref))

    async def paper_of(self, ref: int | ExternalId) -> PaperRecord | None:
        """The paper a parsed id names (a merged one: its survivor), or None."""
        return await (self.paper.load(ref) if isinstance(ref, int) else self.paper_by_external_id.load(ref))
