"""Whole imports through the CLI: every format's real sample, idempotence, error policies, stdin."""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from pathlib import Path

import asyncpg
import pytest

from api.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ARXIV = FIXTURES / "arxiv-metadata-sample.jsonl"
CROSSREF = FIXTURES / "crossref-works-sample.jsonl"
S2_AUTHOR = FIXTURES / "semanticscholar-author.json"
S2_PAPER = FIXTURES / "semanticscholar-paper-with-citations.json"
OPENALEX = FIXTURES / "openalex-works.jsonl"


def ingest(database_url: str, *args: str) -> int:
    return main(["ingest", *args, "--database-url", database_url, "--json"])


def summary(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    lines = capsys.readouterr().out.strip().splitlines()
    document: dict[str, object] = json.loads(lines[-1])
    return document


def table_checksums(database_url: str) -> dict[str, str]:
    import asyncio

    async def read() -> dict[str, str]:
        connection = await asyncpg.connect(database_url)
        try:
            tables = [
                row["tablename"]
                for row in await connection.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
                )
            ]
            return {
                table: await connection.fetchval(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
                )
                for table in tables
            }
        finally:
            await connection.close()

    return asyncio.run(read())


def count(database_url: str, sql: str) -> int:
    import asyncio

    async def read() -> int:
        connection = await asyncpg.connect(database_url)
        try:
            value: int = await connection.fetchval(sql)
            return value
        finally:
            await connection.close()

    return asyncio.run(read())


def test_the_arxiv_sample_imports_49_papers(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(database_url, "arxiv", str(ARXIV)) == 0
    report = summary(capsys)
    assert report["read"] == 49
    assert report["inserted"]["papers"] == 49  # type: ignore[index]
    assert count(database_url, "SELECT count(*) FROM papers") == 49
    assert count(database_url, "SELECT count(*) FROM paper_external_ids WHERE scheme = 'arxiv'") == 49


def test_a_second_import_changes_nothing(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(database_url, "arxiv", str(ARXIV)) == 0
    capsys.readouterr()
    before = table_checksums(database_url)
    assert ingest(database_url, "arxiv", str(ARXIV)) == 0
    report = summary(capsys)
    assert (report["inserted"], report["updated"], report["merged"]) == ({}, {}, {})
    assert table_checksums(database_url) == before


def test_gzip_and_stdin_read_the_same_records(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    packed = tmp_path / "arxiv.jsonl.gz"
    packed.write_bytes(gzip.compress(ARXIV.read_bytes()))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(packed.read_bytes())))
    assert ingest(database_url, "arxiv", "-") == 0
    assert summary(capsys)["read"] == 49
    assert count(database_url, "SELECT count(*) FROM papers") == 49


@pytest.mark.parametrize("policy", ["fail", "skip"])
def test_crossref_skips_non_papers_and_leaves_out_untitled_works_under_every_policy(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], policy: str
) -> None:
    rejects = tmp_path / "crossref.rejects.jsonl"
    assert ingest(database_url, "crossref", str(CROSSREF), "--on-error", policy, "--rejects", str(rejects)) == 0
    report = summary(capsys)
    # Three works Crossref records without a title: valid Crossref, not malformed, but no paper without a title.
    assert (report["rejected"], report["not_papers"]) == (0, 3)
    assert report["skipped"] == {"text_references": 727, "untitled_works": 3}
    assert report["rejects_file"] == str(rejects)
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(entry["line"], entry["kind"], entry["reason"]) for entry in lines] == [
        (69, "untitled_works", "title: missing"),
        (147, "untitled_works", "title: missing"),
        (280, "untitled_works", "title: empty"),
    ]
    assert all(entry["path"] == str(CROSSREF) for entry in lines)
    # 294 works read, 294 papers: two of them share the title "Evolutionary Ecology" and the year 1998,
    # but their DOIs differ, so title-and-year identity must not take them for one paper.
    assert count(database_url, "SELECT count(*) FROM papers") == 294
    assert (
        count(
            database_url, "SELECT count(*) FROM papers WHERE title = 'Evolutionary Ecology' AND published_year = 1998"
        )
        == 2
    )


