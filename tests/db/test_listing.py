"""api/db/listing.py: numbered parameters, orderings and their keyset predicate.

The predicate is checked twice: as the lexicographic expansion the module documents, and by paging a
real table in every mix of directions over int, text, date (with the infinities standing for unknown
dates), timestamptz and float keys, against the same rows sorted in Python, for several page sizes.
Cursors are bound to their ordering and carry dates, times and floats exactly.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import _admin, _with_database

from api.db.keyset import Window, encode_cursor
from api.db.listing import Ordering, Params, SortKey
from api.db.pool import Database
from api.errors import InvalidInputError

# --- Params and the SQL an ordering writes ------------------------------------------------------------------


def test_params_number_their_placeholders_in_order_with_casts() -> None:
    params = Params()
    assert [params.add(5), params.add("x", "text"), params.add([1, 2], "bigint[]")] == [
        "$1",
        "$2::text",
        "$3::bigint[]",
    ]
    assert params.values == [5, "x", [1, 2]]


MIXED = Ordering(
    "test:mixed",
    (SortKey("t.a", True, int, "integer"), SortKey("t.b", False, str, "text"), SortKey("t.id", False, int, "bigint")),
)


def test_order_by_and_select_keys_name_the_keys_k0_k1() -> None:
    assert MIXED.order_by() == "k0 DESC, k1 ASC, k2 ASC"
    assert MIXED.order_by("page") == "page.k0 DESC, page.k1 ASC, page.k2 ASC"
    assert MIXED.select_keys() == "t.a AS k0, t.b AS k1, t.id AS k2"


def test_the_first_page_has_no_predicate_and_no_parameter() -> None:
    params = Params()
    assert MIXED.after_predicate(Window(first=3), params) == "TRUE"
    assert params.values == []


def test_the_predicate_is_the_lexicographic_expansion_with_each_keys_direction() -> None:
    params = Params()
    params.add("something before")
    cursor = encode_cursor("test:mixed", [3, "x", 7])
    predicate = MIXED.after_predicate(Window(first=3, after=cursor), params)
    assert predicate == (
        "((t.a < $2::integer)"
        " OR (t.a = $2::integer AND t.b > $3::text)"
        " OR (t.a = $2::integer AND t.b = $3::text AND t.id > $4::bigint))"
    )
    assert params.values == ["something before", 3, "x", 7]


# --- cursors are bound to their ordering -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        (encode_cursor("test:other", [3, "x", 7]), "another list or ordering"),  # same key shape, other name
        (encode_cursor("test:mixed", [3, "x"]), "does not fit"),  # a key part missing
        (encode_cursor("test:mixed", ["3", "x", 7]), "does not fit"),  # text where an int belongs
        (encode_cursor("test:mixed", [3, "x", 7.5]), "does not fit"),  # a float where an int belongs
        (encode_cursor("test:mixed", [True, "x", 7]), "does not fit"),  # JSON true is no number
    ],
)
def test_a_cursor_of_another_ordering_or_shape_is_refused(cursor: str, message: str) -> None:
    params = Params()
    with pytest.raises(InvalidInputError, match=message):
        MIXED.after_predicate(Window(first=3, after=cursor), params)
    assert params.values == []


async def cursors_of(table: Database, ordering: Ordering, *keys: tuple[Any, ...]) -> list[str]:
    """The cursors PostgreSQL writes for rows with these sort keys (the SQL both GraphQL paths use)."""
    casts = [key.cast for key in ordering.keys]
    rows = []
    for key in keys:
        columns = ", ".join(f"${i + 1}::{cast} AS k{i}" for i, cast in enumerate(casts))
        row = await table.fetchrow(f"SELECT {ordering.cursor('page')} AS cursor FROM (SELECT {columns}) page", *key)
        assert row is not None
        rows.append(row)
    return ordering.page(rows, [None] * len(rows), len(rows)).cursors


async def test_the_ordering_name_of_a_page_goes_into_its_cursors(table: Database) -> None:
    other = Ordering("test:other", MIXED.keys)
    [cursor] = await cursors_of(table, other, (3, "x", 7))
    with pytest.raises(InvalidInputError, match="another list or ordering"):
        MIXED.after_predicate(Window(first=1, after=cursor), Params())
    assert other.after_predicate(Window(first=1, after=cursor), Params()).startswith("((t.a < $1")


# --- key values travel exactly through cursors -------------------------------------------------------------

KINDS = Ordering(
    "test:kinds",
    (
        SortKey("d", True, dt.date, "date"),
        SortKey("ts", False, dt.datetime, "timestamptz"),
        SortKey("f", True, float, "float8"),
        SortKey("id", False, int, "bigint"),
    ),
)
PARIS = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    "row",
    [
        (dt.date(2024, 2, 29), dt.datetime(2026, 11, 27, 18, 4, 36, 140562, tzinfo=dt.UTC), 0.1 + 0.2, 1),
        (dt.date.min, dt.datetime(2020, 1, 1, tzinfo=PARIS), 0.3, 2**62),  # -infinity: an unknown date, newest-first
        (dt.date.max, dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC), -1e-300, 3),  # +infinity
        (dt.date(1, 1, 2), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 5e307, 4),
        (dt.date(2024, 1, 1), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 1.0, 5),  # an integral float
    ],
)
async def test_a_rows_key_comes_back_exactly_from_its_cursor(table: Database, row: tuple[Any, ...]) -> None:
    [cursor] = await cursors_of(table, KINDS, row)
    params = Params()
    KINDS.after_predicate(Window(first=1, after=cursor), params)
    assert params.values == list(row)  # the instant, the date and the float exactly


async def test_a_cursor_longer_than_a_base64_line_has_no_line_break(table: Database) -> None:
    names = Ordering("test:names", (SortKey("s", False, str, "text"), SortKey("id", False, int, "bigint")))
    [cursor] = await cursors_of(table, names, ("é" * 200 + '\\"\n', 1))
    assert "\n" not in cursor
    assert "=" not in cursor
    params = Params()
    names.after_predicate(Window(first=1, after=cursor), params)
    assert params.values == ["é" * 200 + '\\"\n', 1]


@pytest.mark.parametrize(
    "key",
    [["2024-13-45", "2020-01-01T00:00:00+00:00", 0.5, 1], ["2024-01-01", "yesterday", 0.5, 1]],
    ids=["not a date", "not a time"],
)
def test_a_cursor_whose_date_or_time_does_not_parse_is_refused(key: list[Any]) -> None:
    with pytest.raises(InvalidInputError, match="malformed cursor"):
        KINDS.after_predicate(Window(first=1, after=encode_cursor("test:kinds", key)), Params())


# Cursors the service never issues, that get past the shape check today.
INT4 = Ordering("test:int4", (SortKey("n", True, int, "integer"), SortKey("id", False, int, "bigint")))
FLOAT = Ordering("test:float", (SortKey("f", True, float, "float8"), SortKey("id", False, int, "bigint")))


@pytest.mark.parametrize(
    ("ordering", "key"),
    [
        (FLOAT, [10**400, 1]),  # an integer too large for any float: OverflowError in keyset._fits
        (FLOAT, [-(10**400), 1]),
        (INT4, [None, 1]),  # the keys are non-null, so `n < NULL` would silently select nothing
    ],
    ids=["huge float", "huge negative float", "null key"],
)
def test_a_cursor_the_service_never_issues_is_refused_before_sql(ordering: Ordering, key: list[Any]) -> None:
    with pytest.raises(InvalidInputError, match="cursor"):
        ordering.after_predicate(Window(first=1, after=encode_cursor(ordering.name, key)), Params())


# --- paging a real table in every mix of directions --------------------------------------------------------

T = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
COLUMNS: dict[str, tuple[type, str, list[Any]]] = {
    # column: (kind, SQL type, the values the rows cycle through: many ties, adjacent values)
    "i": (int, "integer", [0, 1, 2, -5]),
    "s": (str, "text", ["a", "b", "ab"]),
    "d": (dt.date, "date", [None, dt.date(2024, 1, 1), dt.date(2024, 1, 2)]),  # NULL: an unknown date
    "ts": (dt.datetime, "timestamptz", [T, T + dt.timedelta(microseconds=1), T + dt.timedelta(seconds=1)]),
    "f": (float, "float8", [0.1 + 0.2, 0.3, -1.5, 1e-300]),  # 0.1 + 0.2 and 0.3 are adjacent floats
    "f4": (float, "real", [0.1, 0.2, 0.1]),  # a float4 column compared as float8
}
ROWS = 36


def value(column: str, n: int) -> Any:
    values = COLUMNS[column][2]
    return values[(n * (len(column) + 1) + n // len(values)) % len(values)]


@pytest.fixture(scope="module")
async def table(server_url: str, template_database: str) -> AsyncIterator[Database]:
    name = f"sg_listing_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    db = await Database.connect(_with_database(server_url, name), min_size=1, max_size=2)
    try:
        async with db.transaction() as c:
            columns = ", ".join(f"{column} {sql_type}" for column, (_, sql_type, _) in COLUMNS.items())
            await c.execute(f"CREATE TABLE keyed (id bigint PRIMARY KEY, {columns})")
            await c.executemany(
                f"INSERT INTO keyed VALUES ($1, {', '.join(f'${i + 2}' for i in range(len(COLUMNS)))})",
                [[n + 1, *(value(column, n) for column in COLUMNS)] for n in range(ROWS)],
            )
        yield db
    finally:
        await db.close()
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sort_key(column: str, descending: bool) -> SortKey:
    kind, sql_type, _ = COLUMNS[column]
    if column == "d":  # unknown dates last both ways, as paper orderings do
        return SortKey(f"coalesce(d, '{'-' if descending else ''}infinity'::date)", descending, dt.date, "date")
    if column == "f4":
        return SortKey("f4::float8", descending, float, "float8")
    return SortKey(column, descending, kind, sql_type)


def python_value(row: dict[str, Any], column: str, descending: bool) -> Any:
    if column == "d" and row["d"] is None:
        return dt.date.min if descending else dt.date.max
    if column == "f4":
        return row["f4_as_float8"]
    return row[column]


PAIRS = [("i", "s"), ("s", "i"), ("d", "f"), ("f", "d"), ("ts", "i"), ("i", "ts"), ("f4", "s"), ("d", "ts")]
DIRECTIONS = list(itertools.product([True, False], repeat=3))


@pytest.mark.parametrize("directions", DIRECTIONS, ids=lambda d: "".join("D" if x else "A" for x in d))
@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
async def test_paging_in_every_mix_of_directions_loses_and_repeats_nothing(
    table: Database, pair: tuple[str, str], directions: tuple[bool, bool, bool]
) -> None:
    (first_column, second_column), (first_desc, second_desc, id_desc) = pair, directions
    ordering = Ordering(
        "test:walk",
        (
            sort_key(first_column, first_desc),
            sort_key(second_column, second_desc),
            SortKey("id", id_desc, int, "bigint"),
        ),
    )
    rows = [dict(r) for r in await table.fetch("SELECT *, f4::float8 AS f4_as_float8 FROM keyed")]
    expected = [row["id"] for row in rows]
    for column, descending in reversed([(first_column, first_desc), (second_column, second_desc), ("id", id_desc)]):
        by_id = {row["id"]: row for row in rows}
        expected.sort(key=lambda i: python_value(by_id[i], column, descending), reverse=descending)

    for size in (1, 4, 7):
        walked: list[int] = []
        window = Window(first=size)
        for _ in range(ROWS + 2):
            params = Params()
            after = ordering.after_predicate(window, params)
            limit = params.add(size + 1, "integer")
            found = await table.fetch(
                f"SELECT page.id, {ordering.cursor('page')} AS cursor FROM ("
                f"SELECT id, {ordering.select_keys()} FROM keyed WHERE {after} "
                f"ORDER BY {ordering.order_by()} LIMIT {limit}) page ORDER BY {ordering.order_by('page')}",
                *params.values,
            )
            page = ordering.page(found, [row["id"] for row in found], size)
            walked += page.items
            if not page.has_next:
                break
            window = Window(first=size, after=page.cursors[-1])
        assert walked == expected, f"page size {size}"


async def test_the_table_has_the_ties_the_walks_need(table: Database) -> None:
    counts = await table.fetchrow(
        "SELECT count(DISTINCT i) AS i, count(DISTINCT s) AS s, count(*) FILTER (WHERE d IS NULL) AS undated, "
        "count(DISTINCT d) AS d, count(DISTINCT ts) AS ts, count(DISTINCT f) AS f, count(DISTINCT f4) AS f4 "
        "FROM keyed"
    )
    assert counts is not None
    assert dict(counts) == {"i": 4, "s": 3, "undated": 12, "d": 2, "ts": 3, "f": 4, "f4": 2}


async def test_an_int4_key_beyond_its_range_is_a_cursor_error_not_a_database_error(table: Database) -> None:
    """The bigint check passes 2**40; the `integer` cast then fails in asyncpg (a masked internal error)."""
    ordering = Ordering("test:int4", (SortKey("i", True, int, "integer"), SortKey("id", False, int, "bigint")))
    window = Window(first=2, after=encode_cursor("test:int4", [2**40, 1]))
    with pytest.raises(InvalidInputError, match="cursor"):
        await read_after(table, ordering, window)


async def read_after(table: Database, ordering: Ordering, window: Window) -> list[Any]:
    params = Params()
    after = ordering.after_predicate(window, params)  # should refuse the cursor here
    return await table.fetch(f"SELECT id FROM keyed WHERE {after} LIMIT 2", *params.values)  # not fail here
