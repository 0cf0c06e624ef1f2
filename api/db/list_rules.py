"""The rules of every list's arguments, whichever API they come through.

GraphQL (`api.graphql.inputs`, the resolver path and the compiled path alike) and REST
(`api.rest.filters`) check a list's search text, categories, date range, minimums, page window and
ordering here, each naming its own parameter (`publishedFrom` or `published_from`) in the error, so that
the two APIs cannot drift apart on what they accept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from api.db import authors, papers
from api.db.keyset import Window
from api.errors import InvalidInputError

MAX_CATEGORIES = 50
MAX_SEARCH_LENGTH = 500
MAX_CATEGORY_LENGTH = 100


def search_text(value: str | None, name: str = "search") -> str | None:
    """Free text, stripped; None when empty."""
    text = (value or "").strip()
    if "\x00" in text:
        raise InvalidInputError(f"`{name}` must not contain NUL characters")
    if len(text) > MAX_SEARCH_LENGTH:
        raise InvalidInputError(f"`{name}` is longer than {MAX_SEARCH_LENGTH} characters")
    return text or None


def categories(values: Sequence[str], name: str) -> tuple[str, ...]:
    """arXiv categories to match any of: at most MAX_CATEGORIES, each 1 to 100 characters."""
    found = tuple(value.strip() for value in values)
    if len(found) > MAX_CATEGORIES:
        raise InvalidInputError(f"at most {MAX_CATEGORIES} `{name}` values (got {len(found)})")
    if any(not category or len(category) > MAX_CATEGORY_LENGTH for category in found):
        raise InvalidInputError(f"`{name}` must be a category such as cs.LG (1 to {MAX_CATEGORY_LENGTH} characters)")
    return found


def date_range(start: dt.date | None, end: dt.date | None, names: tuple[str, str]) -> None:
    if start is not None and end is not None and start > end:
        raise InvalidInputError(f"`{names[0]}` is after `{names[1]}`")


def at_least_zero(value: int | None, name: str) -> int | None:
    if value is not None and value < 0:
        raise InvalidInputError(f"`{name}` must not be negative")
    return value


def window(first: int, after: str | None, max_page_size: int, name: str = "first") -> Window:
    """The slice of a list to read: `first` rows (0 to the page size limit) after the cursor `after`."""
    if first < 0 or first > max_page_size:
        raise InvalidInputError(f"`{name}` must be between 0 and {max_page_size} (got {first})")
    return Window(first=first, after=after)


def paper_order(
    order: papers.PaperOrder | None, paper_filter: papers.PaperFilter, *, refusal: str
) -> papers.PaperOrder:
    """The order asked for, else RELEVANCE when searching, else NEWEST; RELEVANCE needs a search."""
    if order is None:
        return papers.PaperOrder.RELEVANCE if paper_filter.search else papers.PaperOrder.NEWEST
    if order is papers.PaperOrder.RELEVANCE and not paper_filter.search:
        raise InvalidInputError(refusal)
    return order


def author_order(
    order: authors.AuthorOrder | None, author_filter: authors.AuthorFilter, *, refusal: str
) -> authors.AuthorOrder:
    """The order asked for, else RELEVANCE when searching, else NAME; RELEVANCE needs a search."""
    if order is None:
        return authors.AuthorOrder.RELEVANCE if author_filter.search else authors.AuthorOrder.NAME
    if order is authors.AuthorOrder.RELEVANCE and not author_filter.search:
        raise InvalidInputError(refusal)
    return order
