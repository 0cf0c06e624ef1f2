"""A file of the wrong format is said to be one, in one line naming it and the likely cause, and nothing is
imported, under `--on-error skip` too; a file of the right format with a few bad records is imported.

Every import runs through the command (api.cli.main) on a real database.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import asyncpg
import pytest

from api.cli import main
from api.ingest.wrong_format import guess

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARXIV = FIXTURES / "arxiv-metadata-sample.jsonl"
CROSSREF = FIXTURES / "crossref-works-sample.jsonl"
OPENALEX = FIXTURES / "openalex-works.jsonl"
MERGED_IDS = FIXTURES / "openalex-merged-ids.csv"
S2_AUTHOR = FIXTURES / "semanticscholar-author.json"


def ingest(database_url: str, *args: str) -> int:
    return main(["ingest", *args, "--database-url", database_url, "--json"])


def skip(tmp_path: Path) -> list[str]:
    return ["--on-error", "skip", "--rejects", str(tmp_path / "rejects.jsonl")]


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("scholargraph: error: ")
    assert captured.out == ""  # no summary: nothing was imported
    return lines[0].removeprefix("scholargraph: error: ")


def rows(database_url: str) -> int:
    """Rows in the tables an import writes."""

    async def read() -> int:
        connection = await asyncpg.connect(database_url)
        try:
            total: int = await connection.fetchval(
                "SELECT (SELECT count(*) FROM papers) + (SELECT count(*) FROM authors)"
                " + (SELECT count(*) FROM paper_external_ids) + (SELECT count(*) FROM pending_references)"
            )
            return total
        finally:
            await connection.close()

    return asyncio.run(read())


# What a record looks like


@pytest.mark.parametrize(
    ("path", "expected"),
    [(ARXIV, "arxiv"), (CROSSREF, "crossref"), (OPENALEX, "openalex"), (S2_AUTHOR, "semanticscholar")],
)
def test_the_first_record_of_each_sample_is_told_by_its_keys(path: Path, expected: str) -> None:
    first = path.read_bytes().splitlines()[0] if path.suffix == ".jsonl" else path.read_bytes()
    assert guess(first) == expected


def test_text_that_is_not_json_is_told_apart() -> None:
    assert guess(b"\x89PNG\r\n\x1a\n\x00\x00") == "binary"
    assert guess(b"caf\xe9") == "binary"
    assert guess(b"id,title,year") == "csv"
    assert guess(b"2022-06-07,A2257618939,https://openalex.org/A2208157607") == "merged_ids"
    assert guess(b"root:x:0:0:root:/root:/bin/bash") == "text"
    assert guess(b'{"name": "unknown"}') is None


# Under skip: one line, exit status 1, nothing imported


def test_a_crossref_file_given_to_openalex_is_named_as_one_and_nothing_is_imported(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ingest(database_url, "openalex", str(CROSSREF), *skip(tmp_path)) == 1

    assert error_line(capsys) == (
        f"{CROSSREF}: none of its 300 records is an OpenAlex work or author: they look like Crossref works: "
        "is it a Crossref file? (`scholargraph ingest crossref`); nothing was imported "
        f"(rejected records: {tmp_path / 'rejects.jsonl'})"
    )
    assert rows(database_url) == 0
    assert len((tmp_path / "rejects.jsonl").read_text().splitlines()) == 300


def test_an_arxiv_file_given_to_semantic_scholar_is_named_as_one(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ingest(database_url, "semanticscholar", str(ARXIV), *skip(tmp_path)) == 1
    assert error_line(capsys).startswith(
        f"{ARXIV}: none of its 49 records is a Semantic Scholar paper or author: they look like arXiv metadata "
        "records: is it an arXiv file? (`scholargraph ingest arxiv`); nothing was imported"
    )
    assert rows(database_url) == 0


def test_merged_ids_given_to_crossref_are_named_as_openalex_merged_ids(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ingest(database_url, "crossref", str(MERGED_IDS), *skip(tmp_path)) == 1
    assert "they look like rows of OpenAlex merged ids: is it an OpenAlex file?" in error_line(capsys)


def test_a_binary_file_is_named_as_one(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "figure.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)

    assert ingest(database_url, "arxiv", str(binary), *skip(tmp_path)) == 1
    message = error_line(capsys)
    assert message.startswith(f"{binary}: none of its ")
    assert message.split(": ", 2)[1].endswith(" lines is JSON")
    assert ": the file looks binary (a NUL byte, or bytes that are not UTF-8), not JSON text; nothing was" in message


def test_a_csv_file_is_named_as_one(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "papers.txt"
    table.write_text("doi,title,year\n10.1/a,A paper,2020\n10.1/b,Another,2021\n")

    assert ingest(database_url, "crossref", str(table), *skip(tmp_path)) == 1
    assert error_line(capsys).startswith(
        f"{table}: none of its 3 lines is JSON: the file looks like CSV, not JSON lines; nothing was imported"
    )


def test_a_file_of_the_right_format_whose_records_are_all_malformed_says_so(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    response = json.loads(S2_AUTHOR.read_text())
    response["externalIds"] = {"ORCID": "0000-0001-6187"}  # not an ORCID iD
    damaged = tmp_path / "author.json"
    damaged.write_text(json.dumps(response, indent=2))

    assert ingest(database_url, "semanticscholar", str(damaged), *skip(tmp_path)) == 1
    assert error_line(capsys).startswith(
        f"{damaged}: the one record read from it is malformed: the first, line 1: externalIds.ORCID: "
    )


def test_more_than_90_percent_rejected_in_the_first_1000_records_stops_there(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = ARXIV.read_text().splitlines()
    lines = [good[n % 49] if n % 20 == 0 else json.dumps({"id": f"x{n}", "title": "T"}) for n in range(5000)]
    mostly_bad = tmp_path / "mostly-bad.jsonl"
    mostly_bad.write_text("\n".join(lines) + "\n")

    assert ingest(database_url, "arxiv", str(mostly_bad), *skip(tmp_path)) == 1

    assert error_line(capsys).startswith(
        f"{mostly_bad}: 950 of its first 1,000 records were rejected (more than 90%): the first, line 2: id: "
    )
    assert len((tmp_path / "rejects.jsonl").read_text().splitlines()) == 950  # reading stopped there
    assert rows(database_url) == 0


def test_one_part_of_the_wrong_format_in_a_folder_stops_the_whole_import(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "part_000.gz").write_bytes(gzip.compress(ARXIV.read_bytes()))
    (folder / "part_001.gz").write_bytes(gzip.compress(CROSSREF.read_bytes()))

    assert ingest(database_url, "arxiv", str(folder), *skip(tmp_path)) == 1
    assert error_line(capsys).startswith(f"{folder / 'part_001.gz'}: none of its 300 records is an arXiv metadata")
    assert rows(database_url) == 0


# Under fail: the first record's error says what the file looks like


def test_under_fail_the_first_records_error_names_the_likely_format(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ingest(database_url, "openalex", str(CROSSREF)) == 1
    assert error_line(capsys) == (
        f"{CROSSREF}:1: id: the work has no id; it looks like a Crossref work: is it a Crossref file? "
        "(`scholargraph ingest crossref`)"
    )


# The right format with a few bad records is imported as before


def test_a_few_bad_records_among_good_ones_are_rejected_and_the_rest_imported(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ARXIV.read_text().splitlines()
    lines[3] = "not json"
    lines[7] = '{"id": 7}'
    few_bad = tmp_path / "few-bad.jsonl"
    few_bad.write_text("\n".join(lines) + "\n")

    assert ingest(database_url, "arxiv", str(few_bad), *skip(tmp_path)) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (report["read"], report["rejected"]) == (47, 2)


def test_under_fail_a_bad_row_of_a_merged_ids_csv_gets_no_other_format_hint(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    merged = tmp_path / "merged.csv"
    merged.write_text("merge_date,id,merge_into_id\n2022-06-06,W2011993412\n")
    assert ingest(database_url, "openalex", str(merged)) == 1
    assert error_line(capsys) == f"{merged}:2: expected 3 fields (merge_date,id,merge_into_id), found 2"
