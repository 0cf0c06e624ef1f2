"""The profile importer against a real PostgreSQL: the bundled seed stored exactly, a re-import that
changes nothing, a malformed file that changes nothing, the seed loader, and the `ingest profile` CLI.

Facts about the seed come from seeds/README.md ("What it is") and from the seed file itself; each test
asserts one behaviour by reading the tables back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from api.cli import main as cli_main
from api.db.metrics import computed_metrics_of_authors, reported_metrics_of_authors
from api.db.pool import Database
from api.errors import IngestError, InputFormatError
from api.ingest.profile import import_profile, read_profile
from api.ingest.seed import SEED_AS_OF, load_seed_if_empty

SEED = Path(__file__).resolve().parents[2] / "seeds" / "profile-louis-bethune.txt"
AS_OF = dt.date(2026, 11, 27)
OWNER = "Louis Béthune"

# The four papers whose byline ("X, Y, Z et al.") hides the owner.
OWNER_HIDDEN = {
    "Graph-Based Captioning: Enhancing Visual Descriptions by Interconnecting Region Captions",
    "On the explainable properties of 1-Lipschitz Neural Networks: An Optimal Transport Perspective",
    "Scaling Categorical Flow Maps",
    "Multimodal Autoregressive Pre-training of Large Vision Encoders",
}
# The papers listed without a year, with the dates they get for a capture on 2026-11-27.
YEARLESS = {
    "LaCy: What Small Language Models Can and Should Learn is Not Just a Question of Loss": dt.date(2026, 2, 12),
    "Mix, Don't Tune: Bilingual Pre-Training Outperforms Hyperparameter Search in Data-Constrained Settings": (
        dt.date(2026, 5, 13)
    ),
    "Scaling Categorical Flow Maps": dt.date(2026, 5, 8),
}
TENTH_PAPER_HEADER_LINE = 75  # "CVNov 21, 2024"

# A second, unrelated profile (the parser tests' small page).
OTHER_PROFILE = """Ada Lovelace
LG
h-index3
2papers

2 Papers

LGJul 9, 2024Code
Notes on the Analytical Engine

Ada Lovelace, Charles Babbage et al. · uw

An abstract with $x^2$ -- and \\LaTeX.

CVFeb 12
Second title

Charles Babbage

Second abstract."""


def fold(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c)).lower()


async def table_checksums(db: Database) -> dict[str, str | None]:
    """An md5 of every row of every table (all columns, timestamps included)."""
    tables = await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    sums: dict[str, str | None] = {}
    for row in tables:
        name = row["tablename"]
        sums[name] = await db.fetchval(f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM \"{name}\" t")
    return sums


async def owner_id(db: Database) -> int:
    found: int = await db.fetchval("SELECT id FROM authors WHERE name = $1", OWNER)
    return found


def seed_copy(tmp_path: Path, line: int, replace: tuple[str, str]) -> Path:
    """The seed with one replacement made on one (1-based) line, written to tmp_path."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    old, new = replace
    assert old in lines[line - 1], f"line {line} is {lines[line - 1]!r}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / "damaged-profile.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
async def seeded(db: Database) -> Database:
    await import_profile(db, SEED, as_of=AS_OF)
    return db


# --- the seed, stored ---------------------------------------------------------------------------------


async def test_seed_stores_18_papers_and_35_authors(seeded: Database) -> None:
    assert await seeded.fetchval("SELECT count(*) FROM papers") == 18
    assert await seeded.fetchval("SELECT count(*) FROM authors") == 35
    assert await seeded.fetchval("SELECT count(*) FROM authors WHERE name = $1", OWNER) == 1


async def test_seed_owner_has_34_distinct_coauthors(seeded: Database) -> None:
    count = await seeded.fetchval(
        """
        SELECT count(DISTINCT co.author_id) FROM authorships me
        JOIN authorships co ON co.paper_id = me.paper_id AND co.author_id <> me.author_id
        WHERE me.author_id = $1
        """,
        await owner_id(seeded),
    )
    assert count == 34