def test_under_fail_a_damaged_record_changes_nothing_and_names_file_and_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ARXIV.read_text().splitlines()
    lines[30] = '{"id": "2212.99999", "title": 42}'
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join(lines) + "\n")
    before = table_checksums(database_url)
    assert ingest(database_url, "arxiv", str(damaged)) == 1
    assert f"{damaged}:31: title: expected a string, found the number 42" in capsys.readouterr().err
    assert table_checksums(database_url) == before


# Valid in the source's terms, incomplete in ours: imported where the store allows, else left out under every
# policy, counted by kind and listed in the reject file. Malformed input keeps failing by default.

OPENALEX_INCOMPLETE = [
    {"id": "W1", "title": None, "display_name": None, "authorships": []},  # no title: left out
    {"id": "W2", "title": "No Date, A Nameless Author", "publication_year": None,
     "authorships": [{"author_position": "first", "author": {"id": None, "display_name": None}},
                     {"author_position": "last", "author": {"id": "A2", "display_name": "Ada Lovelace"},
                      "institutions": [{"id": None, "display_name": None}]}]},  # imported, byline incomplete
    {"id": "W3", "title": "No Authors"},  # imported
    {"id": "A4", "display_name": None, "works_count": 3, "updated_date": "2024-01-01"},  # no name: left out
    {"id": "A5", "display_name": "Charles Babbage", "works_count": 3},  # figures undated: stored without them
]  # fmt: skip


