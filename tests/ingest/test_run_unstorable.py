"""Records real dumps hold that are valid in their source's schema but hold something the store cannot keep as
given (a NUL character, a title or a name past the writer's limits, an ORCID failing its check digit, a
figure out of range): a default import (`--on-error fail`) goes past them, imports what the data model
allows, and counts what it left out in the summary's `skipped` and the reject file (docs/importing.md,
"Incomplete records"). Malformed input keeps failing by default.

Every import runs through the command (api.cli.main) on a real database.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.cli import main

S2_PAPER_ID = "2d5673caa9e6af3a7b82a43f19ee920992db07ad"


@dataclass
class Imported:
    """What a default import of a JSON-lines file did: its exit status, summary and reject file entries."""

    status: int
    summary: dict[str, Any]
    rejects: list[dict[str, Any]]
    err: str

    def left_out(self) -> list[tuple[int, str, str]]:
        return [(entry["line"], entry["kind"], entry["reason"]) for entry in self.rejects]


def import_lines(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], format_name: str, records: list[object]
) -> Imported:
    path = tmp_path / f"{format_name}.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    rejects = tmp_path / f"{format_name}.rejects.jsonl"
    status = main(["ingest", format_name, str(path), "--rejects", str(rejects), "--database-url", database_url,
                   "--json", "--as-of", "2026-11-27"])  # fmt: skip
    captured = capsys.readouterr()
    summary = json.loads(captured.out.splitlines()[-1]) if captured.out.strip() else {}
    entries = [json.loads(line) for line in rejects.read_text().splitlines()] if rejects.exists() else []
    assert all(entry["path"] == str(path) for entry in entries)
    return Imported(status, summary, entries, captured.err)


def fetch(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    async def read() -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(database_url)
        try:
            return [tuple(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    return asyncio.run(read())


# --- 1. NUL and other control characters in text: read as spaces, the record imported ------------------

NUL_RECORDS: dict[str, list[object]] = {
    "arxiv": [
        {"id": "2101.00001", "title": "A Good Paper", "authors_parsed": [["Babbage", "Charles", ""]]},
        {"id": "2101.00002", "title": "Nul\u0000 in\u0001 a Title\u0000", "abstract": "  An\u0000 abstract\u001b",
         "authors_parsed": [["Lovelace\u0000", "Ada", "", "MIT\u0000"]]},
    ],
    "crossref": [
        {"DOI": "10.1234/good", "title": ["A Good Paper"], "author": [{"given": "Charles", "family": "Babbage"}]},
        {"DOI": "10.1234/nul", "title": ["Nul\u0000 in\u0001 a Title\u0000"],
         "abstract": "<jats:p>An\u0000 abstract\u001b</jats:p>",
         "author": [{"given": "Ada\u0000", "family": "Lovelace", "affiliation": [{"name": "MIT\u0000"}]}]},
    ],
    "openalex": [
        {"id": "W1", "title": "A Good Paper",
         "authorships": [{"author_position": "first", "author": {"id": "A1", "display_name": "Charles Babbage"}}]},
        {"id": "W2", "title": "Nul\u0000 in\u0001 a Title\u0000",
         "abstract_inverted_index": {"An\u0000": [0], "abstract\u001b": [1]},
         "authorships": [{"author_position": "first", "author": {"id": "A2", "display_name": "Ada\u0000 Lovelace"},
                          "raw_affiliation_strings": ["MIT\u0000"], "institutions": [{"display_name": "MIT\u0000"}]}]},
    ],
    "semanticscholar": [
        {"corpusid": 1, "title": "A Good Paper", "authors": [{"authorId": "1", "name": "Charles Babbage"}]},
        {"paperId": S2_PAPER_ID, "title": "Nul\u0000 in\u0001 a Title\u0000", "abstract": "An\u0000 abstract\u001b",
         "authors": [{"authorId": "2", "name": "Ada\u0000 Lovelace"}]},
        {"authorId": "3", "name": "Grace\u0000 Hopper", "affiliations": ["Yale\u0000"]},
    ],
}  # fmt: skip


@pytest.mark.parametrize("format_name", NUL_RECORDS)
def test_nul_and_other_control_characters_in_text_are_read_as_spaces_and_the_record_imported(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], format_name: str
) -> None:
    imported = import_lines(database_url, tmp_path, capsys, format_name, NUL_RECORDS[format_name])

    assert imported.status == 0, imported.err
    assert (imported.summary["rejected"], imported.summary.get("skipped", {})) == (0, {})
    assert imported.rejects == []
    assert fetch(database_url, "SELECT title FROM papers ORDER BY title") == [("A Good Paper",), ("Nul in a Title",)]
    assert fetch(database_url, "SELECT abstract FROM papers WHERE abstract IS NOT NULL") == [("An abstract",)]
    assert ("Ada Lovelace",) in fetch(database_url, "SELECT name FROM authors")
    if format_name == "semanticscholar":
        assert ("Grace Hopper",) in fetch(database_url, "SELECT name FROM authors")
    else:
        assert fetch(database_url, "SELECT affiliation FROM authorships WHERE affiliation IS NOT NULL") == [("MIT",)]
        assert fetch(database_url, "SELECT name FROM institutions") == [("MIT",)]


def test_an_id_holding_a_nul_character_stays_malformed(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [{"id": "W1", "title": "A Good Paper"}, {"id": "W2", "title": "T", "doi": "10.1234/a\u0000b"}]

    imported = import_lines(database_url, tmp_path, capsys, "openalex", records)

    assert imported.status == 1
    assert "openalex.jsonl:2: doi: 'doi:10.1234/a\\x00b' is not a DOI" in imported.err
    assert fetch(database_url, "SELECT count(*) FROM papers") == [(0,)]


# --- 2. titles: none without a letter or digit (left out), none over the limit (cut, counted) -----------

LONG_TITLE = "Word" + " word" * 600  # 3,004 bytes: an abstract, or a list of chapters, deposited as the title


def test_a_title_over_the_limit_is_cut_at_a_word_boundary_and_counted_and_one_without_text_is_left_out(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [
        {"DOI": "10.1234/good", "title": ["A Good Paper"]},
        {"DOI": "10.1234/long", "title": [LONG_TITLE], "author": [{"given": "Ada", "family": "Lovelace"}]},
        *({"DOI": f"10.1234/untitled.{n}", "title": [title]} for n, title in enumerate(["…", "???", "-"])),
    ]

    imported = import_lines(database_url, tmp_path, capsys, "crossref", records)

    assert imported.status == 0, imported.err
    assert (imported.summary["read"], imported.summary["rejected"]) == (2, 0)
    assert imported.summary["skipped"] == {"overlong_titles": 1, "untitled_works": 3}
    ((title,),) = fetch(database_url, "SELECT title FROM papers WHERE title <> 'A Good Paper'")
    assert title.endswith(" word…")
    assert len(title.encode()) <= 2000
    assert LONG_TITLE.startswith(title.removesuffix("…") + " ")
    assert fetch(database_url, "SELECT count(*) FROM authorships") == [(1,)]
    assert imported.left_out() == [
        (2, "overlong_titles", f"title: 3,004 bytes, over the limit of 2,000: imported cut to {len(title.encode()):,} "
                               "bytes, ending in '…'"),
        (3, "untitled_works", "title: '…' has no letter or digit"),
        (4, "untitled_works", "title: '???' has no letter or digit"),
        (5, "untitled_works", "title: '-' has no letter or digit"),
    ]  # fmt: skip


# --- 3. names over the limit: the byline entry left out (the work imported), the author record left out --

LONG_NAME = "; ".join(f"Author Number {n}" for n in range(80))  # 1,428 bytes: a whole author list in one field


def test_a_name_over_the_limit_leaves_out_its_byline_entry_or_its_author_record_and_is_counted(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [
        {"id": "W1", "title": "A Paper",
         "authorships": [{"author_position": "first", "author": {"id": "A1", "display_name": "Ada Lovelace"}},
                         {"author_position": "middle", "author": {"id": "A2", "display_name": LONG_NAME}},
                         {"author_position": "last", "author": {"id": "A3", "display_name": "—"}}]},
        {"id": "A2", "display_name": LONG_NAME, "works_count": 3, "updated_date": "2024-01-01"},
        {"id": "A4", "display_name": "Charles Babbage"},
    ]  # fmt: skip

    imported = import_lines(database_url, tmp_path, capsys, "openalex", records)

    assert imported.status == 0, imported.err
    assert (imported.summary["read"], imported.summary["rejected"]) == (2, 0)
    assert imported.summary["skipped"] == {"overlong_names": 2}
    assert imported.left_out() == [
        (1, "overlong_names", "author 2's name: 1,428 bytes, over the limit of 1,000: the byline entry is left out"),
        (2, "overlong_names", "the author's name: 1,428 bytes, over the limit of 1,000: the author is left out"),
    ]
    assert fetch(database_url, "SELECT title, authors_complete FROM papers") == [("A Paper", False)]
    assert fetch(database_url, "SELECT a.name, s.position FROM authorships s JOIN authors a ON a.id = s.author_id") == [
        ("Ada Lovelace", 1)
    ]
    assert fetch(database_url, "SELECT name FROM authors ORDER BY name") == [("Ada Lovelace",), ("Charles Babbage",)]


# --- 4. an ORCID failing its check digit: dropped (never used for identity), the author imported ---------

GOOD_ORCID, BAD_ORCID = "0000-0002-1825-0097", "0000-0002-1825-0098"  # the second: a typo in the last digit

ORCID_RECORDS: dict[str, list[object]] = {
    "crossref": [
        {"DOI": "10.1234/good", "title": ["A Good Paper"],
         "author": [{"given": "Ada", "family": "Lovelace", "ORCID": f"http://orcid.org/{GOOD_ORCID}"}]},
        {"DOI": "10.1234/typo", "title": ["A Typo"],
         "author": [{"given": "Charles", "family": "Babbage", "ORCID": f"http://orcid.org/{BAD_ORCID}"}]},
    ],
    "openalex": [
        {"id": "W1", "title": "A Good Paper", "authorships": [
            {"author_position": "first", "author": {"id": "A1", "display_name": "Ada Lovelace",
                                                    "orcid": f"https://orcid.org/{GOOD_ORCID}"}}]},
        {"id": "W2", "title": "A Typo", "authorships": [
            {"author_position": "first", "author": {"id": "A2", "display_name": "Charles Babbage",
                                                    "orcid": f"https://orcid.org/{BAD_ORCID}"}}]},
        {"id": "A2", "display_name": "Charles Babbage", "orcid": f"https://orcid.org/{BAD_ORCID}",
         "ids": {"openalex": "https://openalex.org/A2", "orcid": f"https://orcid.org/{BAD_ORCID}"}},
    ],
    "semanticscholar": [
        {"authorId": "1", "name": "Ada Lovelace", "externalIds": {"ORCID": GOOD_ORCID}},
        {"authorId": "2", "name": "Charles Babbage", "externalIds": {"ORCID": BAD_ORCID}},
    ],
}  # fmt: skip

ORCID_LEFT_OUT: dict[str, list[tuple[int, str, str]]] = {
    "crossref": [
        (2, "invalid_orcids", f"author[0].ORCID: 'orcid:{BAD_ORCID}' is not a valid ORCID iD: its check digit "
                              "should be 7; the author is imported without it"),
    ],
    "openalex": [
        (2, "invalid_orcids", f"authorships[0].author.orcid: 'orcid:{BAD_ORCID}' is not a valid ORCID iD: its check "
                              "digit should be 7; the author is imported without it"),
        (3, "invalid_orcids", f"orcid: 'orcid:{BAD_ORCID}' is not a valid ORCID iD: its check digit should be 7; the "
                              "author is imported without it"),
    ],
    "semanticscholar": [
        (2, "invalid_orcids", f"externalIds.ORCID: 'orcid:{BAD_ORCID}' is not a valid ORCID iD: its check digit "
                              "should be 7; the author is imported without it"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("format_name", ORCID_RECORDS)
def test_an_orcid_failing_its_check_digit_is_dropped_and_counted_and_its_author_imported(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], format_name: str
) -> None:
    imported = import_lines(database_url, tmp_path, capsys, format_name, ORCID_RECORDS[format_name])

    assert imported.status == 0, imported.err
    assert imported.summary["rejected"] == 0
    assert imported.summary["skipped"] == {"invalid_orcids": len(ORCID_LEFT_OUT[format_name])}
    assert imported.left_out() == ORCID_LEFT_OUT[format_name]
    assert fetch(database_url, "SELECT name FROM authors ORDER BY name") == [("Ada Lovelace",), ("Charles Babbage",)]
    assert fetch(database_url, "SELECT value FROM author_external_ids WHERE scheme = 'orcid'") == [(GOOD_ORCID,)]


def test_an_orcid_that_is_not_one_stays_malformed(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [{"DOI": "10.1234/x", "title": ["T"], "author": [{"family": "Babbage", "ORCID": "0000-0002-1825"}]}]

    imported = import_lines(database_url, tmp_path, capsys, "crossref", records)

    assert imported.status == 1
    assert "crossref.jsonl:1: author[0].ORCID: 'orcid:0000-0002-1825' is not an ORCID iD" in imported.err


# --- 5. reported figures out of range (negative, or past a PostgreSQL integer): read as absent, counted ---

TOO_BIG = 2**31  # one past the largest count the store holds

FIGURE_RECORDS: dict[str, list[object]] = {
    "crossref": [
        {"DOI": "10.1234/good", "title": ["A Good Paper"], "is-referenced-by-count": 5},
        {"DOI": "10.1234/negative", "title": ["A Negative Count"], "is-referenced-by-count": -1},
        {"DOI": "10.1234/huge", "title": ["A Huge Count"], "is-referenced-by-count": TOO_BIG},
    ],
    "openalex": [
        {"id": "W1", "title": "A Good Paper", "cited_by_count": 5},
        {"id": "W2", "title": "A Negative Count", "cited_by_count": -1},
        {"id": "A1", "display_name": "Ada Lovelace", "updated_date": "2024-01-01", "works_count": -38,
         "cited_by_count": 12, "summary_stats": {"h_index": TOO_BIG, "i10_index": 1, "2yr_mean_citedness": -0.5},
         "counts_by_year": [{"year": 2023, "works_count": -1, "cited_by_count": 3}]},
    ],
    "semanticscholar": [
        {"corpusid": 1, "title": "A Good Paper", "citationcount": 5},
        {"corpusid": 2, "title": "A Huge Count", "citationcount": TOO_BIG},
        {"authorId": "1", "name": "Ada Lovelace", "hIndex": -1, "citationCount": 12, "paperCount": 2},
    ],
}  # fmt: skip

FIGURES_LEFT_OUT: dict[str, list[tuple[int, str, str]]] = {
    "crossref": [
        (2, "out_of_range_figures", "is-referenced-by-count: -1 is out of range (0 to 2,147,483,647): read as absent"),
        (3, "out_of_range_figures",
         "is-referenced-by-count: 2147483648 is out of range (0 to 2,147,483,647): read as absent"),
    ],
    "openalex": [
        (2, "out_of_range_figures", "cited_by_count: -1 is out of range (0 to 2,147,483,647): read as absent"),
        (3, "out_of_range_figures",
         "summary_stats.h_index: 2147483648 is out of range (0 to 2,147,483,647): read as absent"),
        (3, "out_of_range_figures",
         "summary_stats.2yr_mean_citedness: -0.5 is out of range (0 or more): read as absent"),
        (3, "out_of_range_figures", "works_count: -38 is out of range (0 to 2,147,483,647): read as absent"),
        (3, "out_of_range_figures",
         "counts_by_year[0].works_count: -1 is out of range (0 to 2,147,483,647): read as absent"),
    ],
    "semanticscholar": [
        (2, "out_of_range_figures", "citationcount: 2147483648 is out of range (0 to 2,147,483,647): read as absent"),
        (3, "out_of_range_figures", "hIndex: -1 is out of range (0 to 2,147,483,647): read as absent"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("format_name", FIGURE_RECORDS)
def test_a_reported_figure_out_of_range_is_read_as_absent_and_counted(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], format_name: str
) -> None:
    imported = import_lines(database_url, tmp_path, capsys, format_name, FIGURE_RECORDS[format_name])

    assert imported.status == 0, imported.err
    assert imported.summary["rejected"] == 0
    assert imported.summary["skipped"] == {"out_of_range_figures": len(FIGURES_LEFT_OUT[format_name])}
    assert imported.left_out() == FIGURES_LEFT_OUT[format_name]
    assert fetch(database_url, "SELECT title, reported_citation_count FROM papers ORDER BY title") == [
        (title, 5 if title == "A Good Paper" else None)
        for title in sorted(["A Good Paper", "A Negative Count", "A Huge Count"])
        if any(title in json.dumps(record) for record in FIGURE_RECORDS[format_name])
    ]
    if format_name != "crossref":
        assert fetch(database_url, "SELECT h_index, citation_count FROM author_reported_metrics") == [(None, 12)]