async def test_seed_owner_authors_every_paper(seeded: Database) -> None:
    count = await seeded.fetchval("SELECT count(*) FROM authorships WHERE author_id = $1", await owner_id(seeded))
    assert count == 18


async def test_seed_owner_hidden_by_et_al_has_unknown_position(seeded: Database) -> None:
    rows = await seeded.fetch(
        """
        SELECT p.title, p.authors_complete FROM authorships s JOIN papers p ON p.id = s.paper_id
        WHERE s.author_id = $1 AND s.position IS NULL
        """,
        await owner_id(seeded),
    )
    assert {row["title"] for row in rows} == OWNER_HIDDEN
    assert all(row["authors_complete"] is False for row in rows)


async def test_seed_bylines_are_stored_in_order(seeded: Database) -> None:
    profile = read_profile(SEED, as_of=AS_OF)
    rows = await seeded.fetch(
        """
        SELECT p.title, array_agg(s.name_as_written ORDER BY s.list_order) AS names,
               array_agg(s.position ORDER BY s.list_order) AS positions
        FROM papers p JOIN authorships s ON s.paper_id = p.id GROUP BY p.title
        """
    )
    stored = {row["title"]: (list(row["names"]), list(row["positions"])) for row in rows}
    for paper in profile.papers:
        names = list(paper.byline)
        positions: list[int | None] = list(range(1, len(names) + 1))
        if OWNER not in names:
            names.append(OWNER)
            positions.append(None)
        assert stored[paper.title] == (names, positions), paper.title


async def test_seed_authors_complete_only_where_no_et_al(seeded: Database) -> None:
    incomplete = await seeded.fetchval("SELECT count(*) FROM papers WHERE NOT authors_complete")
    profile = read_profile(SEED, as_of=AS_OF)
    assert incomplete == sum(paper.byline_truncated for paper in profile.papers)
    assert await seeded.fetchval(
        "SELECT bool_and(NOT authors_complete) FROM papers WHERE title = ANY($1::text[])", list(OWNER_HIDDEN)
    )


async def test_seed_two_spellings_are_one_author_shown_with_accents(seeded: Database) -> None:
    rows = await seeded.fetch("SELECT id, name FROM authors WHERE name_key = 'alberto gonzalez sanz'")
    assert [row["name"] for row in rows] == ["Alberto González-Sanz"]
    written = await seeded.fetch(
        "SELECT name_as_written FROM authorships WHERE author_id = $1 ORDER BY name_as_written", rows[0]["id"]
    )
    assert [row["name_as_written"] for row in written] == ["Alberto Gonzalez-Sanz", "Alberto González-Sanz"]


async def test_seed_dates_with_and_without_year(seeded: Database) -> None:
    rows = await seeded.fetch("SELECT title, published_on, published_precision, published_year FROM papers")
    by_title = {row["title"]: row for row in rows}
    for title, date in YEARLESS.items():
        assert by_title[title]["published_on"] == date, title
    graph = by_title["Graph-Based Captioning: Enhancing Visual Descriptions by Interconnecting Region Captions"]
    assert graph["published_on"] == dt.date(2024, 7, 9)
    assert by_title["Hierarchical and Unsupervised Graph Representation Learning with Loukas's Coarsening"][
        "published_on"
    ] == dt.date(2020, 7, 7)
    assert {row["published_precision"] for row in rows} == {"day"}
    assert all(row["published_year"] == row["published_on"].year for row in rows)


async def test_seed_categories(seeded: Database) -> None:
    rows = await seeded.fetch("SELECT primary_category, categories, count(*) AS n FROM papers GROUP BY 1, 2 ORDER BY 1")
    assert [(row["primary_category"], list(row["categories"]), row["n"]) for row in rows] == [
        ("cs.AI", ["cs.AI"], 1),
        ("cs.CL", ["cs.CL"], 2),
        ("cs.CV", ["cs.CV"], 2),
        ("cs.LG", ["cs.LG"], 10),
        ("stat.ML", ["stat.ML"], 3),
    ]


