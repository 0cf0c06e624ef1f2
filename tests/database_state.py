"""Comparing two databases table by table: what tests of identical outcomes (an interrupted import run
again, a bulk load against a row-by-row import) check.

Every table of the public schema, listed from the catalog (new tables are covered without touching the
tests), every column except wall-clock timestamps (timestamp columns named `…_at`), rows ordered by
primary key; and the next value of every sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

WALL_CLOCK_TYPES = ("timestamp with time zone", "timestamp without time zone")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class TableQuery:
    names: list[str]  # the columns compared
    excluded: list[str]  # wall-clock columns, not compared
    key: list[int]  # positions in `names` of the primary key; empty: the whole row is the key

    @property
    def columns(self) -> str:
        return ", ".join(_quote(name) for name in self.names)

    @property
    def order(self) -> str:
        return ", ".join(_quote(self.names[i]) for i in self.key) if self.key else f"ROW({self.columns})::text"


async def _table_queries(connection: asyncpg.Connection) -> dict[str, TableQuery]:
    """Every table of the public schema (from the catalog) with the columns compared and the row order."""
    tables = await connection.fetch(
        """
        SELECT c.oid, c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname
        """
    )
    queries: dict[str, TableQuery] = {}
    for table in tables:
        columns = await connection.fetch(
            """
            SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
            WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """,
            table["oid"],
        )
        key = await connection.fetch(
            """
            SELECT a.attname FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.n
            """,
            table["oid"],
        )
        excluded = [c["attname"] for c in columns if c["type"] in WALL_CLOCK_TYPES and c["attname"].endswith("_at")]
        names = [c["attname"] for c in columns if c["attname"] not in excluded]
        queries[table["relname"]] = TableQuery(names, excluded, [names.index(k["attname"]) for k in key])
    return queries


async def database_state(url: str) -> dict[str, object]:
    """(rows, md5 of the rows in key order) per table; the next value of each sequence."""
    connection = await asyncpg.connect(url)
    try:
        state: dict[str, object] = {}
        for table, query in (await _table_queries(connection)).items():
            row = f"ROW({query.columns})::text"
            found = await connection.fetchrow(
                f"SELECT count(*) AS n, md5(coalesce(string_agg({row}, E'\\n' ORDER BY {query.order}), '')) AS md5 "
                f"FROM public.{_quote(table)}"
            )
            state[table] = (found["n"], found["md5"])
        sequences = await connection.fetch(
            "SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace ORDER BY 1"
        )
        for sequence in sequences:
            value = await connection.fetchrow(f"SELECT last_value, is_called FROM public.{_quote(sequence['relname'])}")
            state[f"sequence {sequence['relname']}"] = value["last_value"] + int(value["is_called"])
        return state
    finally:
        await connection.close()


async def differences(url_a: str, url_b: str, state_a: dict[str, object], state_b: dict[str, object]) -> str:
    """What differs, table by table: the counts, then rows by primary key: those only A or only B holds,
    and for rows both hold, the columns that differ (the first few of each)."""
    lines: list[str] = []
    a = await asyncpg.connect(url_a)
    b = await asyncpg.connect(url_b)
    try:
        queries = await _table_queries(a)
        for name in sorted(set(state_a) | set(state_b)):
            if state_a.get(name) == state_b.get(name):
                continue
            lines.append(f"{name}: A {state_a.get(name)} != B {state_b.get(name)}")
            query = queries.get(name)
            if query is None:
                continue
            values = ", ".join(f"{_quote(column)}::text" for column in query.names)
            sql = f"SELECT ARRAY[{values}] AS v FROM public.{_quote(name)}"

            def keyed(rows: list[asyncpg.Record], query: TableQuery = query) -> dict[tuple[str | None, ...], list[str]]:
                positions = query.key or range(len(query.names))
                return {tuple(row["v"][i] for i in positions): row["v"] for row in rows}

            rows_a, rows_b = keyed(await a.fetch(sql)), keyed(await b.fetch(sql))
            only_a = [key for key in rows_a if key not in rows_b]
            only_b = [key for key in rows_b if key not in rows_a]
            changed = [key for key in rows_a if key in rows_b and rows_a[key] != rows_b[key]]
            lines.append(
                f"  {len(only_a)} rows only in A, {len(only_b)} only in B, {len(changed)} differ "
                f"(not compared: {', '.join(query.excluded) or 'nothing'})"
            )
            lines += [f"  only in A: {str(rows_a[key])[:200]}" for key in only_a[:5]]
            lines += [f"  only in B: {str(rows_b[key])[:200]}" for key in only_b[:5]]
            for key in changed[:5]:
                diff = [
                    f"{column}: A {str(x)[:80]!r} B {str(y)[:80]!r}"
                    for column, x, y in zip(query.names, rows_a[key], rows_b[key], strict=True)
                    if x != y
                ]
                lines.append(f"  key {key}: {'; '.join(diff)}")
    finally:
        await a.close()
        await b.close()
    return "\n".join(lines)
