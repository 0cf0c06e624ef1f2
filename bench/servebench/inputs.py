"""The inputs every system is asked, drawn from the database (deterministic: the same database and seed give
the same sequence), the same sequence for every system.

- Q1 and Q5, an author: the author at a random place on the byline of a random paper, so that authors come
  as often as they write (a profile is looked at more often the more its owner publishes).
- Q2, 100 authors: uniformly among all authors (a service refreshing the figures it holds).
- Q3, a paper: a random reference of a random paper, so that papers come as often as they are cited.
- Q4, a search: one of the 40 words found in most titles (a sample of every 20th title; English stop
  words and words under 4 letters left out), and January 1st of a year from 1995 to 2024.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import asyncpg

from servebench.queries import Search

_AUTHOR_ON_PAPER = """
SELECT (SELECT s.author_id FROM authorships s WHERE s.paper_id = x.paper
        ORDER BY s.list_order OFFSET x.r % greatest((SELECT count(*) FROM authorships WHERE paper_id = x.paper), 1)
        LIMIT 1)
FROM unnest($1::bigint[], $2::int[]) WITH ORDINALITY AS x (paper, r, n) ORDER BY x.n
"""

_CITED_BY_PAPER = """
SELECT (SELECT c.cited_paper_id FROM citations c WHERE c.citing_paper_id = x.paper
        ORDER BY c.cited_paper_id
        OFFSET x.r % greatest((SELECT count(*) FROM citations WHERE citing_paper_id = x.paper), 1) LIMIT 1)
FROM unnest($1::bigint[], $2::int[]) WITH ORDINALITY AS x (paper, r, n) ORDER BY x.n
"""

_EXISTING_AUTHORS = """
SELECT x.id FROM unnest($1::bigint[]) WITH ORDINALITY AS x (id, n) JOIN authors a ON a.id = x.id ORDER BY x.n
"""

_COMMON_TITLE_WORDS = """
SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', sg_fold(title)) FROM papers WHERE id % 20 = 0')
WHERE length(word) >= 4 AND word ~ '^[a-z]+$' AND to_tsvector('english', word) <> ''::tsvector
ORDER BY ndoc DESC, word LIMIT 40
"""


async def _draw_by(connection: asyncpg.Connection, sql: str, rng: random.Random, count: int, top: int) -> list[int]:
    """`count` rows `sql` picks from random papers (papers it finds nothing for are skipped)."""
    found: list[int] = []
    for _ in range(50):
        if len(found) >= count:
            return found[:count]
        papers = [rng.randint(1, top) for _ in range(count * 2)]
        offsets = [rng.randrange(1_000_000) for _ in papers]
        rows = await connection.fetch(sql, papers, offsets)
        found += [row[0] for row in rows if row[0] is not None]
    if len(found) < count:
        raise SystemExit(f"error: the data holds too few rows to draw {count} inputs from (found {len(found)})")
    return found[:count]


async def draw_inputs(url: str, count: int, seed: int) -> dict[str, list[Any]]:
    """`count` inputs for each query."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        top_paper = await connection.fetchval("SELECT max(id) FROM papers")
        top_author = await connection.fetchval("SELECT max(id) FROM authors")
        if not top_paper or not top_author:
            raise SystemExit("error: the benchmark's database holds no papers")
        rng = random.Random(seed)  # noqa: S311 (inputs, not secrets)
        profiles = await _draw_by(connection, _AUTHOR_ON_PAPER, rng, count, top_paper)
        rest = await _draw_by(connection, _AUTHOR_ON_PAPER, rng, count, top_paper)
        papers = await _draw_by(connection, _CITED_BY_PAPER, rng, count, top_paper)
        groups: list[tuple[int, ...]] = []
        for _ in range(count * 20):
            if len(groups) >= count:
                break
            wanted = [rng.randint(1, top_author) for _ in range(130)]
            existing = [row[0] for row in await connection.fetch(_EXISTING_AUTHORS, wanted)]
            if len(existing) >= 100:
                groups.append(tuple(existing[:100]))
        if len(groups) < count:
            raise SystemExit("error: too few authors to draw groups of 100 from")
        words = [row[0] for row in await connection.fetch(_COMMON_TITLE_WORDS)]
        if not words:
            raise SystemExit("error: no common title words found")
        searches = [Search(rng.choice(words), f"{rng.randint(1995, 2024)}-01-01") for _ in range(count)]
    finally:
        await connection.close()
    return {"q1": profiles, "q2": groups, "q3": papers, "q4": searches, "q5": rest}


# Cases a random sample may miss, added to the inputs checked (never to those timed).
_EDGE_AUTHORS = """
SELECT * FROM (
  (SELECT author_id FROM author_reported_metrics GROUP BY author_id HAVING count(*) > 1 ORDER BY author_id LIMIT 1)
  UNION ALL
  (SELECT author_id FROM author_reported_metrics GROUP BY author_id HAVING count(*) = 1 ORDER BY author_id LIMIT 1)
  UNION ALL
  (SELECT author_id FROM author_computed_metrics ORDER BY paper_count DESC, author_id LIMIT 1)
  UNION ALL
  (SELECT s.author_id FROM authorships s
   WHERE NOT EXISTS (SELECT 1 FROM authorships o WHERE o.paper_id = s.paper_id AND o.author_id <> s.author_id)
   ORDER BY s.paper_id LIMIT 1)
) AS edge (author_id)
"""
_EDGE_PAPERS = """
SELECT * FROM (
  (SELECT id FROM papers ORDER BY citation_count DESC, id DESC LIMIT 1)
  UNION ALL
  (SELECT id FROM papers WHERE citation_count = 0 ORDER BY id LIMIT 1)
  UNION ALL
  (SELECT id FROM papers WHERE published_on IS NULL ORDER BY id LIMIT 1)
) AS edge (id)
"""


async def edge_inputs(url: str) -> dict[str, list[Any]]:
    """Inputs the check adds to its sample: authors with one and with two reported sets of figures, the
    author with the most papers, an author without coauthors; the most cited paper, an uncited one and an
    undated one (where the data has them); searches for a word found nowhere, for a stop word only, and for
    a phrase without another word (web-search syntax)."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        authors = [row[0] for row in await connection.fetch(_EDGE_AUTHORS)]
        papers = [row[0] for row in await connection.fetch(_EDGE_PAPERS)]
    finally:
        await connection.close()
    return {
        "q1": authors,
        "q2": [],
        "q3": papers,
        "q4": [
            Search("zyxwvutsrq", "1990-01-01"),
            Search("the", "1990-01-01"),
            Search('"neural networks" -graph', "2000-01-01"),
        ],
        "q5": authors,
    }


def to_json(inputs: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        key: [[s.word, s.published_from] if isinstance(s, Search) else s for s in values]
        for key, values in inputs.items()
    }


def from_json(stored: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        key: [Search(*value) if key == "q4" else tuple(value) if isinstance(value, list) else value for value in values]
        for key, values in stored.items()
    }


def digest(drawn: dict[str, list[Any]]) -> str:
    """A short fingerprint of the inputs, for the results (the inputs themselves are too many to keep)."""
    return hashlib.sha256(json.dumps(to_json(drawn), sort_keys=True).encode()).hexdigest()[:16]