async def test_seed_code_badges(seeded: Database) -> None:
    rows = await seeded.fetch("SELECT title FROM papers WHERE has_code ORDER BY title")
    assert [row["title"] for row in rows] == [
        "Graph-Based Captioning: Enhancing Visual Descriptions by Interconnecting Region Captions",
        "TaCo: Targeted Concept Erasure Prevents Non-Linear Classifiers From Detecting Protected Attributes",
    ]


async def test_seed_affiliation_tags_link_institutions(seeded: Database) -> None:
    rows = await seeded.fetch(
        """
        SELECT i.name, p.title FROM institutions i
        LEFT JOIN paper_institutions pi ON pi.institution_id = i.id LEFT JOIN papers p ON p.id = pi.paper_id
        ORDER BY i.name
        """
    )
    assert [(row["name"], row["title"]) for row in rows] == [
        ("harvard", "On the explainable properties of 1-Lipschitz Neural Networks: An Optimal Transport Perspective"),
        ("uw", "Graph-Based Captioning: Enhancing Visual Descriptions by Interconnecting Region Captions"),
    ]


async def test_seed_reported_metrics_kept_with_source_and_date(seeded: Database) -> None:
    author = await owner_id(seeded)
    reported = (await reported_metrics_of_authors(seeded, [author]))[author]
    assert len(reported) == 1
    figures = reported[0]
    assert (figures.source, figures.as_of) == ("profile-page", AS_OF)
    assert (figures.h_index, figures.citation_count, figures.paper_count) == (34, 220, 18)
    assert figures.i10_index is None
    assert figures.novelty == Decimal("0.59")
    assert figures.ai_score == Decimal("59")
    assert await seeded.fetchval("SELECT count(*) FROM author_reported_metrics") == 1


async def test_seed_computed_metrics_come_from_stored_papers(seeded: Database) -> None:
    author = await owner_id(seeded)
    computed = (await computed_metrics_of_authors(seeded, [author]))[author]
    assert (computed.paper_count, computed.citation_count, computed.h_index) == (18, 0, 0)
    assert (computed.i10_index, computed.g_index) == (0, 0)
    assert (computed.first_year, computed.last_year) == (2020, 2026)
    assert computed.computed_at is not None


async def test_seed_owner_primary_category(seeded: Database) -> None:
    assert await seeded.fetchval("SELECT primary_category FROM authors WHERE name = $1", OWNER) == "cs.LG"
    others = await seeded.fetchval("SELECT count(*) FROM authors WHERE primary_category IS NOT NULL")
    assert others == 1


async def test_import_reports_what_it_wrote(db: Database) -> None:
    done = await import_profile(db, SEED, as_of=AS_OF)
    assert (done.path, done.papers, done.owner_id) == (str(SEED), 18, await owner_id(db))
    rows = {kind: n for kind, n in done.stats.inserted.items() if kind != "author_reported_metrics"}
    assert rows == {"authors": 35, "authorships": 58, "institutions": 2, "paper_institutions": 2, "papers": 18}
    # Two authors are updated after creation: the owner's primary category, González-Sanz's accents.
    assert done.stats.updated["authors"] == 2


async def test_first_import_counts_reported_metrics_row_as_inserted(db: Database) -> None:
    # A new author_reported_metrics row is an insert, like every other new row in WriteStats.
    done = await import_profile(db, SEED, as_of=AS_OF)
    assert done.stats.inserted["author_reported_metrics"] == 1
    assert done.stats.updated["author_reported_metrics"] == 0


# --- idempotence --------------------------------------------------------------------------------------


async def test_reimport_writes_nothing(seeded: Database) -> None:
    before = await table_checksums(seeded)
    again = await import_profile(seeded, SEED, as_of=AS_OF)
    assert all(n == 0 for n in again.stats.inserted.values()), again.stats
    assert all(n == 0 for n in again.stats.updated.values()), again.stats
    assert await table_checksums(seeded) == before


# --- all or nothing -----------------------------------------------------------------------------------


