"""Query parameters of the REST endpoints: declared once, for the parser and the OpenAPI document alike.

Each endpoint declares the `Param`s it takes and reads them through a `Query`, which is strict:

- a parameter the endpoint does not take is refused (400, naming it), so a typo never silently drops a
  filter;
- a parameter given twice is refused unless it is declared repeatable;
- a value that does not parse, or lies outside its range, is refused with a message naming the parameter.

An empty value is a value: `first=` is not an integer. The exceptions are the free-text `search` and the
cursor `after`, where empty means absent (what a client building URLs from empty variables sends).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from starlette.requests import Request

from api.db import list_rules
from api.db.keyset import Page, Window
from api.errors import InvalidInputError

E = TypeVar("E", bound=Enum)

INT32_MAX = 2**31 - 1
"""The largest integer a parameter takes (figures are 32-bit in the database)."""

DEFAULT_PAGE_SIZE = 20
MAX_SEARCH_LENGTH = list_rules.MAX_SEARCH_LENGTH


@dataclass(frozen=True)
class Param:
    """A query parameter: its name, its documentation and the JSON Schema of one of its values."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    repeatable: bool = False

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 parameter object."""
        schema = {"type": "array", "items": dict(self.schema)} if self.repeatable else dict(self.schema)
        parameter: dict[str, Any] = {
            "name": self.name,
            "in": "query",
            "required": False,
            "description": self.description,
            "schema": schema,
        }
        if self.repeatable:
            parameter |= {"style": "form", "explode": True}
        return parameter


FIRST = Param(
    "first",
    f"Page size, 0 to the server's limit (100 unless configured), default {DEFAULT_PAGE_SIZE}. "
    "`first=0` answers only the total.",
    {"type": "integer", "minimum": 0, "maximum": 100, "default": DEFAULT_PAGE_SIZE},
)
AFTER = Param(
    "after",
    "`next_cursor` of the previous page (from the same list, in the same `sort`).",
    {"type": "string", "maxLength": 1024},
)
PAGING: tuple[Param, ...] = (FIRST, AFTER)


def next_cursor(page: Page[Any], window: Window) -> str | None:
    """Where the next page starts: after this page's last item (or where this page started, if empty)."""
    if not page.has_next:
        return None
    return page.cursors[-1] if page.cursors else window.after


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def _no_nul(name: str, value: str) -> str:
    if "\x00" in value:  # no text in PostgreSQL can hold one
        raise InvalidInputError(f"`{name}` must not contain NUL characters")
    return value


class Query:
    """The query parameters of one request, checked against the parameters its endpoint declares."""

    def __init__(self, request: Request, accepted: Sequence[Param]) -> None:
        self._params = request.query_params
        self._accepted = {param.name: param for param in accepted}
        if not request.scope.get("query_string"):
            return  # nothing to check
        names = list(dict.fromkeys(name for name, _ in self._params.multi_items()))
        unknown = [name for name in names if name not in self._accepted]
        if unknown:
            listed = ", ".join(f"`{name[:40]}`" for name in unknown[:10])
            takes = ", ".join(f"`{name}`" for name in self._accepted) or "none"
            plural = "s" if len(unknown) > 1 else ""
            raise InvalidInputError(f"unknown query parameter{plural} {listed} (this endpoint takes: {takes})")
        for name in names:
            if not self._accepted[name].repeatable and len(self._params.getlist(name)) > 1:
                raise InvalidInputError(f"`{name}` is given more than once; give it once")

    def text(self, name: str) -> str | None:
        """The raw value, or None when absent."""
        self._declared(name)
        value = self._params.get(name)
        return None if value is None else _no_nul(name, value)

    def texts(self, name: str) -> list[str]:
        """Every value of a repeatable parameter, in order."""
        self._declared(name)
        return [_no_nul(name, value) for value in self._params.getlist(name)]

    def search(self, name: str = "search") -> str | None:
        """Free text: stripped; empty means absent."""
        return list_rules.search_text(self.text(name), name)

    def integer(self, name: str, *, minimum: int = 0, maximum: int = INT32_MAX) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        if not re.fullmatch(r"[+-]?\d+", value):
            raise InvalidInputError(f"`{name}` must be an integer (got {_shown(value)})")
        number = int(value) if len(value) <= 20 else None  # longer: out of any range, not worth parsing
        if number is None or not minimum <= number <= maximum:
            raise InvalidInputError(f"`{name}` must be between {minimum} and {maximum} (got {_shown(value)})")
        return number

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        folded = value.strip().lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise InvalidInputError(f"`{name}` must be true or false (got {_shown(value)})")

    def date(self, name: str) -> dt.date | None:
        """A calendar day, YYYY-MM-DD."""
        value = self.text(name)
        if value is None:
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise InvalidInputError(f"`{name}` must be a date, YYYY-MM-DD (got {_shown(value)})") from error

    def instant(self, name: str) -> dt.datetime | None:
        """An instant: a date (midnight UTC) or an ISO 8601 date-time; without an offset, UTC."""
        value = self.text(name)
        if value is None:
            return None
        try:
            if not _INSTANT.fullmatch(value):
                raise ValueError(value)
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC)
        except (ValueError, OverflowError) as error:
            raise InvalidInputError(
                f"`{name}` must be a date or an ISO 8601 date-time, e.g. 2024-05-01 or 2024-05-01T12:00:00Z "
                f"(write `+` in an offset as %2B) (got {_shown(value)})"
            ) from error

    def choice(self, name: str, options: type[E]) -> E | None:
        """One of an enumeration's values."""
        value = self.text(name)
        if value is None:
            return None
        for option in options:
            if option.value == value:
                return option
        known = ", ".join(str(option.value) for option in options)
        raise InvalidInputError(f"`{name}` must be one of {known} (got {_shown(value)})")

    def window(self, max_page_size: int) -> Window:
        """`first` and `after`: which slice of a list to read."""
        first = self.integer("first", maximum=max_page_size)
        after = self.text("after") or None
        return Window(first=min(DEFAULT_PAGE_SIZE, max_page_size) if first is None else first, after=after)

    def _declared(self, name: str) -> None:
        if name not in self._accepted:  # a handler reading a parameter its endpoint does not declare
            raise LookupError(f"parameter {name!r} is not declared for this endpoint")