def test_a_default_import_goes_past_incomplete_records_and_stores_what_the_model_allows(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "works.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in OPENALEX_INCOMPLETE))

    assert ingest(database_url, "openalex", str(path)) == 0

    report = summary(capsys)
    assert (report["read"], report["rejected"]) == (3, 0)
    assert report["skipped"] == {"untitled_works": 1, "unnamed_authors": 1}
    assert report["rejects_file"] == str(tmp_path / "works.jsonl.rejects.jsonl")
    entries = [json.loads(line) for line in (tmp_path / "works.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [(entry["line"], entry["kind"], entry["reason"]) for entry in entries] == [
        (1, "untitled_works", "title: the work W1 has no title"),
        (4, "unnamed_authors", "display_name: the author A4 has no name"),
    ]
    assert count(database_url, "SELECT count(*) FROM papers") == 2
    assert count(database_url, "SELECT count(*) FROM papers WHERE published_on IS NULL AND NOT authors_complete") == 1
    assert count(database_url, "SELECT count(*) FROM authorships") == 1
    assert count(database_url, "SELECT count(*) FROM authors WHERE name = 'Charles Babbage'") == 1
    assert count(database_url, "SELECT count(*) FROM author_reported_metrics") == 0


def test_under_fail_a_malformed_record_after_incomplete_ones_changes_nothing_and_leaves_no_reject_file(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "works.jsonl"
    records = [*OPENALEX_INCOMPLETE, {"id": "W6", "title": "T", "cited_by_count": "12"}]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    before = table_checksums(database_url)

    assert ingest(database_url, "openalex", str(path)) == 1

    assert one_error_line(capsys.readouterr().err) == f"{path}:6: cited_by_count: expected an integer, got a string"
    assert table_checksums(database_url) == before
    assert not (tmp_path / "works.jsonl.rejects.jsonl").exists()


def test_semantic_scholar_responses_store_reported_figures_and_citations(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ingest(database_url, "semanticscholar", str(S2_AUTHOR), str(S2_PAPER), "--as-of", "2026-11-27") == 0
    assert count(database_url, "SELECT h_index FROM author_reported_metrics WHERE source = 'semanticscholar'") == 23
    # "Computing Machinery and Intelligence": its 1,000 citing papers are stored, so it counts 1,000
    # citations here (S2 itself reports 10,059 from its whole corpus).
    assert count(database_url, "SELECT max(citation_count) FROM papers") == 1000
    assert (
        count(database_url, "SELECT reported_citation_count FROM papers ORDER BY citation_count DESC LIMIT 1") == 10059
    )
    assert (
        count(
            database_url,
            "SELECT m.citation_count FROM author_computed_metrics m JOIN author_reported_metrics r USING (author_id)",
        )
        >= 1000
    )


def test_openalex_works_import(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(database_url, "openalex", str(OPENALEX)) == 0
    assert count(database_url, "SELECT count(*) FROM paper_external_ids WHERE scheme = 'openalex'") >= 1


# Damaged inputs: every record read whole is imported under skip; under fail nothing is, and the one error
# line names the file, the last line read whole and what broke.


def whole_lines_in(packed: bytes) -> int:
    """How many whole lines the decompressible start of a cut gzip member holds (zlib, independently)."""
    decompressor = zlib.decompressobj(31)
    return b"".join(decompressor.decompress(packed[i : i + 1]) for i in range(len(packed))).count(b"\n")


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scholargraph: error: ")
    return lines[0].removeprefix("scholargraph: error: ")


def test_under_skip_a_folder_with_a_truncated_part_imports_every_whole_record(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ARXIV.read_bytes().splitlines(keepends=True)
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "part_000.gz").write_bytes(gzip.compress(b"".join(lines[:20])))
    damaged = gzip.compress(b"".join(lines[20:40]))[:-40]  # the last bytes of the member lost
    (folder / "part_001.gz").write_bytes(damaged)
    (folder / "part_002.gz").write_bytes(gzip.compress(b"".join(lines[40:])))
    whole = whole_lines_in(damaged)
    rejects = tmp_path / "rejects.jsonl"

    assert ingest(database_url, "arxiv", str(folder), "--on-error", "skip", "--rejects", str(rejects)) == 0

    report = summary(capsys)
    assert 10 < whole < 20
    assert (report["read"], report["rejected"]) == (20 + whole + 9, 1)
    assert count(database_url, "SELECT count(*) FROM papers") == 20 + whole + 9
    (entry,) = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert (entry["path"], entry["line"]) == (str(folder / "part_001.gz"), whole + 1)
    assert entry["reason"].startswith(f"the gzip stream ends early after line {whole} (the file is truncated)")


def test_under_fail_a_truncated_gzip_file_changes_nothing_and_names_the_last_good_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    packed = gzip.compress(ARXIV.read_bytes())
    cut = packed[: len(packed) // 2]
    path = tmp_path / "arxiv.jsonl.gz"
    path.write_bytes(cut)
    whole = whole_lines_in(cut)
    before = table_checksums(database_url)

    assert ingest(database_url, "arxiv", str(path)) == 1

    message = one_error_line(capsys.readouterr().err)
    cut_line = ARXIV.read_bytes().splitlines()[whole]
    prefix = f"{path}:{whole + 1}: the gzip stream ends early after line {whole} (the file is truncated): "
    assert message.startswith(prefix + f"line {whole + 1} is cut off after ")
    assert 0 < int(message.removeprefix(prefix).split()[-2]) < len(cut_line)
    assert table_checksums(database_url) == before


def test_a_corrupt_gzip_member_in_the_middle_keeps_the_members_before_it_under_skip(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ARXIV.read_bytes().splitlines(keepends=True)
    garbage = gzip.compress(b"".join(lines[30:]))[:10] + b"\xff" * 64  # a member header, then no deflate data
    path = tmp_path / "arxiv.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(lines[:30])) + garbage)

    assert ingest(database_url, "arxiv", str(path)) == 1
    assert one_error_line(capsys.readouterr().err) == (
        f"{path}:31: the gzip stream is corrupt after line 30: invalid compressed data (invalid block type); "
        "nothing after it can be read"
    )
    assert ingest(database_url, "arxiv", str(path), "--on-error", "skip", "--rejects", str(tmp_path / "r.jsonl")) == 0
    assert (summary(capsys)["read"], count(database_url, "SELECT count(*) FROM papers")) == (30, 30)


def test_a_plain_file_cut_in_the_middle_of_a_record_is_reported_as_truncated(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ARXIV.read_bytes()
    path = tmp_path / "arxiv.jsonl"
    path.write_bytes(data[: data.rindex(b'"title"')])  # the 49th record cut before its title

    assert ingest(database_url, "arxiv", str(path)) == 1
    message = one_error_line(capsys.readouterr().err)
    assert message.startswith(
        f"{path}:49: the file ends early after line 48 (it is probably truncated): line 49 is cut off "
        "(not valid JSON: unexpected end of data at column "
    )
    assert count(database_url, "SELECT count(*) FROM papers") == 0
    assert ingest(database_url, "arxiv", str(path), "--on-error", "skip", "--rejects", str(tmp_path / "r.jsonl")) == 0
    assert (summary(capsys)["read"], count(database_url, "SELECT count(*) FROM papers")) == (48, 48)