async def test_bad_date_names_file_and_line(db: Database, tmp_path: Path) -> None:
    damaged = seed_copy(tmp_path, TENTH_PAPER_HEADER_LINE, ("Nov 21", "Nov 31"))
    with pytest.raises(InputFormatError) as raised:
        await import_profile(db, damaged, as_of=AS_OF)
    assert raised.value.line == TENTH_PAPER_HEADER_LINE
    assert f"{damaged}:{TENTH_PAPER_HEADER_LINE}:" in str(raised.value)
    assert "Nov 31" in str(raised.value)


async def test_bad_date_leaves_empty_database_empty(db: Database, tmp_path: Path) -> None:
    before = await table_checksums(db)
    damaged = seed_copy(tmp_path, TENTH_PAPER_HEADER_LINE, ("Nov 21", "Nov 31"))
    with pytest.raises(InputFormatError):
        await import_profile(db, damaged, as_of=AS_OF)
    assert await table_checksums(db) == before
    assert await db.fetchval("SELECT count(*) FROM authors") == 0


async def test_bad_date_leaves_seeded_database_unchanged(seeded: Database, tmp_path: Path) -> None:
    before = await table_checksums(seeded)
    damaged = seed_copy(tmp_path, TENTH_PAPER_HEADER_LINE, ("Nov 21", "Nov 31"))
    with pytest.raises(InputFormatError):
        await import_profile(seeded, damaged, as_of=AS_OF)
    assert await table_checksums(seeded) == before


async def test_error_found_while_writing_rolls_back_earlier_papers(db: Database, tmp_path: Path) -> None:
    # "--" passes the parser as a name but has no letters: the importer refuses it at the 10th paper,
    # after nine papers were written in the same transaction.
    damaged = seed_copy(tmp_path, TENTH_PAPER_HEADER_LINE + 3, ("Xiujun Li", "--"))
    before = await table_checksums(db)
    with pytest.raises(InputFormatError) as raised:
        await import_profile(db, damaged, as_of=AS_OF)
    assert "no letters" in raised.value.reason
    assert str(raised.value).startswith(f"{damaged}:{TENTH_PAPER_HEADER_LINE}:")
    assert await table_checksums(db) == before


async def test_not_utf8_names_the_line(db: Database, tmp_path: Path) -> None:
    lines = SEED.read_bytes().split(b"\n")
    assert lines[28].startswith("François Bachoc".encode())  # line 29, a byline
    lines[28] = lines[28].replace("ç".encode(), "ç".encode("latin-1"))
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputFormatError) as raised:
        await import_profile(db, path, as_of=AS_OF)
    assert raised.value.line == 29
    assert str(raised.value).startswith(f"{path}:29:")
    assert "UTF-8" in raised.value.reason
    assert await db.fetchval("SELECT count(*) FROM papers") == 0


