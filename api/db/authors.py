"""Authors: look-up by id, and every list of authors (searched, filtered, ordered, paged).

Name search folds accents and case (`sg_name_key`, the same key the importers match names by) and ranks:
an exact name first, then names starting with the query, then names containing it, then names within
typo distance (pg_trgm's `<%` word-similarity operator: similarity >= pg_trgm.word_similarity_threshold,
0.6 by default); ties are broken by the trigram score and then by id. Both tests can use the trigram
index on `name_key`.

Orderings by figures use the computed metrics (the stored graph), authors without any counting as 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from api.db.keyset import Page, Window
from api.db.listing import ListQuery, Ordering, Params, Parent, SortKey, fetch_counts, fetch_pages, list_query
from api.db.pool import Database
from api.db.records import AUTHOR_COLUMNS, AuthorRecord
from api.errors import InvalidInputError


class AuthorScope(Enum):
    ALL = "all"
    INSTITUTION = "institution"  # authors with an affiliation to the institution on some paper


_SCOPES: dict[AuthorScope, str] = {
    AuthorScope.ALL: "TRUE",
    AuthorScope.INSTITUTION: (
        "EXISTS (SELECT 1 FROM authorships si WHERE si.author_id = a.id AND si.institution_id = x.parent)"
    ),
}


class AuthorOrder(Enum):
    RELEVANCE = "relevance"
    NAME = "name"
    H_INDEX = "h_index"
    CITATIONS = "citations"
    PAPER_COUNT = "paper_count"
    UPDATED = "updated"


_RELEVANCE = (
    "(CASE WHEN a.name_key = q.key THEN 3 WHEN a.name_key LIKE q.key || '%' THEN 2 "
    "WHEN a.name_key LIKE '%' || q.key || '%' THEN 1 ELSE 0 END + word_similarity(q.key, a.name_key))::float8"
)
_ID_ASC = SortKey("a.id", False, int, "bigint")
_ORDERINGS: dict[AuthorOrder, Ordering] = {
    AuthorOrder.RELEVANCE: Ordering("authors:relevance", (SortKey(_RELEVANCE, True, float, "float8"), _ID_ASC)),
    AuthorOrder.NAME: Ordering("authors:name", (SortKey("a.name_key", False, str, "text"), _ID_ASC)),
    # Ties in a figure are broken by the next most telling figure, then by id.
    AuthorOrder.H_INDEX: Ordering(
        "authors:h_index",
        (
            SortKey("coalesce(m.h_index, 0)", True, int, "integer"),
            SortKey("coalesce(m.citation_count, 0)", True, int, "integer"),
            _ID_ASC,
        ),
    ),
    AuthorOrder.CITATIONS: Ordering(
        "authors:citations",
        (
            SortKey("coalesce(m.citation_count, 0)", True, int, "integer"),
            SortKey("coalesce(m.h_index, 0)", True, int, "integer"),
            _ID_ASC,
        ),
    ),
    AuthorOrder.PAPER_COUNT: Ordering(
        "authors:paper_count", (SortKey("coalesce(m.paper_count, 0)", True, int, "integer"), _ID_ASC)
    ),
    AuthorOrder.UPDATED: Ordering(
        "authors:updated", (SortKey("a.updated_at", False, dt.datetime, "timestamptz"), _ID_ASC)
    ),
}


@dataclass(frozen=True)
class AuthorFilter:
    """Conditions an author must meet; None (or empty) means no condition."""

    search: str | None = None
    categories: tuple[str, ...] = ()
    institution_id: int | None = None
    min_h_index: int | None = None
    min_citations: int | None = None
    updated_since: dt.datetime | None = None

    def where(self, params: Params) -> str:
        conditions = []
        if self.search:
            conditions.append("q.key <> '' AND (a.name_key LIKE '%' || q.key || '%' OR q.key <% a.name_key)")
        if self.categories:
            conditions.append(f"a.primary_category = ANY({params.add(list(self.categories), 'text[]')})")
        if self.institution_id is not None:
            institution = params.add(self.institution_id, "bigint")
            conditions.append(
                f"EXISTS (SELECT 1 FROM authorships fi WHERE fi.author_id = a.id AND fi.institution_id = {institution})"
            )
        if self.min_h_index is not None:
            conditions.append(f"coalesce(m.h_index, 0) >= {params.add(self.min_h_index, 'integer')}")
        if self.min_citations is not None:
            conditions.append(f"coalesce(m.citation_count, 0) >= {params.add(self.min_citations, 'integer')}")
        if self.updated_since is not None:
            conditions.append(f"a.updated_at >= {params.add(self.updated_since, 'timestamptz')}")
        return " AND ".join(conditions) or "TRUE"

    def source(self, params: Params) -> str:
        base = "authors a LEFT JOIN author_computed_metrics m ON m.author_id = a.id"
        if not self.search:
            return base
        return f"{base} CROSS JOIN (SELECT sg_name_key({params.add(self.search, 'text')}) AS key) q"


def ordering_for(order: AuthorOrder, author_filter: AuthorFilter) -> Ordering:
    if order is AuthorOrder.RELEVANCE and not author_filter.search:
        raise InvalidInputError("ordering authors by RELEVANCE needs a `search`")
    return _ORDERINGS[order]


def list_sql(scope: AuthorScope, author_filter: AuthorFilter, params: Params) -> tuple[str, str]:
    """FROM and WHERE of the filtered authors of `scope` over `x(parent, other)`; the author is `a`."""
    return author_filter.source(params), f"{_SCOPES[scope]} AND {author_filter.where(params)}"


def _query(scope: AuthorScope, parents: Sequence[Parent], author_filter: AuthorFilter) -> ListQuery:
    return list_query(parents, lambda params: list_sql(scope, author_filter, params))


async def list_authors(
    db: Database,
    scope: AuthorScope,
    parents: Sequence[Parent],
    author_filter: AuthorFilter,
    order: AuthorOrder,
    window: Window,
) -> dict[Parent, Page[AuthorRecord]]:
    """One page of each parent's authors, filtered and ordered: one statement for all the parents."""
    query = _query(scope, parents, author_filter)
    ordering = ordering_for(order, author_filter)
    return await fetch_pages(
        db, query, parents, columns=AUTHOR_COLUMNS, ordering=ordering, window=window, convert=AuthorRecord.from_row
    )


async def count_authors(
    db: Database, scope: AuthorScope, parents: Sequence[Parent], author_filter: AuthorFilter
) -> dict[Parent, int]:
    return await fetch_counts(db, _query(scope, parents, author_filter))


async def authors_by_ids(db: Database, ids: Sequence[int]) -> dict[int, AuthorRecord]:
    """The authors the ids name, keyed by the id asked: an id merged into another author names the survivor
    (whose record has the survivor's id)."""
    if not ids:
        return {}
    rows = await db.fetch(
        f"""
        SELECT asked.id AS asked, {AUTHOR_COLUMNS}
        FROM unnest($1::bigint[]) AS asked (id)
        JOIN authors a ON a.id = coalesce((SELECT r.new_id FROM author_redirects r WHERE r.old_id = asked.id), asked.id)
        """,
        list(ids),
    )
    return {row["asked"]: AuthorRecord.from_row(row) for row in rows}


async def merged_into(db: Database, author_id: int) -> int | None:
    """The author `author_id` was merged into (it redirects there), or None."""
    found: int | None = await db.fetchval("SELECT new_id FROM author_redirects WHERE old_id = $1", author_id)
    return found
