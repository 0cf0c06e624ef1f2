"""Keyset cursors: a round trip gives the key back; a cursor from another ordering, or one that was
tampered with or never issued, is refused with `InvalidInputError` (a client's mistake, never a crash);
dates travel as ISO strings, unknown dates as "-infinity", also through a real paged query.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from api.db import listing, papers
from api.db.keyset import (
    Page,
    Window,
    date_key,
    decode_cursor,
    encode_cursor,
    page_from_rows,
    parse_date_key,
)
from api.db.pool import Database
from api.db.records import PaperRecord
from api.errors import InvalidInputError

NEWEST = "papers:newest"
DATE_ID = (str, int)


def raw_cursor(payload: str) -> str:
    """A cursor made by hand from any JSON text, encoded the way the service encodes its own."""
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


# --- round trip ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "key", "shape"),
    [
        ("papers:newest", ("2024-07-09", 42), (str, int)),
        ("papers:relevance", (0.1 + 0.2, 7), (float, int)),
        ("coauthors:shared", (3, "alberto gonzalez sanz", 12), (int, str, int)),
        ("authors:name", ("louis béthune ☃", 1), (str, int)),
        ("authors:name", (None, 5), (str, int)),
    ],
)
def test_cursor_round_trip(ordering: str, key: tuple[object, ...], shape: tuple[type, ...]) -> None:
    cursor = encode_cursor(ordering, key)  # type: ignore[arg-type]
    assert decode_cursor(ordering, cursor, shape) == key


def test_cursor_is_url_safe_without_padding() -> None:
    cursor = encode_cursor("authors:name", ["é" * 7, 2**62])
    assert cursor.isascii()
    assert not set(cursor) & set("+/= ")


def test_float_key_accepts_an_integer() -> None:
    assert decode_cursor("papers:relevance", encode_cursor("papers:relevance", [1, 3]), (float, int)) == (1, 3)


def test_window_without_after_is_the_first_page() -> None:
    assert Window(first=10).after_key(NEWEST, DATE_ID) is None


def test_window_after_key_decodes_its_cursor() -> None:
    window = Window(first=10, after=encode_cursor(NEWEST, ["2020-07-07", 9]))
    assert window.after_key(NEWEST, DATE_ID) == ("2020-07-07", 9)


def test_page_from_rows_drops_the_lookahead_row() -> None:
    page = page_from_rows(["a", "b", "c"], [("2024-01-03", 3), ("2024-01-02", 2), ("2024-01-01", 1)], NEWEST, 2)
    assert page == Page(
        items=["a", "b"],
        cursors=[encode_cursor(NEWEST, ["2024-01-03", 3]), encode_cursor(NEWEST, ["2024-01-02", 2])],
        has_next=True,
    )
    assert page_from_rows(["a"], [("2024-01-03", 3)], NEWEST, 2).has_next is False


# --- refused cursors ----------------------------------------------------------------------------------


def test_cursor_from_another_ordering_is_refused() -> None:
    cursor = encode_cursor("coauthors:shared", [3, "pierre ablin", 4])
    with pytest.raises(InvalidInputError, match="another list or ordering"):
        decode_cursor(NEWEST, cursor, DATE_ID)


def test_cursor_of_same_key_shape_but_other_ordering_is_refused() -> None:
    cursor = encode_cursor("authors:name", ["2024-07-09", 4])  # same shape (str, int), other list
    with pytest.raises(InvalidInputError, match="another list or ordering"):
        decode_cursor(NEWEST, cursor, DATE_ID)


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("!!!", id="not-base64"),
        pytest.param("été", id="not-ascii"),
        pytest.param("YQ", id="base64-of-not-json"),
        pytest.param(raw_cursor('["papers:newest", '), id="truncated-json"),
        pytest.param(base64.urlsafe_b64encode(b"\xff\xfe[]").decode(), id="not-utf8"),
        pytest.param("", id="empty"),
    ],
)
def test_garbage_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidInputError, match="not a cursor issued by this service"):
        decode_cursor(NEWEST, cursor, DATE_ID)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param('{"ordering": "papers:newest"}', id="object"),
        pytest.param('"papers:newest"', id="string"),
        pytest.param("42", id="number"),
        pytest.param("null", id="null"),
        pytest.param("[]", id="empty-list"),
    ],
)
def test_json_that_is_not_a_cursor_list_is_refused(payload: str) -> None:
    with pytest.raises(InvalidInputError, match="another list or ordering"):
        decode_cursor(NEWEST, raw_cursor(payload), DATE_ID)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param([], id="no-key"),
        pytest.param(["2024-07-09"], id="too-short"),
        pytest.param(["2024-07-09", 4, 5], id="too-long"),
        pytest.param(["2024-07-09", "4"], id="id-as-string"),
        pytest.param(["2024-07-09", 4.0], id="id-as-float"),
        pytest.param(["2024-07-09", True], id="id-as-bool"),
        pytest.param([20240709, 4], id="date-as-number"),
        pytest.param([["2024-07-09"], 4], id="date-as-list"),
        pytest.param([{"d": "2024-07-09"}, 4], id="date-as-object"),
    ],
)
def test_key_of_wrong_shape_is_refused(key: list[object]) -> None:
    cursor = raw_cursor(json.dumps([NEWEST, *key]))
    with pytest.raises(InvalidInputError, match="its key does not fit this list"):
        decode_cursor(NEWEST, cursor, DATE_ID)


def test_bool_is_not_a_float_key() -> None:
    cursor = raw_cursor(json.dumps(["papers:relevance", False, 4]))
    with pytest.raises(InvalidInputError, match="does not fit"):
        decode_cursor("papers:relevance", cursor, (float, int))


def test_error_message_quotes_at_most_40_characters_of_the_cursor() -> None:
    cursor = "!" * 500
    with pytest.raises(InvalidInputError) as raised:
        decode_cursor(NEWEST, cursor, DATE_ID)
    assert "!" * 41 not in str(raised.value)


def test_deeply_nested_json_cursor_is_refused() -> None:
    # A tampered cursor must be refused as input, not crash the decoder with RecursionError.
    cursor = raw_cursor("[" * 100_000)
    with pytest.raises(InvalidInputError):
        decode_cursor(NEWEST, cursor, DATE_ID)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1], ids=["2^63", "-2^63-1"])
def test_id_outside_bigint_range_is_refused(value: int) -> None:
    # Ids are bigint: a bigger integer can only come from tampering, and PostgreSQL would reject it later.
    cursor = raw_cursor(json.dumps([NEWEST, "2024-07-09", value]))
    with pytest.raises(InvalidInputError):
        decode_cursor(NEWEST, cursor, DATE_ID)


def test_string_key_with_nul_is_refused() -> None:
    # PostgreSQL text cannot hold NUL: such a key can only come from tampering.
    cursor = raw_cursor(json.dumps(["authors:name", "louis\u0000bethune", 1]))
    with pytest.raises(InvalidInputError):
        decode_cursor("authors:name", cursor, (str, int))


# --- date keys ----------------------------------------------------------------------------------------


def test_date_key_is_iso() -> None:
    assert date_key(dt.date(2024, 7, 9)) == "2024-07-09"
    assert parse_date_key("2024-07-09") == dt.date(2024, 7, 9)


def test_unknown_date_is_minus_infinity() -> None:
    assert date_key(None) == "-infinity"
    assert date_key(dt.date.min) == "-infinity"  # asyncpg reads PostgreSQL's -infinity as date.min
    assert parse_date_key("-infinity") == dt.date.min


@pytest.mark.parametrize("value", ["infinity", "2024-02-30", "yesterday", "", 20240709, None, 1.5])
def test_malformed_date_key_is_refused(value: object) -> None:
    with pytest.raises(InvalidInputError, match="its date is not a date"):
        parse_date_key(value)  # type: ignore[arg-type]


async def insert_papers(db: Database, dates: list[dt.date | None]) -> list[int]:
    ids = []
    for n, date in enumerate(dates, 1):
        paper_id: int = await db.fetchval(
            "INSERT INTO papers (title, published_on, published_precision) VALUES ($1, $2, $3) RETURNING id",
            f"Paper {n}",
            date,
            None if date is None else "day",
        )
        ids.append(paper_id)
    return ids


async def list_papers(db: Database, window: Window) -> Page[PaperRecord]:
    """Every paper, newest first: the root list."""
    found = await papers.list_papers(
        db, papers.PaperScope.ALL, [listing.ALL], papers.PaperFilter(), papers.PaperOrder.NEWEST, window
    )
    return found[listing.ALL]


async def test_paging_through_dated_and_undated_papers(db: Database) -> None:
    dates = [dt.date(2024, 7, 9), None, dt.date(2020, 7, 7), None, dt.date(2024, 7, 9)]
    ids = await insert_papers(db, dates)
    seen: list[int] = []
    cursors: list[str] = []
    window = Window(first=2)
    while True:
        page = await list_papers(db, window)
        seen.extend(paper.id for paper in page.items)
        cursors.extend(page.cursors)
        if not page.has_next:
            break
        window = Window(first=2, after=page.cursors[-1])
    # Newest first, ties by id descending, undated last.
    assert seen == [ids[4], ids[0], ids[2], ids[3], ids[1]]
    assert [decode_cursor(NEWEST, cursor, DATE_ID)[0] for cursor in cursors] == [
        "2024-07-09", "2024-07-09", "2020-07-07", "-infinity", "-infinity",
    ]  # fmt: skip


async def test_paging_resumes_after_an_undated_paper(db: Database) -> None:
    ids = await insert_papers(db, [None, None, None])
    after = encode_cursor(NEWEST, ["-infinity", ids[2]])
    page = await list_papers(db, Window(first=5, after=after))
    assert [paper.id for paper in page.items] == [ids[1], ids[0]]


async def test_paged_query_refuses_an_id_outside_bigint_range(db: Database) -> None:
    # Today the key passes decode_cursor and asyncpg fails on it (DataError: value out of int64 range).
    after = raw_cursor(json.dumps([NEWEST, "2024-07-09", 10**20]))
    with pytest.raises(InvalidInputError):
        await list_papers(db, Window(first=2, after=after))


async def test_paged_query_refuses_a_cursor_of_another_ordering(db: Database) -> None:
    with pytest.raises(InvalidInputError, match="another list or ordering"):
        await list_papers(db, Window(first=2, after=encode_cursor("papers:relevance", [0.5, 3])))