async def test_missing_file_is_an_ingest_error(db: Database, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-profile.txt"
    with pytest.raises(IngestError) as raised:
        await import_profile(db, missing, as_of=AS_OF)
    assert not isinstance(raised.value, InputFormatError)
    assert str(missing) in str(raised.value)


# --- a re-import captured a year later -------------------------------------------------------------------


async def test_reimport_a_year_later_adds_a_reported_metrics_row(seeded: Database) -> None:
    later = dt.date(2027, 11, 27)
    await import_profile(seeded, SEED, as_of=later)
    author = await owner_id(seeded)
    reported = (await reported_metrics_of_authors(seeded, [author]))[author]
    assert [(r.source, r.as_of, r.h_index) for r in reported] == [
        ("profile-page", later, 34),
        ("profile-page", AS_OF, 34),
    ]


async def test_reimport_a_year_later_keeps_dated_papers_and_authors(seeded: Database) -> None:
    dated_before = await seeded.fetch(
        "SELECT p::text AS row FROM papers p WHERE title <> ALL($1::text[]) ORDER BY id", list(YEARLESS)
    )
    authors_before = await seeded.fetch("SELECT a::text AS row FROM authors a ORDER BY id")
    await import_profile(seeded, SEED, as_of=dt.date(2027, 11, 27))
    dated_after = await seeded.fetch(
        "SELECT p::text AS row FROM papers p WHERE title <> ALL($1::text[]) ORDER BY id", list(YEARLESS)
    )
    assert dated_after == dated_before
    assert await seeded.fetch("SELECT a::text AS row FROM authors a ORDER BY id") == authors_before


async def test_reimport_a_year_later_keeps_yearless_papers_and_their_dates(seeded: Database) -> None:
    # A year the page did not show was inferred from the snapshot: a later snapshot must not turn the
    # same paper into a new one a year later. It matches by title and keeps the stored date.
    await import_profile(seeded, SEED, as_of=dt.date(2027, 11, 27))
    rows = await seeded.fetch(
        "SELECT title, published_on FROM papers WHERE title = ANY($1::text[]) ORDER BY title, published_on",
        list(YEARLESS),
    )
    assert [(row["title"], row["published_on"]) for row in rows] == sorted(YEARLESS.items())
    assert await seeded.fetchval("SELECT count(*) FROM papers") == 18
    author = await owner_id(seeded)
    assert (await computed_metrics_of_authors(seeded, [author]))[author].paper_count == 18


# --- the seed loader ----------------------------------------------------------------------------------


async def test_load_seed_if_empty_loads_the_seed(db: Database) -> None:
    done = await load_seed_if_empty(db)
    assert done is not None
    assert done.papers == 18
    assert done.owner_id == await owner_id(db)
    author = done.owner_id
    reported = (await reported_metrics_of_authors(db, [author]))[author]
    assert [(r.source, r.as_of) for r in reported] == [("profile-page", SEED_AS_OF)]


async def test_load_seed_if_empty_twice_loads_once(db: Database) -> None:
    assert await load_seed_if_empty(db) is not None
    before = await table_checksums(db)
    assert await load_seed_if_empty(db) is None
    assert await table_checksums(db) == before


async def test_load_seed_if_empty_leaves_a_non_empty_database_alone(db: Database, tmp_path: Path) -> None:
    other = tmp_path / "ada.txt"
    other.write_text(OTHER_PROFILE, encoding="utf-8")
    await import_profile(db, other, as_of=AS_OF)
    before = await table_checksums(db)
    assert await load_seed_if_empty(db) is None
    assert await table_checksums(db) == before
    assert await db.fetchval("SELECT count(*) FROM authors WHERE name = $1", OWNER) == 0


# --- the CLI ------------------------------------------------------------------------------------------


def count_rows(url: str, table: str) -> int:
    async def run() -> int:
        connection = await asyncpg.connect(url)
        try:
            count: int = await connection.fetchval(f"SELECT count(*) FROM {table}")
            return count
        finally:
            await connection.close()

    return asyncio.run(run())


def ingest_args(path: Path, url: str, *extra: str) -> list[str]:
    return ["ingest", "profile", str(path), "--database-url", url, "--as-of", "2026-11-27", *extra]


def test_cli_ingest_prints_json_summary(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(ingest_args(SEED, database_url, "--json")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1  # one JSON line per file
    report = json.loads(lines[0])
    assert (report["path"], report["papers"]) == (str(SEED), 18)
    assert report["inserted"] == {
        "author_reported_metrics": 1,
        "authors": 35,
        "authorships": 58,
        "institutions": 2,
        "paper_institutions": 2,
        "papers": 18,
    }
    assert report["updated"]["authors"] == 2
    assert count_rows(database_url, "papers") == 18


def test_cli_ingest_malformed_file_fails_naming_file_and_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = seed_copy(tmp_path, TENTH_PAPER_HEADER_LINE, ("Nov 21", "Nov 31"))
    assert cli_main(ingest_args(damaged, database_url, "--json")) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{damaged}:{TENTH_PAPER_HEADER_LINE}:" in captured.err
    assert count_rows(database_url, "papers") == 0


def test_cli_reimport_summary_says_nothing_changed(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(ingest_args(SEED, database_url)) == 0
    capsys.readouterr()
    assert cli_main(ingest_args(SEED, database_url)) == 0
    out = capsys.readouterr().out
    assert out == f"{SEED}: 18 papers read; inserted nothing; updated nothing\n"


# --- merging into what is stored ------------------------------------------------------------------------

# A seed paper with a year, listed with the LG code and no Code badge.
UNMASKING = "Learning Unmasking Policies for Diffusion Language Models"
# A seed paper listed with the ML code (stat.ML).
GAUSSIAN = "Gaussian Processes on Distributions based on Regularized Optimal Transport"
CODE_URL = "https://github.com/example/unmasking-policies"


def small_profile(tmp_path: Path, name: str, *, metrics: bool = True, bylines: tuple[str, ...]) -> Path:
    """A page of the seed's format for Ada Lovelace: one paper per byline, in order."""
    lines = ["Ada Lovelace", "", "LG"]
    if metrics:
        lines += ["h-index3", f"{len(bylines)}papers", "12citations"]
    lines += ["", f"{len(bylines)} Papers", ""]
    for number, byline in enumerate(bylines, 1):
        lines += [f"LGJul {number}, 2024", f"Notes on the Analytical Engine, Part {number}", "", byline, ""]
        lines += [f"An abstract of part {number}.", ""]
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


async def run_sql(db: Database, sql: str, *args: object) -> None:
    async with db.transaction() as connection:
        await connection.execute(sql, *args)


async def assert_reimport_changes_nothing(db: Database, path: Path) -> None:
    before = await table_checksums(db)
    again = await import_profile(db, path, as_of=AS_OF)
    assert again.stats.as_dict() == {"inserted": {}, "updated": {}}
    assert await table_checksums(db) == before


async def test_reimport_keeps_categories_another_source_added(seeded: Database) -> None:
    await run_sql(seeded, "UPDATE papers SET categories = ARRAY['cs.LG', 'stat.ML'] WHERE title = $1", UNMASKING)
    await import_profile(seeded, SEED, as_of=AS_OF)
    row = await seeded.fetchrow("SELECT primary_category, categories FROM papers WHERE title = $1", UNMASKING)
    assert row is not None
    assert (row["primary_category"], list(row["categories"])) == ("cs.LG", ["cs.LG", "stat.ML"])


async def test_reimport_keeps_a_stored_code_link(seeded: Database) -> None:
    await run_sql(seeded, "UPDATE papers SET code_url = $2 WHERE title = $1", UNMASKING, CODE_URL)
    await import_profile(seeded, SEED, as_of=AS_OF)
    assert await seeded.fetchval("SELECT code_url FROM papers WHERE title = $1", UNMASKING) == CODE_URL


async def test_reimport_over_another_sources_fields_changes_nothing_the_second_time(seeded: Database) -> None:
    await run_sql(
        seeded,
        "UPDATE papers SET categories = ARRAY['cs.LG', 'stat.ML'], code_url = $2 WHERE title = $1",
        UNMASKING,
        CODE_URL,
    )
    await import_profile(seeded, SEED, as_of=AS_OF)
    await assert_reimport_changes_nothing(seeded, SEED)


async def test_reimport_puts_the_pages_category_first(seeded: Database) -> None:
    # Another source filed the paper under cs.LG; the page says ML. The page's category leads, the other stays.
    await run_sql(
        seeded, "UPDATE papers SET primary_category = 'cs.LG', categories = ARRAY['cs.LG'] WHERE title = $1", GAUSSIAN
    )
    await import_profile(seeded, SEED, as_of=AS_OF)
    row = await seeded.fetchrow("SELECT primary_category, categories FROM papers WHERE title = $1", GAUSSIAN)
    assert row is not None
    assert (row["primary_category"], list(row["categories"])) == ("stat.ML", ["stat.ML", "cs.LG"])


async def test_a_later_page_without_accents_keeps_the_stored_accented_name(db: Database, tmp_path: Path) -> None:
    await import_profile(db, small_profile(tmp_path, "first.txt", bylines=("Ada Lovelace, Zoë Martin",)), as_of=AS_OF)
    later = small_profile(tmp_path, "later.txt", bylines=("Ada Lovelace, Zoe Martin", "Zoe Martin, Ada Lovelace"))
    await import_profile(db, later, as_of=AS_OF)
    rows = await db.fetch("SELECT name FROM authors WHERE name_key = 'zoe martin'")
    assert [row["name"] for row in rows] == ["Zoë Martin"]


async def test_a_later_page_without_accents_changes_nothing_the_second_time(db: Database, tmp_path: Path) -> None:
    await import_profile(db, small_profile(tmp_path, "first.txt", bylines=("Ada Lovelace, Zoë Martin",)), as_of=AS_OF)
    later = small_profile(tmp_path, "later.txt", bylines=("Ada Lovelace, Zoe Martin", "Zoe Martin, Ada Lovelace"))
    await import_profile(db, later, as_of=AS_OF)
    await assert_reimport_changes_nothing(db, later)


async def test_a_page_without_metric_lines_records_no_reported_figures(db: Database, tmp_path: Path) -> None:
    page = small_profile(tmp_path, "bare.txt", metrics=False, bylines=("Ada Lovelace, Zoë Martin",))
    done = await import_profile(db, page, as_of=AS_OF)
    assert done.stats.inserted["author_reported_metrics"] == 0
    assert await db.fetchval("SELECT count(*) FROM author_reported_metrics") == 0
    assert await db.fetchval("SELECT count(*) FROM papers") == 1


async def test_a_page_without_metric_lines_keeps_the_figures_of_that_date(db: Database, tmp_path: Path) -> None:
    await import_profile(db, small_profile(tmp_path, "full.txt", bylines=("Ada Lovelace, Zoë Martin",)), as_of=AS_OF)
    before = await db.fetch("SELECT m::text AS row FROM author_reported_metrics m")
    bare = small_profile(tmp_path, "bare.txt", metrics=False, bylines=("Ada Lovelace, Zoë Martin",))
    await import_profile(db, bare, as_of=AS_OF)
    assert await db.fetch("SELECT m::text AS row FROM author_reported_metrics m") == before
    assert len(before) == 1


async def test_a_page_without_metric_lines_changes_nothing_the_second_time(db: Database, tmp_path: Path) -> None:
    page = small_profile(tmp_path, "bare.txt", metrics=False, bylines=("Ada Lovelace, Zoë Martin",))
    await import_profile(db, page, as_of=AS_OF)
    await assert_reimport_changes_nothing(db, page)


HIDDEN = "Charles Babbage, Mary Somerville et al."
SHOWN_THIRD = "Charles Babbage, Mary Somerville, Ada Lovelace et al."


async def byline_of_part_one(db: Database) -> list[tuple[str, int | None]]:
    rows = await db.fetch(
        """
        SELECT a.name, s.position FROM authorships s JOIN authors a ON a.id = s.author_id
        JOIN papers p ON p.id = s.paper_id WHERE p.title = 'Notes on the Analytical Engine, Part 1'
        ORDER BY s.list_order
        """
    )
    return [(row["name"], row["position"]) for row in rows]


async def test_an_owner_hidden_by_et_al_gets_the_position_a_later_page_shows(db: Database, tmp_path: Path) -> None:
    await import_profile(db, small_profile(tmp_path, "hidden.txt", bylines=(HIDDEN,)), as_of=AS_OF)
    assert await byline_of_part_one(db) == [("Charles Babbage", 1), ("Mary Somerville", 2), ("Ada Lovelace", None)]
    shown = await import_profile(db, small_profile(tmp_path, "shown.txt", bylines=(SHOWN_THIRD,)), as_of=AS_OF)
    assert await byline_of_part_one(db) == [("Charles Babbage", 1), ("Mary Somerville", 2), ("Ada Lovelace", 3)]
    assert shown.stats.updated["authorships"] == 1
    assert shown.stats.inserted["authorships"] == 0


async def test_an_owner_shown_after_et_al_changes_nothing_the_second_time(db: Database, tmp_path: Path) -> None:
    await import_profile(db, small_profile(tmp_path, "hidden.txt", bylines=(HIDDEN,)), as_of=AS_OF)
    shown = small_profile(tmp_path, "shown.txt", bylines=(SHOWN_THIRD,))
    await import_profile(db, shown, as_of=AS_OF)
    await assert_reimport_changes_nothing(db, shown)
