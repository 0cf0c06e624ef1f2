"""A database holding a bit of everything, for the differential tests (tests/graphql/test_differential.py).

What it holds, written the ways a deployment writes data:

- the bundled seed and tests/list_data.py's additions (undated papers, a paper dated by year only,
  institutions by source and by affiliation, citations, a paper without abstract, changes at three times);
- every real sample of tests/fixtures imported through the real importers (`run_import`): OpenAlex works,
  an author with reported figures and counts by year, merged ids; 49 arXiv records; 300 Crossref works
  (partial dates, ORCIDs, affiliations); Semantic Scholar author, paper with 1,000 citing papers, datasets
  lines;
- a generated OpenAlex dump (api/generate.py, fixed seed) of `GENERATED_WORKS` works citing one another.

So every type, every list, every kind of metrics (computed, reported by the seed's site, by OpenAlex, by
Semantic Scholar; the variants), every external id scheme, undated papers, papers without abstract,
authors without reported metrics and authors without papers' citations all occur. Built once per session
(a few seconds) and only read afterwards.

`Samples` are values drawn from the database that the query generator picks from: ids of each type,
external ids, words of titles, names, categories, years.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from conftest import _admin, _with_database
from list_data import ListData
from list_data import _write as write_list_data

from api.db.pool import Database
from api.generate import write_openalex_works
from api.ids import encode_id
from api.ingest.rejects import ErrorPolicy
from api.ingest.run import run_import

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GENERATED_WORKS = 300
GENERATED_SEED = 10
AS_OF = dt.date(2026, 11, 20)

# (format, fixture files) imported in this order, each in one run.
IMPORTS: list[tuple[str, list[str]]] = [
    ("openalex", ["openalex-works.jsonl", "openalex-authors.jsonl", "openalex-merged-ids.csv"]),
    ("arxiv", ["arxiv-metadata-sample.jsonl"]),
    ("crossref", ["crossref-works-sample.jsonl"]),
    (
        "semanticscholar",
        [
            "semanticscholar-author.json",
            "semanticscholar-paper-with-citations.json",
            "semanticscholar-datasets-papers.jsonl",
            "semanticscholar-datasets-authors.jsonl",
        ],
    ),
]


@dataclass
class Samples:
    """Values of the database the generated queries draw their arguments from."""

    author_ids: list[str] = field(default_factory=list)
    paper_ids: list[str] = field(default_factory=list)
    institution_ids: list[str] = field(default_factory=list)
    external_author_ids: list[str] = field(default_factory=list)
    external_paper_ids: list[str] = field(default_factory=list)
    title_words: list[str] = field(default_factory=list)
    name_words: list[str] = field(default_factory=list)
    institution_words: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    moments: list[str] = field(default_factory=list)  # ISO instants: the times rows were written
    # Authors and papers with many of something (so that nested lists have pages to walk).
    rich_author_ids: list[str] = field(default_factory=list)
    cited_paper_ids: list[str] = field(default_factory=list)


@dataclass
class RichDatabase:
    url: str
    samples: Samples
    counts: dict[str, int]


async def _import_fixtures(db: Database, work: Path) -> None:
    for format_name, names in IMPORTS:
        await run_import(
            db,
            format_name,
            [str(FIXTURES / name) for name in names],
            policy=ErrorPolicy.SKIP,
            rejects_path=str(work / f"{format_name}.rejects.jsonl"),
            as_of=AS_OF,
        )
    generated = work / "generated-openalex.jsonl.gz"
    write_openalex_works(generated, GENERATED_WORKS, GENERATED_SEED, compresslevel=1)
    await run_import(
        db,
        "openalex",
        [str(generated)],
        policy=ErrorPolicy.FAIL,
        rejects_path=str(work / "generated.rejects.jsonl"),
        as_of=AS_OF,
    )


_WORD = re.compile(r"[A-Za-zÀ-ÿ]{4,}")


async def _samples(db: Database) -> Samples:
    samples = Samples()
    samples.author_ids = [encode_id("Author", r["id"]) for r in await db.fetch("SELECT id FROM authors ORDER BY id")]
    samples.paper_ids = [encode_id("Paper", r["id"]) for r in await db.fetch("SELECT id FROM papers ORDER BY id")]
    samples.institution_ids = [
        encode_id("Institution", r["id"]) for r in await db.fetch("SELECT id FROM institutions ORDER BY id")
    ]
    for table, target in (
        ("author_external_ids", samples.external_author_ids),
        ("paper_external_ids", samples.external_paper_ids),
    ):
        rows = await db.fetch(
            "SELECT scheme, value FROM (SELECT scheme, value, "
            "row_number() OVER (PARTITION BY scheme ORDER BY value) n "
            f"FROM {table}) t WHERE n <= 6 ORDER BY scheme, value"
        )
        target.extend(f"{r['scheme']}:{r['value']}" for r in rows)
    titles = await db.fetch("SELECT title FROM papers ORDER BY id")
    words: dict[str, int] = {}
    for row in titles:
        for word in _WORD.findall(row["title"]):
            words[word.lower()] = words.get(word.lower(), 0) + 1
    # Common words (many matches: pages to walk) and rare ones (one or two matches).
    by_count = sorted(words.items(), key=lambda item: (-item[1], item[0]))
    samples.title_words = [w for w, _ in by_count[:25]] + [w for w, n in by_count if n == 1][:15]
    names = await db.fetch("SELECT name FROM authors ORDER BY id")
    name_words = sorted({w for r in names for w in _WORD.findall(r["name"])})
    samples.name_words = [*name_words[:: max(1, len(name_words) // 30)][:30], "bethune", "Béthune", "ablin", "zoe"]
    institutions = await db.fetch("SELECT name FROM institutions ORDER BY id")
    samples.institution_words = [*sorted({w for r in institutions for w in _WORD.findall(r["name"])})[:15], "inria"]
    categories = await db.fetch(
        "SELECT c, count(*) n FROM papers, unnest(categories) c GROUP BY c ORDER BY n DESC, c LIMIT 12"
    )
    samples.categories = [r["c"] for r in categories]
    years = await db.fetch(
        "SELECT DISTINCT extract(year FROM published_on)::int y FROM papers WHERE published_on IS NOT NULL ORDER BY y"
    )
    samples.years = [r["y"] for r in years]
    moments = await db.fetch("SELECT DISTINCT updated_at FROM papers ORDER BY updated_at LIMIT 40")
    samples.moments = [r["updated_at"].isoformat() for r in moments[:: max(1, len(moments) // 6)]]
    rich = await db.fetch(
        "SELECT author_id FROM authorships GROUP BY author_id ORDER BY count(*) DESC, author_id LIMIT 8"
    )
    samples.rich_author_ids = [encode_id("Author", r["author_id"]) for r in rich]
    cited = await db.fetch(
        "SELECT cited_paper_id FROM citations GROUP BY cited_paper_id ORDER BY count(*) DESC, cited_paper_id LIMIT 8"
    )
    samples.cited_paper_ids = [encode_id("Paper", r["cited_paper_id"]) for r in cited]
    return samples


async def _counts(db: Database) -> dict[str, int]:
    queries = {
        "papers": "SELECT count(*) FROM papers",
        "authors": "SELECT count(*) FROM authors",
        "institutions": "SELECT count(*) FROM institutions",
        "citations": "SELECT count(*) FROM citations",
        "undated papers": "SELECT count(*) FROM papers WHERE published_on IS NULL",
        "papers without abstract": "SELECT count(*) FROM papers WHERE abstract IS NULL",
        "reported metrics": "SELECT count(*) FROM author_reported_metrics",
        "reporting sources": "SELECT count(DISTINCT source) FROM author_reported_metrics",
        "author id schemes": "SELECT count(DISTINCT scheme) FROM author_external_ids",
        "paper id schemes": "SELECT count(DISTINCT scheme) FROM paper_external_ids",
    }
    return {name: await db.fetchval(sql) for name, sql in queries.items()}


async def build_rich_database(server_url: str, template_database: str) -> RichDatabase:
    """Create and fill the database (see the module); the caller drops it (`drop_rich_database`)."""
    name = f"sg_rich_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    url = _with_database(server_url, name)
    db = await Database.connect(url, min_size=1, max_size=4)
    try:
        await write_list_data(ListData(db=db, url=url))
        with tempfile.TemporaryDirectory(prefix="sg-rich-") as work:
            await _import_fixtures(db, Path(work))
        async with db.connection() as connection:
            await connection.execute("ANALYZE")
        return RichDatabase(url=url, samples=await _samples(db), counts=await _counts(db))
    finally:
        await db.close()


async def drop_rich_database(server_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
