"""api/db/compiled.py: the values PostgreSQL writes into a compiled response are the bytes the resolver
path writes (global ids, instants, external ids' URLs), and what the compiler cannot express is refused.

Whole responses of both paths are compared in tests/graphql (the differential tests); here each value
writer is held to its Python twin over edge cases that data rarely holds.
"""

from __future__ import annotations

import datetime as dt

import pytest

from api.db.compiled import Unsupported, compile_read, external_url, global_id, iso_instant, literal
from api.db.pool import Database
from api.db.selection import Field
from api.ids import ExternalId, encode_id

PARIS = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize("type_name", ["Author", "Paper", "Institution"])
@pytest.mark.parametrize("number", [1, 7, 99, 123_456, 2**31, 2**63 - 1])
async def test_global_ids_are_written_as_encode_id_writes_them(db: Database, type_name: str, number: int) -> None:
    written = await db.fetchval(f"SELECT {global_id(type_name, '$1::bigint')}", number)
    assert written == encode_id(type_name, number)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "instant",
    [
        dt.datetime(2026, 12, 6, 19, 15, 1, 340000, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 6, 19, 15, 1, tzinfo=dt.UTC),  # no microseconds: none written
        dt.datetime(2026, 12, 6, 0, 0, 0, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 0, 30, tzinfo=PARIS),  # another offset: written in UTC, the day before
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    ],
)
async def test_instants_are_written_as_isoformat_in_utc(db: Database, instant: dt.datetime) -> None:
    written = await db.fetchval(f"SELECT {iso_instant('$1::timestamptz')}", instant)
    assert written == instant.astimezone(dt.UTC).isoformat()


async def test_an_instant_is_written_in_utc_whatever_the_sessions_time_zone(db: Database) -> None:
    instant = dt.datetime(2026, 6, 1, 12, 0, 0, 5, tzinfo=dt.UTC)
    async with db.connection() as connection:
        await connection.execute("SET TIME ZONE 'America/New_York'")
        written = await connection.fetchval(f"SELECT {iso_instant('$1::timestamptz')}", instant)
        await connection.execute("RESET TIME ZONE")
    assert written == "2026-06-01T12:00:00.000005+00:00"


@pytest.mark.parametrize(
    ("kind", "scheme", "value"),
    [
        ("Paper", "doi", "10.1234/abc"),
        ("Paper", "doi", "10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-o"),
        ("Paper", "doi", "10.1000/é ü#?%[]"),  # non-ASCII bytes, a space and reserved characters
        ("Paper", "doi", "10.1000/a~b_c.d-e"),
        ("Paper", "arxiv", "2401.01234"),
        ("Paper", "openalex", "W123"),
        ("Paper", "s2", "0123456789abcdef0123456789abcdef01234567"),
        ("Paper", "s2", "215416146"),  # a corpus id
        ("Author", "orcid", "0000-0002-1825-0097"),
        ("Author", "openalex", "A123"),
        ("Author", "s2", "1741101"),
    ],
)
async def test_external_ids_urls_are_written_as_their_url_property(
    db: Database, kind: str, scheme: str, value: str
) -> None:
    written = await db.fetchval(f"SELECT {external_url(kind, '$1::text', '$2::text')}", scheme, value)
    assert written == ExternalId(kind, scheme, value).url  # type: ignore[arg-type]


async def test_literals_double_their_quotes(db: Database) -> None:
    quoted = literal("it's")
    assert await db.fetchval(f"SELECT {quoted}") == "it's"


def test_a_field_the_compiler_does_not_know_is_unsupported() -> None:
    with pytest.raises(Unsupported, match=r"Query\.__schema"):
        compile_read((Field("__schema", "__schema"),), 2026)


def test_an_object_of_more_keys_than_json_build_object_takes_is_unsupported() -> None:
    fields = tuple(Field(f"k{i}", "__typename") for i in range(51))
    with pytest.raises(Unsupported, match="more than 50 keys"):
        compile_read(fields, 2026)


async def test_the_statement_of_a_root_typename_answers_it(db: Database) -> None:
    sql, params = compile_read((Field("kind", "__typename"), Field("again", "__typename")), 2026)
    assert await db.fetchval(sql, *params) == '{"kind" : "Query", "again" : "Query"}'
