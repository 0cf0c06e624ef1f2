"""GET /v1/authors/{id} answers from one statement with a document built without pydantic: the bytes are
those of the `models.Author` the lists of authors still build, for authors in every state their figures
can be in (nothing computed, nothing reported, several reported sets, sets lacking figures, fractional
and integral scores, names JSON must escape, datetimes with and without microseconds)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from conftest import make_settings
from starlette.testclient import TestClient

from api.app import create_app
from api.db import authors
from api.db.pool import Database, StatementCounter, current_counter
from api.ids import encode_id
from api.rest.metrics import author_models

SETUP = r"""
INSERT INTO authors (name, primary_category, created_at, updated_at) OVERRIDING SYSTEM VALUE
VALUES ('Nobody Computed', NULL, '2020-01-01T00:00:00Z', '2021-02-03T04:05:06Z'),
       (E'Quote " back \\ tab \t nl \n bell \x07 del \x7f é 漢 \u2028', 'cs.LG',
        '2020-01-01T00:00:00Z', '2021-02-03T04:05:06.000120Z'),
       ('Many Reported', 'stat.ML', '2020-01-01T00:00:00Z', '2024-06-30T23:59:59.999999Z'),
       ('Only Computed', 'cs.CV', '2020-01-01T00:00:00Z', '2022-01-01T00:00:00.5Z');
WITH a AS (SELECT id, name FROM authors WHERE name IN ('Many Reported', 'Only Computed') OR name LIKE 'Quote%')
INSERT INTO author_computed_metrics
    (author_id, paper_count, citation_count, h_index, i10_index, g_index, first_year, last_year, computed_at,
     two_year_mean_citedness, counts_by_year, last5_paper_count, last5_citation_count, last5_h_index,
     last5_i10_index, last5_g_index, noself_paper_count, noself_citation_count, noself_h_index, noself_i10_index,
     noself_g_index)
SELECT id, 12, 345, 7, 3, 9,
       CASE name WHEN 'Many Reported' THEN 2001 WHEN 'Only Computed' THEN NULL ELSE 2030 END, 2024,
       CASE name WHEN 'Many Reported' THEN '2026-11-27T10:00:00Z'::timestamptz
                 ELSE '2026-11-27T10:00:00.123456Z'::timestamptz END,
       CASE name WHEN 'Many Reported' THEN 1.0 / 3 WHEN 'Only Computed' THEN 2.0 ELSE 0.000015 END,
       CASE name WHEN 'Only Computed' THEN '[]'::jsonb
            ELSE '[{"year": 2001, "papers": 2, "citations": 0}, {"year": 2004, "papers": 1, "citations": 5},
                   {"year": 2031, "papers": 0, "citations": 1}]'::jsonb END,
       4, 40, 3, 1, 4, 12, 300, 6, 2, 8
FROM a;
INSERT INTO author_reported_metrics
    (author_id, source, as_of, h_index, i10_index, citation_count, paper_count, novelty, ai_score, recorded_at)
SELECT a.id, r.source, r.as_of, r.h_index, r.i10_index, r.citation_count, r.paper_count, r.novelty, r.ai_score,
       r.recorded_at
FROM authors a,
     (VALUES ('site-a', DATE '2026-01-01', 30, NULL::int, 200, 18, 0.59, 59::numeric, TIMESTAMPTZ '2026-01-02'),
             ('site-b', DATE '2026-01-01', NULL, 4, NULL, NULL, 1, 0.125, TIMESTAMPTZ '2026-01-03'),
             ('site-c', DATE '2026-01-01', 31, 5, 210, 19, 0, 100.5, TIMESTAMPTZ '2026-01-03'),
             ('site-a', DATE '2025-05-05', 20, 2, 100, 10, NULL, NULL, TIMESTAMPTZ '2025-05-05'))
         AS r (source, as_of, h_index, i10_index, citation_count, paper_count, novelty, ai_score, recorded_at)
WHERE a.name = 'Many Reported';
INSERT INTO author_reported_metrics (author_id, source, as_of, h_index, novelty, ai_score)
SELECT id, 'site-z', DATE '2019-12-31', 3, 0.3333333333333333333, 1e-7 FROM authors WHERE name LIKE 'Quote%';
"""


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    async def setup() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(SETUP)
        finally:
            await connection.close()

    with TestClient(create_app(make_settings(database_url, load_seed=True))) as test_client:  # the seed first
        asyncio.run(setup())
        yield test_client


async def _through_the_model(database_url: str) -> dict[int, bytes]:
    """Every author as `models.Author` writes them (the reference)."""
    db = await Database.connect(database_url)
    try:
        ids = [row["id"] for row in await db.fetch("SELECT id FROM authors ORDER BY id")]
        records = await authors.authors_by_ids(db, ids)
        built = await author_models(db, [records[i] for i in ids])
        return {i: model.model_dump_json().encode() for i, model in zip(ids, built, strict=True)}
    finally:
        await db.close()


def test_every_author_is_the_bytes_the_model_writes(client: TestClient, database_url: str) -> None:
    expected = asyncio.run(_through_the_model(database_url))
    assert len(expected) > 20  # the seed's authors and the four above
    every = b"".join(expected.values())
    assert b'"source":"site-c"' in every
    assert b"\\u0007" in every
    assert b'"novelty":1e-7' not in every  # ai_score 1e-7 is written as pydantic writes it
    assert b'"ai_score":1e-7' in every
    for author_id, body in expected.items():
        response = client.get(f"/v1/authors/{encode_id('Author', author_id)}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.content == body


async def test_one_statement_per_author(database_url: str) -> None:
    from api.db.metrics import author_with_figures

    db = await Database.connect(database_url)
    counter = StatementCounter()
    token = current_counter.set(counter)
    try:
        assert await author_with_figures(db, 1) is None  # an empty database
    finally:
        current_counter.reset(token)
        await db.close()
    assert counter.count == 1
