"""GraphQL arguments of lists: filters and orderings, and their translation to the data layer's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import Annotated, TypeVar

import strawberry

from api.db import authors, list_rules, papers
from api.errors import InvalidInputError
from api.ids import ExternalId, decode_id_of, parse_id_of


@strawberry.enum(description="How to order papers.")
class PaperOrder(Enum):
    NEWEST = strawberry.enum_value("newest", description="Publication date, newest first; undated papers last.")
    OLDEST = strawberry.enum_value("oldest", description="Publication date, oldest first; undated papers last.")
    MOST_CITED = strawberry.enum_value("most_cited", description="Stored citation count, highest first.")
    RELEVANCE = strawberry.enum_value(
        "relevance", description="Full-text rank of `search` (title words weigh more than abstract words)."
    )
    UPDATED = strawberry.enum_value(
        "updated", description="Last change, oldest first: the change feed for mirrors (with `updatedSince`)."
    )


@strawberry.input(description="Conditions on papers; every condition given must hold.")
class PaperFilter:
    categories: list[str] | None = strawberry.field(
        default=None, description="arXiv categories (e.g. `cs.LG`); a paper matches if it has any of them."
    )
    published_from: dt.date | None = strawberry.field(default=None, description="Published on or after this day.")
    published_to: dt.date | None = strawberry.field(default=None, description="Published on or before this day.")
    has_code: bool | None = strawberry.field(default=None, description="Only papers with (true) or without code.")
    retracted: bool | None = strawberry.field(
        default=None, description="Only retracted papers (true), or only papers that stand (false)."
    )
    author_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only papers by this author: a global id or an external one (`orcid:…`)."
    )
    institution_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only papers named for this institution (by the source or an affiliation)."
    )
    min_citations: int | None = strawberry.field(default=None, description="At least this many stored citations.")
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Changed at or after this instant (the change feed for mirrors)."
    )


T = TypeVar("T")


def _utc(instant: dt.datetime | None) -> dt.datetime | None:
    """An instant without an offset is read as UTC (never as the server's local time)."""
    if instant is None or instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=dt.UTC)


def _argument(name: str, parse: Callable[[], T]) -> T:
    """Parse one argument, naming it in the error when it is malformed."""
    try:
        return parse()
    except InvalidInputError as error:
        raise InvalidInputError(f"`{name}`: {error}") from error


def paper_filter(search: str | None, given: PaperFilter | None) -> papers.PaperFilter:
    term = list_rules.search_text(search)
    if given is None:
        return papers.PaperFilter(search=term)
    categories = list_rules.categories(given.categories or (), "categories")
    list_rules.at_least_zero(given.min_citations, "minCitations")
    list_rules.date_range(given.published_from, given.published_to, ("publishedFrom", "publishedTo"))
    # A global id or an external one (`orcid:…`); an external id no author carries matches no paper.
    author = (
        _argument("authorId", lambda: parse_id_of("Author", str(given.author_id)))
        if given.author_id is not None
        else None
    )
    return papers.PaperFilter(
        search=term,
        categories=categories,
        published_from=given.published_from,
        published_to=given.published_to,
        has_code=given.has_code,
        retracted=given.retracted,
        author_id=author if isinstance(author, int) else None,
        author_external_id=(author.scheme, author.value) if isinstance(author, ExternalId) else None,
        institution_id=(
            _argument("institutionId", lambda: decode_id_of("Institution", str(given.institution_id)))
            if given.institution_id is not None
            else None
        ),
        min_citations=given.min_citations,
        updated_since=_utc(given.updated_since),
    )


def paper_order(order: PaperOrder | None, data_filter: papers.PaperFilter) -> papers.PaperOrder:
    """The requested order, else RELEVANCE when searching, else NEWEST."""
    return list_rules.paper_order(
        None if order is None else papers.PaperOrder(order.value),
        data_filter,
        refusal="ordering papers by RELEVANCE needs a `search`",
    )


