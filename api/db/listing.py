"""The machinery shared by every paginated list: numbered SQL parameters, sort keys, keyset predicates.

A list is read with keyset pagination: rows are ordered by a tuple of non-null sort expressions ending
in a unique id, and a page starts strictly after the sort key carried by the `after` cursor. With mixed
directions the predicate is the lexicographic expansion

    (k1 after v1) OR (k1 = v1 AND k2 after v2) OR ... (k1 = v1 AND ... AND kn after vn)

where "after" is `<` for a descending key and `>` for an ascending one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from api.db.keyset import KeyValue, Page, Window
from api.db.pool import Database
from api.db.records import Row
from api.errors import InvalidInputError

T = TypeVar("T")


class Params:
    """Collects query arguments and hands out their `$n` placeholders, in order."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any, cast: str = "") -> str:
        self.values.append(value)
        return f"${len(self.values)}{'::' + cast if cast else ''}"


@dataclass(frozen=True)
class SortKey:
    """One component of an ordering: a non-null SQL expression, its direction and its value type."""

    expression: str
    descending: bool
    kind: type  # int, float, str, dt.date or dt.datetime
    cast: str  # the SQL type the cursor value is compared as


@dataclass(frozen=True)
class Ordering:
    """A named ordering; its name travels in cursors so that they cannot cross orderings."""

    name: str
    keys: tuple[SortKey, ...]

    def order_by(self, alias: str = "") -> str:
        prefix = f"{alias}." if alias else ""
        return ", ".join(f"{prefix}k{i} {'DESC' if key.descending else 'ASC'}" for i, key in enumerate(self.keys))

    def select_keys(self) -> str:
        return ", ".join(f"{key.expression} AS k{i}" for i, key in enumerate(self.keys))

    def page_sql(self, columns: str, source: str, condition: str, limit: str) -> str:
        """SQL of a page: the rows of `source` meeting `condition`, at most `limit` (SQL: a number or a
        placeholder), with `columns` and their keys k0..kn, in this ordering."""
        return (
            f"SELECT {columns}, {self.select_keys()} FROM {source} WHERE {condition} "
            f"ORDER BY {self.order_by()} LIMIT {limit}"
        )

    def cursor(self, alias: str = "") -> str:
        """SQL of the cursor of a row whose keys were selected by `select_keys` (as `alias`.k0, ...).

        Cursors are written by PostgreSQL, for the resolver path and the compiled path alike, so that both
        hand out the same bytes; `keyset.decode_cursor` reads them.
        """
        prefix = f"{alias}." if alias else ""
        keys = ", ".join(f"{prefix}k{i}" for i in range(len(self.keys)))
        return cursor_sql(f"json_build_array('{self.name}', {keys})::text")

    def after_predicate(self, window: Window, params: Params) -> str:
        """The SQL condition selecting rows strictly after the window's cursor ('TRUE' on a first page)."""
        shape = [_cursor_type(key.kind) for key in self.keys]
        after = window.after_key(self.name, shape)
        if after is None:
            return "TRUE"
        if any(value is None for value in after):
            raise InvalidInputError("malformed cursor: its key has an empty part")
        values = [params.add(_from_cursor(value, key), key.cast) for value, key in zip(after, self.keys, strict=True)]
        alternatives = []
        for i, key in enumerate(self.keys):
            equal = [f"{self.keys[j].expression} = {values[j]}" for j in range(i)]
            beyond = f"{key.expression} {'<' if key.descending else '>'} {values[i]}"
            alternatives.append("(" + " AND ".join([*equal, beyond]) + ")")
        return "(" + " OR ".join(alternatives) + ")"

    def page(self, rows: Sequence[Any], items: Sequence[Any], first: int) -> Page[Any]:
        """The page of `items`, read with LIMIT first + 1, each row carrying its `cursor` column."""
        cursors = [row["cursor"] for row in rows[:first]]
        return Page(items=list(items[:first]), cursors=cursors, has_next=len(rows) > first)


def cursor_sql(json_text: str) -> str:
    """SQL of the opaque cursor of a JSON array text: its unpadded base64url (what `decode_cursor` reads;
    PostgreSQL's base64 breaks lines every 76 characters, which are dropped)."""
    return f"rtrim(translate(encode(convert_to({json_text}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"


def _cursor_type(kind: type) -> type:
    return str if kind in (dt.date, dt.datetime) else kind


def _from_cursor(value: KeyValue, key: SortKey) -> Any:
    try:
        if key.kind is dt.date:
            if value == "-infinity":
                return dt.date.min
            if value == "infinity":
                return dt.date.max
            return dt.date.fromisoformat(str(value))
        if key.kind is dt.datetime:
            return dt.datetime.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidInputError("malformed cursor: its date is not a date") from error
    if key.kind is float and value is not None:
        return float(value)
    if (
        isinstance(value, int)
        and not _SQL_INT_RANGE.get(key.cast, (value, value))[0]
        <= value
        <= _SQL_INT_RANGE.get(key.cast, (value, value))[1]
    ):
        raise InvalidInputError("malformed cursor: its key is out of range")
    return value


_SQL_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}


Parent = tuple[int, int]
"""Whose list: (author, 0), (author, other author), (institution, 0), (paper, 0); (0, 0) for all."""

ALL: Parent = (0, 0)


@dataclass(frozen=True)
class ListQuery:
    """The parts of a batched list query: the rows to read (`source`, `condition`, over `x(parent,
    other)`), with their parameters already added to `params`."""

    params: Params
    parents: str
    source: str
    condition: str


def list_query(parents: Sequence[Parent], build: Callable[[Params], tuple[str, str]]) -> ListQuery:
    """Number the parents' parameters, then let `build` add the filter's and return (source, condition)."""
    params = Params()
    firsts = params.add([p[0] for p in parents], "bigint[]")
    seconds = params.add([p[1] for p in parents], "bigint[]")
    source, condition = build(params)
    return ListQuery(params, f"unnest({firsts}, {seconds}) AS x(parent, other)", source, condition)


async def fetch_pages(
    db: Database,
    query: ListQuery,
    parents: Sequence[Parent],
    *,
    columns: str,
    ordering: Ordering,
    window: Window,
    convert: Callable[[Row], T],
) -> dict[Parent, Page[T]]:
    """One page of each parent's list, in one statement: a LATERAL join per parent."""
    after = ordering.after_predicate(window, query.params)
    limit = query.params.add(window.first + 1, "integer")
    rows = await db.fetch(
        f"""
        SELECT x.parent AS of_parent, x.other AS of_other, page.*, {ordering.cursor("page")} AS cursor
        FROM {query.parents}
        CROSS JOIN LATERAL (
            {ordering.page_sql(columns, query.source, f"{query.condition} AND {after}", limit)}
        ) page
        """,
        *query.params.values,
    )
    grouped: dict[Parent, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[(row["of_parent"], row["of_other"])].append(row)
    return {
        parent: ordering.page(grouped[parent], [convert(row) for row in grouped[parent]], window.first)
        for parent in parents
    }


async def fetch_counts(db: Database, query: ListQuery) -> dict[Parent, int]:
    """The exact size of each parent's list, in one statement."""
    rows = await db.fetch(
        f"""
        SELECT x.parent, x.other, (SELECT count(*) FROM {query.source} WHERE {query.condition}) AS n
        FROM {query.parents}
        """,
        *query.params.values,
    )
    return {(row["parent"], row["other"]): int(row["n"]) for row in rows}
