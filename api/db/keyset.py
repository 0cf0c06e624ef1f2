"""Keyset pagination: opaque cursors that carry the sort key of the last row seen.

A cursor is the base64url of a JSON array `[ordering, key...]`. The ordering's name travels with the
key, so a cursor taken from one list ordering is refused by another instead of silently skipping rows.
Paging by key rather than by offset keeps every page as cheap as the first and stable under inserts.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from api.errors import InvalidInputError

T = TypeVar("T")

KeyValue = int | float | str | None
"""One component of a sort key, as stored in a cursor (dates travel as ISO strings)."""


@dataclass(frozen=True)
class Window:
    """Which slice of a list to read: at most `first` rows strictly after the row of cursor `after`."""

    first: int
    after: str | None = None

    def after_key(self, ordering: str, shape: Sequence[type]) -> tuple[KeyValue, ...] | None:
        """The sort key `after` carries, checked to come from `ordering`; None on the first page."""
        return None if self.after is None else decode_cursor(ordering, self.after, shape)


@dataclass(frozen=True)
class Page(Generic[T]):
    """A slice of a list: its rows, each row's cursor, and whether more rows follow."""

    items: list[T]
    cursors: list[str]
    has_next: bool


def encode_cursor(ordering: str, key: Sequence[KeyValue]) -> str:
    raw = json.dumps([ordering, *key], separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


MAX_CURSOR_LENGTH = 1_024
_BIGINT = (-(2**63), 2**63 - 1)


def decode_cursor(ordering: str, cursor: str, shape: Sequence[type]) -> tuple[KeyValue, ...]:
    """The key inside `cursor`, checked against the ordering it must come from and the key's shape."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidInputError(f"malformed cursor: longer than {MAX_CURSOR_LENGTH} characters")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error, RecursionError) as error:
        raise InvalidInputError(f"malformed cursor {cursor[:40]!r}: not a cursor issued by this service") from error
    if not isinstance(decoded, list) or not decoded or decoded[0] != ordering:
        raise InvalidInputError(f"cursor {cursor[:40]!r} belongs to another list or ordering than this one")
    key = decoded[1:]
    if len(key) != len(shape) or not all(_fits(value, kind) for value, kind in zip(key, shape, strict=True)):
        raise InvalidInputError(f"malformed cursor {cursor[:40]!r}: its key does not fit this list")
    return tuple(key)


def _fits(value: object, kind: type) -> bool:
    """Whether a decoded key component is of the type the ordering needs, and within what SQL accepts."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if kind is float:
        if isinstance(value, int):
            return abs(value) <= 2**53  # exactly representable; larger ints would overflow a float
        return isinstance(value, float) and math.isfinite(value)
    if kind is int:
        return isinstance(value, int) and _BIGINT[0] <= value <= _BIGINT[1]
    if kind is str:
        return isinstance(value, str) and "\x00" not in value
    return isinstance(value, kind)


def page_from_rows(rows: Sequence[T], keys: Sequence[Sequence[KeyValue]], ordering: str, first: int) -> Page[T]:
    """Rows were fetched with LIMIT first + 1: the extra row only tells that a next page exists."""
    return Page(
        items=list(rows[:first]),
        cursors=[encode_cursor(ordering, key) for key in keys[:first]],
        has_next=len(rows) > first,
    )


def date_key(value: dt.date | None) -> str:
    """A date as a sort key component. Unknown dates sort as -infinity (asyncpg's `date.min`): last in
    newest-first order."""
    return "-infinity" if value is None or value == dt.date.min else value.isoformat()


def parse_date_key(value: KeyValue) -> dt.date:
    if value == "-infinity":
        return dt.date.min
    if not isinstance(value, str):
        raise InvalidInputError("malformed cursor: its date is not a date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInputError("malformed cursor: its date is not a date") from error