def search_term(search: str | None) -> str:
    return list_rules.search_text(search) or ""


@strawberry.enum(description="How to order authors. Figures are the computed ones (this database's papers).")
class AuthorOrder(Enum):
    RELEVANCE = strawberry.enum_value("relevance", description="Best match of `search` first.")
    NAME = strawberry.enum_value("name", description="By name, accents and case folded.")
    H_INDEX = strawberry.enum_value(
        "h_index", description="Computed h-index, highest first; ties by computed citation count, then by id."
    )
    CITATIONS = strawberry.enum_value(
        "citations", description="Computed citation count, highest first; ties by computed h-index, then by id."
    )
    PAPER_COUNT = strawberry.enum_value("paper_count", description="Number of papers, highest first; ties by id.")
    UPDATED = strawberry.enum_value("updated", description="Last change, oldest first (the change feed).")


@strawberry.input(description="Conditions on authors; every condition given must hold.")
class AuthorFilter:
    categories: list[str] | None = strawberry.field(
        default=None, description="Primary arXiv categories (e.g. `cs.LG`); an author matches any of them."
    )
    institution_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only authors affiliated with this institution on some paper."
    )
    min_h_index: int | None = strawberry.field(default=None, description="Computed h-index at least this.")
    min_citations: int | None = strawberry.field(default=None, description="Computed citations at least this.")
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Changed at or after this instant (the change feed for mirrors)."
    )


@strawberry.enum(description="How to order an author's coauthors.")
class CoauthorOrder(Enum):
    SHARED_PAPERS = strawberry.enum_value("shared_papers", description="Most shared papers first, then by name.")
    NAME = strawberry.enum_value("name", description="By name, accents and case folded.")
    RECENT = strawberry.enum_value(
        "recent", description="Most recent collaboration first (last shared year), then most shared papers."
    )


def author_filter(search: str | None, given: AuthorFilter | None) -> authors.AuthorFilter:
    term = list_rules.search_text(search)
    if given is None:
        return authors.AuthorFilter(search=term)
    categories = list_rules.categories(given.categories or (), "categories")
    list_rules.at_least_zero(given.min_h_index, "minHIndex")
    list_rules.at_least_zero(given.min_citations, "minCitations")
    return authors.AuthorFilter(
        search=term,
        categories=categories,
        institution_id=(
            _argument("institutionId", lambda: decode_id_of("Institution", str(given.institution_id)))
            if given.institution_id is not None
            else None
        ),
        min_h_index=given.min_h_index,
        min_citations=given.min_citations,
        updated_since=_utc(given.updated_since),
    )


def author_order(order: AuthorOrder | None, data_filter: authors.AuthorFilter) -> authors.AuthorOrder:
    """The requested order, else RELEVANCE when searching, else NAME."""
    return list_rules.author_order(
        None if order is None else authors.AuthorOrder(order.value),
        data_filter,
        refusal="ordering authors by RELEVANCE needs a `search`",
    )


# The arguments every list shares, declared once so each list documents them identically in the SDL.
FirstArg = Annotated[int, strawberry.argument(description="Page size (0 to the server's limit).")]
AfterArg = Annotated[str | None, strawberry.argument(description="`pageInfo.endCursor` of the previous page.")]
SearchArg = Annotated[
    str | None, strawberry.argument(description="Full-text search over titles and abstracts (web-search syntax).")
]
NameSearchArg = Annotated[str | None, strawberry.argument(description="Name or part of a name.")]
FilterArg = Annotated[PaperFilter | None, strawberry.argument(description="Conditions on the papers.")]
AuthorFilterArg = Annotated[AuthorFilter | None, strawberry.argument(description="Conditions on the authors.")]
AuthorOrderArg = Annotated[
    AuthorOrder | None,
    strawberry.argument(description="Order of the authors; default RELEVANCE with `search`, else NAME."),
]
OrderArg = Annotated[
    PaperOrder | None,
    strawberry.argument(description="Order of the papers; default RELEVANCE with `search`, else NEWEST."),
]
