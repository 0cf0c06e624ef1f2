"""Reading import inputs: every kind of input, every kind of damage, the error policy, constant memory.

Each test writes real files under tmp_path (standard input is a replaced sys.stdin) and asserts one
behaviour.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest

from api.errors import DamagedInputError, IngestError, InputFormatError
from api.ingest.reading import JsonReader, iter_inputs, iter_json_records, read_json_document
from api.ingest.rejects import REJECT_RECORD_LIMIT, ErrorPolicy, Rejects, default_rejects_path


def jsonl(*values: object) -> bytes:
    return b"".join(json.dumps(value).encode() + b"\n" for value in values)


def values_and_lines(paths: list[str], rejects: Rejects | None = None) -> list[tuple[object, int]]:
    return [(record.value, record.line) for record in iter_json_records(paths, rejects=rejects)]


def write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def read_rejects(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def use_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


SEVEN_LINES = b'{"n": 1}\n{"n": 2}\n{"n": 3}\n{"n": 4}\n{"n": 5\n{"n": 6}\n{"n": 7}\n'  # line 5 is cut short


# Inputs


def test_a_plain_file_yields_each_line_value_with_its_line_number(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", b'{"n": 1}\n\n  \n{"n": 2}\r\n[3]\n')

    assert values_and_lines([path]) == [({"n": 1}, 1), ({"n": 2}, 4), ([3], 5)]


def test_a_gzip_file_is_recognised_by_its_magic_bytes_whatever_its_name(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", gzip.compress(jsonl({"n": 1}, {"n": 2})))

    assert values_and_lines([path]) == [({"n": 1}, 1), ({"n": 2}, 2)]


def test_a_gz_name_without_gzip_content_is_read_as_plain_text(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl.gz", jsonl({"n": 1}))

    assert values_and_lines([path]) == [({"n": 1}, 1)]


def test_a_snapshot_folder_yields_its_gzip_parts_in_path_order_without_manifest_and_hidden_files(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "works"
    write(folder / "updated_date=2024-02-01" / "part_000.gz", gzip.compress(jsonl({"id": "W3"})))
    write(folder / "updated_date=2024-01-01" / "part_001.gz", gzip.compress(jsonl({"id": "W2"})))
    write(folder / "updated_date=2024-01-01" / "part_000.gz", gzip.compress(jsonl({"id": "W1"})))
    write(folder / "manifest", b'{"entries": [], "meta": {"content_length": 0, "record_count": 3}}')
    write(folder / "_SUCCESS", b"")
    write(folder / ".part_000.gz.crc", b"\x00\x01")
    write(folder / ".hidden" / "part_000.gz", gzip.compress(jsonl({"id": "hidden"})))

    names = [Path(source.path).relative_to(folder).as_posix() for source in iter_inputs([str(folder)])]
    records = [record.value["id"] for record in iter_json_records([str(folder)])]

    assert names == [
        "updated_date=2024-01-01/part_000.gz",
        "updated_date=2024-01-01/part_001.gz",
        "updated_date=2024-02-01/part_000.gz",
    ]
    assert records == ["W1", "W2", "W3"]


def test_standard_input_is_read_for_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    use_stdin(monkeypatch, jsonl({"n": 1}, {"n": 2}))

    records = list(iter_json_records(["-"]))

    assert [(record.path, record.line, record.value) for record in records] == [
        ("<stdin>", 1, {"n": 1}),
        ("<stdin>", 2, {"n": 2}),
    ]


def test_gzip_on_standard_input_is_decompressed(monkeypatch: pytest.MonkeyPatch) -> None:
    use_stdin(monkeypatch, gzip.compress(jsonl({"n": 1})))

    assert values_and_lines(["-"]) == [({"n": 1}, 1)]


def test_inputs_are_read_in_the_order_given(tmp_path: Path) -> None:
    first = write(tmp_path / "b.jsonl", jsonl({"n": 1}))
    second = write(tmp_path / "a.jsonl.gz", gzip.compress(jsonl({"n": 2})))

    assert [record.path for record in iter_json_records([first, second])] == [first, second]


def test_a_missing_path_is_an_ingest_error_before_anything_is_read(tmp_path: Path) -> None:
    present = write(tmp_path / "a.jsonl", jsonl({"n": 1}))

    with pytest.raises(IngestError, match=r"missing\.jsonl: no such file or folder"):
        iter_inputs([present, str(tmp_path / "missing.jsonl")])


def test_a_folder_without_input_files_is_an_ingest_error(tmp_path: Path) -> None:
    write(tmp_path / "empty" / "manifest", b"{}")

    with pytest.raises(IngestError, match="the folder holds no input file"):
        iter_inputs([str(tmp_path / "empty")])


def test_the_reader_counts_bytes_read_up_to_the_total_size_of_the_files(tmp_path: Path) -> None:
    plain = write(tmp_path / "a.jsonl", jsonl(*({"n": n} for n in range(100))))
    packed = write(tmp_path / "b.jsonl.gz", gzip.compress(jsonl(*({"n": n} for n in range(100)))))
    reader = JsonReader([plain, packed])

    assert reader.bytes_read == 0
    assert sum(1 for _ in reader) == 200
    assert reader.total_bytes == Path(plain).stat().st_size + Path(packed).stat().st_size
    assert reader.bytes_read == reader.total_bytes


def test_standard_input_has_no_total_size(monkeypatch: pytest.MonkeyPatch) -> None:
    use_stdin(monkeypatch, jsonl({"n": 1}))
    reader = JsonReader(["-"])

    assert sum(1 for _ in reader) == 1
    assert reader.total_bytes is None
    assert reader.bytes_read == len(jsonl({"n": 1}))


# One JSON document


def test_a_pretty_printed_document_is_one_record_at_the_line_where_it_starts(tmp_path: Path) -> None:
    response = {"paperId": "2d56", "authors": None, "citations": [{"paperId": "a"}, {"paperId": "b"}]}
    path = write(tmp_path / "paper.json", b"\n" + json.dumps(response, indent=2).encode() + b"\n")

    assert values_and_lines([path]) == [(response, 2)]


def test_a_gzipped_api_response_page_is_one_record(tmp_path: Path) -> None:
    page = {"status": "ok", "message-type": "work-list", "message": {"items": [{"DOI": "10.1/a"}]}}
    path = write(tmp_path / "page.json.gz", gzip.compress(json.dumps(page, indent=1).encode()))

    assert values_and_lines([path]) == [(page, 1)]


def test_a_damaged_document_is_an_error_at_the_damaged_line(tmp_path: Path) -> None:
    path = write(tmp_path / "paper.json", b'{\n  "paperId": "2d56",\n  "title": oops,\n  "year": 1950\n}\n')

    with pytest.raises(InputFormatError) as raised:
        list(iter_json_records([path]))

    assert (raised.value.path, raised.value.line) == (path, 3)
    assert raised.value.reason.startswith("not valid JSON")


def test_json_lines_with_a_cut_first_line_are_still_read_as_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", b'{"n": 1, "title": "cut\n{"n": 2}\n{"n": 3}\n')
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.SKIP)

    with rejects:
        values = values_and_lines([path], rejects)

    assert values == [({"n": 2}, 2), ({"n": 3}, 3)]
    assert [entry["line"] for entry in read_rejects(rejects.path)] == [1]


def test_read_json_document_decodes_a_whole_file(tmp_path: Path) -> None:
    path = write(tmp_path / "author.json", json.dumps({"authorId": "1", "papers": []}, indent=4).encode())

    record = read_json_document(path)

    assert (record.path, record.line, record.value) == (path, 1, {"authorId": "1", "papers": []})


def test_read_json_document_names_the_line_of_damage(tmp_path: Path) -> None:
    path = write(tmp_path / "author.json", b'{\n "authorId": "1",\n "papers": [\n')

    with pytest.raises(InputFormatError, match=r"author\.json:3: not valid JSON: unexpected end of data"):
        read_json_document(path)


# Damage


def test_an_invalid_json_line_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", SEVEN_LINES)

    with pytest.raises(InputFormatError) as raised:
        list(iter_json_records([path]))

    assert str(raised.value).startswith(f"{path}:5: not valid JSON")


def test_invalid_utf8_is_an_error_naming_the_line_and_the_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", b'{"n": 1}\n{"n": 2}\n{"name": "Ren\xe9"}\n{"n": 4}\n')

    with pytest.raises(InputFormatError) as raised:
        list(iter_json_records([path]))

    assert (raised.value.path, raised.value.line) == (path, 3)
    assert raised.value.reason == "not valid UTF-8 (byte 0xe9 at column 14)"


PADDED = jsonl(*({"n": n, "pad": "x" * 100} for n in range(2000)))


def whole_lines_in(packed: bytes) -> int:
    """How many whole lines the decompressible start of a damaged gzip member holds (zlib, independently)."""
    decompressor = zlib.decompressobj(31)
    data = b"".join(decompressor.decompress(packed[i : i + 1]) for i in range(len(packed)))
    return data.count(b"\n")


def test_a_truncated_gzip_file_yields_every_whole_line_then_names_the_last_good_line(tmp_path: Path) -> None:
    packed = gzip.compress(PADDED)
    cut = packed[: len(packed) // 2]
    path = write(tmp_path / "part_000.gz", cut)
    whole = whole_lines_in(cut)
    read: list[int] = []

    with pytest.raises(DamagedInputError) as raised:
        read.extend(record.value["n"] for record in iter_json_records([path]))

    assert whole > 900  # the cut falls in the middle of the file, not in its first buffer
    assert read == list(range(whole))
    assert str(raised.value) == (
        f"{path}:{whole + 1}: the gzip stream ends early after line {whole} (the file is truncated): "
        f"line {whole + 1} is cut off after {len(raised.value.record)} bytes"
    )
    assert PADDED.split(b"\n")[whole].startswith(raised.value.record)


def test_a_gzip_file_cut_at_a_line_end_says_the_lines_after_it_are_lost(tmp_path: Path) -> None:
    compressor = zlib.compressobj(wbits=31)
    head = compressor.compress(jsonl({"n": 1}, {"n": 2})) + compressor.flush(zlib.Z_FULL_FLUSH)
    path = write(tmp_path / "works.jsonl.gz", head)  # the rest of the member never written

    with pytest.raises(DamagedInputError) as raised:
        list(iter_json_records([path]))

    assert str(raised.value) == (
        f"{path}:3: the gzip stream ends early after line 2 (the file is truncated): the lines after it are lost"
    )


def test_a_corrupt_gzip_member_yields_the_lines_of_the_members_before_it(tmp_path: Path) -> None:
    garbage = gzip.compress(jsonl({"n": 3}))[:10] + b"\xff" * 40  # a gzip header, then no deflate data
    path = write(tmp_path / "part_000.gz", gzip.compress(jsonl({"n": 1}, {"n": 2})) + garbage)
    read: list[int] = []

    with pytest.raises(DamagedInputError) as raised:
        read.extend(record.value["n"] for record in iter_json_records([path]))

    assert read == [1, 2]
    assert str(raised.value) == (
        f"{path}:3: the gzip stream is corrupt after line 2: invalid compressed data (invalid block type); "
        "nothing after it can be read"
    )


def test_a_gzip_checksum_mismatch_is_found_at_the_member_end(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(jsonl({"n": 1}, {"n": 2})))
    packed[-8] ^= 0xFF  # the CRC-32 of the trailer
    path = write(tmp_path / "part_000.gz", bytes(packed))
    read: list[int] = []

    with pytest.raises(DamagedInputError, match=r"part_000\.gz:3: the gzip stream is corrupt after line 2: its CRC-32"):
        read.extend(record.value["n"] for record in iter_json_records([path]))

    assert read == [1, 2]


def test_garbage_after_a_gzip_member_is_damage_after_its_last_line(tmp_path: Path) -> None:
    path = write(tmp_path / "part_000.gz", gzip.compress(jsonl({"n": 1})) + b"\x00\x00not gzip")

    with pytest.raises(DamagedInputError, match=r":2: the gzip stream is corrupt after line 1: bytes that are not"):
        list(iter_json_records([path]))


def test_corrupt_gzip_data_at_the_start_is_damage_before_the_first_line(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(jsonl(*({"n": n} for n in range(1000)))))
    packed[20:40] = bytes(20)
    path = write(tmp_path / "part_000.gz", bytes(packed))

    with pytest.raises(InputFormatError, match=r"part_000\.gz:1: the gzip stream is corrupt before the end of line 1"):
        list(iter_json_records([path]))


def test_a_plain_file_cut_in_the_middle_of_its_last_line_is_truncated_there(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", b'{"n": 1}\n{"n": 2}\n{"n": 3, "title": "cut her')
    read: list[int] = []

    with pytest.raises(DamagedInputError) as raised:
        read.extend(record.value["n"] for record in iter_json_records([path]))

    assert read == [1, 2]
    assert str(raised.value) == (
        f"{path}:3: the file ends early after line 2 (it is probably truncated): line 3 is cut off "
        "(not valid JSON: unexpected end of data at column 27)"
    )
    assert raised.value.record == b'{"n": 3, "title": "cut her'


def test_a_whole_last_line_without_a_line_break_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", b'{"n": 1}\n{"n": 2}')

    assert values_and_lines([path]) == [({"n": 1}, 1), ({"n": 2}, 2)]


def test_a_cut_document_is_truncated_at_its_last_line(tmp_path: Path) -> None:
    path = write(tmp_path / "paper.json", b'{\n  "paperId": "2d56",\n  "title": "Computing Mach')

    with pytest.raises(DamagedInputError, match=r"paper\.json:3: the file ends early after line 2 \(it is probably "
                       r"truncated\): the JSON document that starts on line 1 is cut off"):  # fmt: skip
        list(iter_json_records([path]))


# The error policy


def test_under_fail_the_first_bad_record_raises_and_no_reject_file_is_written(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", SEVEN_LINES)
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.FAIL)

    with pytest.raises(InputFormatError), rejects:
        list(iter_json_records([path], rejects=rejects))

    assert not rejects.path.exists()


def test_skip_writes_exactly_the_bad_lines_to_the_reject_file_and_reads_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", b'{"n": 1}\n{"n": 2\n{"n": 3}\n{"name": "Ren\xe9"}\n{"n": 5}\n')
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.SKIP)

    with rejects:
        values = values_and_lines([path], rejects)

    assert values == [({"n": 1}, 1), ({"n": 3}, 3), ({"n": 5}, 5)]
    assert rejects.count == 2
    assert read_rejects(rejects.path) == [
        {
            "path": path,
            "line": 2,
            "kind": "malformed",
            "reason": "not valid JSON: unexpected end of data (column 8)",
            "record": '{"n": 2',
        },
        {
            "path": path,
            "line": 4,
            "kind": "malformed",
            "reason": "not valid UTF-8 (byte 0xe9 at column 14)",
            "record": '{"name": "Ren\\xe9"}',
        },
    ]


def test_skip_goes_on_with_the_next_file_after_a_truncated_gzip_file(tmp_path: Path) -> None:
    packed = gzip.compress(PADDED)
    broken = write(tmp_path / "part_000.gz", packed[: len(packed) // 2])
    whole = write(tmp_path / "part_001.gz", gzip.compress(jsonl({"n": "last"})))
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.SKIP)

    with rejects:
        values = [record.value["n"] for record in iter_json_records([broken, whole], rejects=rejects)]

    (entry,) = read_rejects(rejects.path)
    lines = whole_lines_in(packed[: len(packed) // 2])
    assert values == [*range(lines), "last"]
    assert (entry["path"], entry["line"]) == (broken, lines + 1)
    assert PADDED.decode().split("\n")[lines].startswith(str(entry["record"]))
    assert str(entry["reason"]).startswith(f"the gzip stream ends early after line {lines} (the file is truncated)")


def test_skip_rejects_a_cut_last_line_with_what_there_is_of_it(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", b'{"n": 1}\n{"n": 2, "ti')
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.SKIP)

    with rejects:
        assert values_and_lines([path], rejects) == [({"n": 1}, 1)]

    (entry,) = read_rejects(rejects.path)
    assert (entry["line"], entry["record"]) == (2, '{"n": 2, "ti')
    assert str(entry["reason"]).startswith("the file ends early after line 1 (it is probably truncated)")


def test_a_rejected_record_keeps_only_its_first_10_kib(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", b'{"title": "' + b"x" * 50_000 + b"\n")
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.SKIP)

    with rejects:
        assert values_and_lines([path], rejects) == []

    (entry,) = read_rejects(rejects.path)
    assert entry["record"] == ('{"title": "' + "x" * 50_000)[:REJECT_RECORD_LIMIT]


def test_a_format_module_rejects_a_decoded_record_through_the_same_policy(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", jsonl({"title": None}))
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.SKIP)

    with rejects:
        for record in iter_json_records([path], rejects=rejects):
            rejects.reject(record.error("a work without a title"), record.raw)

    assert read_rejects(rejects.path) == [
        {"path": path, "line": 1, "kind": "malformed", "reason": "a work without a title", "record": '{"title": null}'}
    ]


def test_a_record_left_out_is_written_under_fail_too_and_a_failed_import_removes_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", jsonl({"title": None}, {"n": 2}))
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.FAIL)

    with rejects:
        for record in iter_json_records([path], rejects=rejects):
            if record.line == 1:
                rejects.leave_out(record.error("title: missing"), "untitled_works", record.raw)
        assert rejects.written
    assert read_rejects(rejects.path) == [
        {"path": path, "line": 1, "kind": "untitled_works", "reason": "title: missing", "record": '{"title": null}'}
    ]
    assert rejects.left_out == {"untitled_works": 1}

    failing = Rejects(rejects.path, policy=ErrorPolicy.FAIL)
    failing.leave_out(InputFormatError(path, 1, "title: missing"), "untitled_works")
    with pytest.raises(InputFormatError), failing:
        failing.reject(InputFormatError(path, 2, "not valid JSON"))
    assert not rejects.path.exists()


def test_skip_without_rejects_leaves_an_empty_reject_file(tmp_path: Path) -> None:
    stale = tmp_path / "rejects.jsonl"
    stale.write_text('{"from": "an earlier run"}\n')
    path = write(tmp_path / "works.jsonl", jsonl({"n": 1}))

    with Rejects(stale, policy=ErrorPolicy.SKIP) as rejects:
        list(iter_json_records([path], rejects=rejects))

    assert stale.read_text() == ""


def test_the_default_reject_file_is_named_after_the_first_input_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert default_rejects_path(["/data/works/", "/data/authors"]) == tmp_path / "works.rejects.jsonl"
    assert default_rejects_path(["dump/part_000.gz"]) == tmp_path / "part_000.gz.rejects.jsonl"
    assert default_rejects_path(["-"]) == tmp_path / "stdin.rejects.jsonl"
    assert Rejects.for_inputs(["a.jsonl"], path="elsewhere.jsonl").path == Path("elsewhere.jsonl")


# OpenAlex merged-ids CSV files

MERGED = b"merge_date,id,merge_into_id\n2022-06-07,A2257618939,A2208157607\n\n2022-06-06,W2011993412,W2741809807\n"
MERGED_ROWS = [
    ({"merge_date": "2022-06-07", "id": "A2257618939", "merge_into_id": "A2208157607"}, 2),
    ({"merge_date": "2022-06-06", "id": "W2011993412", "merge_into_id": "W2741809807"}, 4),
]


def test_a_merged_ids_csv_file_yields_each_row_as_an_object_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "2022-06-07.csv", MERGED)
    records = list(iter_json_records([path]))

    assert [(record.value, record.line) for record in records] == MERGED_ROWS
    assert records[0].raw == b"2022-06-07,A2257618939,A2208157607"


def test_a_gzipped_merged_ids_file_crlf_a_byte_order_mark_quotes_and_blank_fields(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbfmerge_date,id,merge_into_id\r\n"2022-06-07", A1 ,"https://openalex.org/A2"\r\n,W3,\r\n'
    path = write(tmp_path / "merged_ids" / "works" / "2022-06-07.CSV.GZ", gzip.compress(data))

    assert values_and_lines([path]) == [
        ({"merge_date": "2022-06-07", "id": "A1", "merge_into_id": "https://openalex.org/A2"}, 2),
        ({"merge_date": None, "id": "W3", "merge_into_id": None}, 3),
    ]


def test_merged_ids_are_recognised_by_their_header_whatever_the_name_and_on_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unnamed = write(tmp_path / "part_000", gzip.compress(MERGED))
    assert values_and_lines([unnamed]) == MERGED_ROWS
    # Parts joined into one stream (`zcat merged_ids/works/*.csv.gz | …`): a header met again is skipped.
    use_stdin(monkeypatch, gzip.compress(MERGED + MERGED))
    assert values_and_lines(["-"]) == [*MERGED_ROWS, *((value, line + 4) for value, line in MERGED_ROWS)]


def test_a_json_lines_file_that_mentions_merge_into_id_is_still_json(tmp_path: Path) -> None:
    path = write(tmp_path / "works.jsonl", jsonl({"merge_date": None, "id": "W1", "merge_into_id": "W2"}))

    assert values_and_lines([path]) == [({"merge_date": None, "id": "W1", "merge_into_id": "W2"}, 1)]


def test_in_a_folder_merged_ids_come_after_the_works_parts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write(data / "merged_ids" / "works" / "2022-06-06.csv.gz", gzip.compress(MERGED))
    write(data / "works" / "updated_date=2024-01-01" / "part_000.gz", gzip.compress(jsonl({"id": "W2741809807"})))
    write(data / "authors" / "updated_date=2024-01-01" / "part_000.gz", gzip.compress(jsonl({"id": "A2208157607"})))
    write(data / "works" / "manifest", b"{}")

    names = [Path(source.path).relative_to(data).as_posix() for source in iter_inputs([str(data)])]
    ids = [record.value["id"] for record in iter_json_records([str(data)])]

    assert names == [
        "authors/updated_date=2024-01-01/part_000.gz",
        "works/updated_date=2024-01-01/part_000.gz",
        "merged_ids/works/2022-06-06.csv.gz",
    ]
    assert ids == ["A2208157607", "W2741809807", "A2257618939", "W2011993412"]


BAD_ROWS = (
    b"merge_date,id,merge_into_id\n"
    b"2022-06-07,A1,A2\n"
    b"2022-06-07,W1\n"  # line 3: a field missing
    b'2022-06-07,"W2,W3\n'  # line 4: an unclosed quote
    b"2022-06-07,W4,W5,W6\n"  # line 5: a field too many
    b"2022-06-07,W\xe97,W8\n"  # line 6: not UTF-8
    b"2022-06-07,W9,W10\n"
)


def test_under_fail_a_malformed_csv_row_raises_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "merged.csv", BAD_ROWS)

    with pytest.raises(InputFormatError) as raised:
        list(iter_json_records([path], rejects=Rejects(tmp_path / "r.jsonl", policy=ErrorPolicy.FAIL)))

    assert str(raised.value) == f"{path}:3: expected 3 fields (merge_date,id,merge_into_id), found 2"


def test_under_skip_malformed_csv_rows_go_to_the_reject_file_and_the_rest_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "merged.csv", BAD_ROWS)
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.SKIP)

    with rejects:
        ids = [(record.value["id"], record.line) for record in iter_json_records([path], rejects=rejects)]

    assert ids == [("A1", 2), ("W9", 7)]
    assert [(entry["line"], entry["reason"], entry["record"]) for entry in read_rejects(rejects.path)] == [
        (3, "expected 3 fields (merge_date,id,merge_into_id), found 2", "2022-06-07,W1"),
        (4, "not a CSV row: unexpected end of data", '2022-06-07,"W2,W3'),
        (5, "expected 3 fields (merge_date,id,merge_into_id), found 4", "2022-06-07,W4,W5,W6"),
        (6, "not valid UTF-8 (byte 0xe9 at column 13)", "2022-06-07,W\\xe97,W8"),
    ]
    assert {entry["path"] for entry in read_rejects(rejects.path)} == {path}


def test_a_csv_file_with_another_header_is_an_error_at_its_first_line(tmp_path: Path) -> None:
    other = write(tmp_path / "institutions.csv", b"id,display_name\nI1,Somewhere\n")
    after = write(tmp_path / "works.jsonl", jsonl({"n": 1}))

    with pytest.raises(InputFormatError, match=r"institutions\.csv:1: a CSV file, but not OpenAlex merged ids"):
        list(iter_json_records([other]))
    rejects = Rejects(tmp_path / "rejects.jsonl", policy=ErrorPolicy.SKIP)
    with rejects:
        assert values_and_lines([other, after], rejects) == [({"n": 1}, 1)]
    (entry,) = read_rejects(rejects.path)
    assert (entry["line"], entry["record"]) == (1, "id,display_name")
    assert "the rest of the file is not read" in str(entry["reason"])


# Constant memory


def test_reading_a_200_mb_gzip_file_takes_constant_memory(tmp_path: Path) -> None:
    # 1,000 distinct lines of ~2 kB compressed once, the member repeated: a valid multi-member gzip file
    # of 200 MB of JSON lines that takes milliseconds to write.
    chunk = b"".join(
        b'{"id": "W%08d", "title": "%s"}\n' % (n, b"a highly compressible title " * 70) for n in range(1000)
    )
    member = gzip.compress(chunk, 9)
    repeats = 200_000_000 // len(chunk) + 1
    path = tmp_path / "works.jsonl.gz"
    with path.open("wb") as out:
        for _ in range(repeats):
            out.write(member)

    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_json_records([str(path)]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count * len(chunk) // 1000 >= 200_000_000
    assert peak < 50_000_000
