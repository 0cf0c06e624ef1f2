"""The typed fast path for OpenAlex works: on every line it accepts, exactly the Work the full reader makes;
every other line (errors, parts left out, other entities) handed back to the full reader."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.generate import generate_openalex_works
from api.ingest.model import INVALID_ORCIDS, OUT_OF_RANGE_FIGURES, IncompleteRecord, RecordError, Skipped, Work
from api.ingest.openalex import read_openalex
from api.ingest.openalex_typed import read_work_line
from api.ingest.reading import JsonReader, Parsed
from api.ingest.reading_process import Reading, ReadJob
from api.ingest.rejects import ErrorPolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _generated(count: int, seed: int) -> list[dict[str, Any]]:
    return list(generate_openalex_works(count, seed))


def _full(record: dict[str, Any]) -> list[Any] | Exception:
    try:
        return read_openalex(record)
    except (RecordError, IncompleteRecord) as error:
        return error


def test_generated_works_are_read_by_the_fast_path_exactly_as_by_the_full_reader() -> None:
    records = _generated(400, 42) + _generated(200, 43)
    fast = [read_work_line(orjson.dumps(record)) for record in records]
    taken = [(read, record) for read, record in zip(fast, records, strict=True) if read is not None]
    assert len(taken) >= 0.95 * len(records)  # the fast path is the path: not a fallback in disguise
    for read, record in taken:
        assert read == read_openalex(record)
    # what it declined, the full reader reads with something to say (a part left out) or refuses
    for read, record in zip(fast, records, strict=True):
        if read is None:
            assert not _plain_work(_full(record))


def test_the_fixture_works_read_the_same_on_both_paths() -> None:
    lines = (FIXTURES / "openalex-works.jsonl").read_bytes().splitlines()
    assert lines
    for line in lines:
        read = read_work_line(line)
        assert read is not None
        assert read == read_openalex(orjson.loads(line))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda r: r.update(merge_into_id=None), id="a merged-ids row"),
        pytest.param(lambda r: r.update(id="https://openalex.org/A5023888391"), id="an author's id"),
        pytest.param(lambda r: r.update(id=None), id="no id"),
        pytest.param(lambda r: r.update(title=" ", display_name=None), id="no title"),
        pytest.param(lambda r: r.update(cited_by_count=-1), id="a figure out of range"),
        pytest.param(lambda r: r.update(cited_by_count=True), id="a boolean for a count"),
        pytest.param(lambda r: r.update(publication_year=2020.0, publication_date=None), id="a float for a year"),
        pytest.param(lambda r: r["authorships"][0]["author"].update(orcid="0000-0002-1825-0098"), id="ORCID typo"),
        pytest.param(lambda r: r["authorships"][0].update(author_position="second"), id="unknown position"),
        pytest.param(lambda r: r["authorships"].append(None), id="a null authorship"),
        pytest.param(lambda r: r["referenced_works"].append("https://openalex.org/A1"), id="an author cited"),
        pytest.param(lambda r: r.update(abstract_inverted_index={"a": [0], "b": [0]}), id="two words at one place"),
        pytest.param(lambda r: r.update(abstract_inverted_index={"a": [-1]}), id="a negative position"),
        pytest.param(lambda r: r.update(doi="10.1234"), id="a malformed DOI"),
    ],
)
def test_lines_the_full_reader_must_judge_are_handed_back(change: Any) -> None:
    record = _generated(1, 7)[0]
    record.setdefault("referenced_works", [])
    assert record["authorships"], "the generated work has authors to damage"
    assert read_work_line(orjson.dumps(record)) is not None
    change(record)
    assert read_work_line(orjson.dumps(record)) is None
    assert not _plain_work(_full(record))  # an error, a part left out, a merged-ids row or an author


def _plain_work(full: list[Any] | Exception) -> bool:
    """Whether the full reader made one work and nothing else (no part left out, not a merged-ids row)."""
    return isinstance(full, list) and len(full) == 1 and isinstance(full[0], Work) and not full[0].ids_only


def test_a_part_left_out_is_the_full_readers_to_list() -> None:
    record = _generated(1, 7)[0]
    record["authorships"][0]["author"]["orcid"] = "https://orcid.org/0000-0002-1825-0098"
    record["cited_by_count"] = -4
    assert read_work_line(orjson.dumps(record)) is None
    full = _full(record)
    assert isinstance(full, list)
    assert sorted(item.kind for item in full if isinstance(item, Skipped)) == [INVALID_ORCIDS, OUT_OF_RANGE_FIGURES]


def test_arxiv_ids_from_locations_and_arxiv_dois_match_the_full_reader() -> None:
    record = _generated(1, 8)[0]
    record["doi"] = "https://doi.org/10.48550/arXiv.2101.00001"
    record["ids"] = {"doi": "https://doi.org/10.48550/arXiv.2101.00001", "arxiv": "arXiv:2101.00001v2"}
    record["locations"] = [
        None,
        {"landing_page_url": "https://arxiv.org/abs/1706.03762v5", "pdf_url": "https://arxiv.org/pdf/1706.03762"},
        {"landing_page_url": "https://arxiv.org/list/cs.LG/recent", "pdf_url": None},
    ]
    record["primary_location"] = {"landing_page_url": " http://export.arxiv.org/abs/hep-th/9901001 "}
    read = read_work_line(orjson.dumps(record))
    assert read is not None
    assert read == read_openalex(record)
    work = read[0]
    assert isinstance(work, Work)
    assert {(i.scheme, i.value) for i in work.ids if i.scheme == "arxiv"} == {
        ("arxiv", "2101.00001"),
        ("arxiv", "1706.03762"),
        ("arxiv", "hep-th/9901001"),
    }


# Values a mutation puts in place of a field: each JSON type, and the strings that exercise the id rules.
_ODD = [
    "",
    "  ",
    "x",
    "https://openalex.org/W12",
    "https://openalex.org/A12",
    "https://openalex.org/I12",
    "W0012",
    "https://openalex.org/W\u0661\u0662",
    "https://openalex.org/A\u0661\u0662",
    "https://openalex.org/I\u0661\u0662",
    "https://orcid.org/0000-0002-1825-0097",
    "https://orcid.org/0000-0002-1825-0098",
    "0000000218250097",
    "https://ror.org/02nr0ka47",
    "https://ror.org/XYZ",
    "us",
    "USA",
    "first",
    "last",
    "2020-02-30",
    "2021-06-01T00:00:00Z",
    "10.48550/arXiv.1706.03762",
    "https://arxiv.org/abs/1706.03762",
    "https://doi.org/10.1000/X",
]
_ODD_STRINGS = st.sampled_from(_ODD)
_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 2**65)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | _ODD_STRINGS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6) | _ODD_STRINGS, inner, max_size=3),
    max_leaves=6,
)


# The members the readers read (other members of a snapshot line are skipped by both, unread).
_READ = frozenset(
    {
        "id", "merge_into_id", "doi", "title", "display_name", "ids", "arxiv", "publication_date",
        "publication_year", "abstract_inverted_index", "authorships", "is_authors_truncated", "referenced_works",
        "cited_by_count", "primary_location", "best_oa_location", "locations", "landing_page_url", "pdf_url",
        "author_position", "author", "orcid", "raw_author_name", "institutions", "raw_affiliation_strings",
        "raw_affiliation_string", "ror", "country_code",
    }
)  # fmt: skip


def _places(value: Any, found: list[tuple[Any, Any]], *, inside_abstract: bool = False) -> list[tuple[Any, Any]]:
    """Every (container, key or index) inside `value` that a reader reads, and one new key at the top."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _READ or inside_abstract:
                found.append((value, key))
                _places(item, found, inside_abstract=key == "abstract_inverted_index")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            _places(item, found)
    return found


_SINGLE_VALUES: list[Any] = [None, True, 0, -1, 2**64, 1.5, [], {}, [None], {"id": None}]


def test_each_field_damaged_alone_is_either_handed_back_or_read_as_the_full_reader_reads_it() -> None:
    base = next(
        work
        for work in _generated(20, 12)
        if work["referenced_works"] and len(work["authorships"]) > 2 and work["abstract_inverted_index"]
    )
    # every member a reader reads present, to be damaged
    base.update(is_authors_truncated=False, doi="https://doi.org/10.1000/a", ids={"doi": None, "arxiv": None})
    base.update(primary_location={"landing_page_url": None, "pdf_url": None}, best_oa_location=None)
    base["locations"] = [{"landing_page_url": "https://example.org/a", "pdf_url": None}]
    base["authorships"][0].update(raw_affiliation_string="Somewhere", raw_author_name="Someone")
    base["authorships"][0]["institutions"] = [{"id": None, "display_name": "X", "ror": None, "country_code": None}]
    cases = 0
    for place in range(len(_places(base, []))):
        for value in _SINGLE_VALUES + _ODD:
            record = copy.deepcopy(base)
            container, key = _places(record, [])[place]
            container[key] = value
            read = read_work_line(json.dumps(record).encode())
            if read is not None:
                assert read == _full(record), (key, value)
                cases += 1
    assert cases > 500  # most damage is to values the reader reads through, not declines


_BASES = _generated(6, 11)


@settings(
    max_examples=400, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    base=st.sampled_from(range(len(_BASES))),
    picks=st.lists(st.tuples(st.integers(0, 10**6), _VALUES, st.booleans()), min_size=1, max_size=3),
)
def test_a_damaged_work_is_either_handed_back_or_read_as_the_full_reader_reads_it(
    base: int, picks: list[tuple[int, Any, bool]]
) -> None:
    record = copy.deepcopy(_BASES[base])
    for where, value, delete in picks:
        places = _places(record, [])
        container, key = places[where % len(places)]
        if delete and isinstance(container, dict):
            del container[key]
        else:
            container[key] = value
    read = read_work_line(json.dumps(record).encode())  # json: orjson has no integers past 64 bits
    if read is not None:
        assert read == _full(record)


def test_an_import_reads_lines_by_the_fast_path_and_the_first_line_by_the_full_reader(tmp_path: Path) -> None:
    path = tmp_path / "works.jsonl.gz"
    records = _generated(50, 5)
    path.write_bytes(gzip.compress(b"".join(orjson.dumps(record) + b"\n" for record in records)))
    values = [item.value for item in JsonReader([str(path)], typed=read_work_line)]
    assert not isinstance(values[0], Parsed)
    assert sum(isinstance(value, Parsed) for value in values[1:]) >= 45
    job = ReadJob("openalex", (str(path),), ErrorPolicy.SKIP, str(tmp_path / "rejects.jsonl"), dt.date(2026, 1, 1), 10)
    with Reading(job) as reading:
        read = list(reading.records())
    expected = [item for record in records for item in read_openalex(record) if not isinstance(item, Skipped)]
    assert read == expected


@pytest.mark.parametrize("count", [1, 2, 3])
def test_a_byline_cut_short_reads_as_incomplete_on_both_paths(count: int) -> None:
    record = next(work for work in _generated(20, 13) if len(work["authorships"]) >= 3)
    record["authorships"] = record["authorships"][:count]
    record["authorships"][-1]["author_position"] = "middle"
    read = read_work_line(orjson.dumps(record))
    assert read is not None
    assert read == read_openalex(record)
    assert isinstance(read[0], Work)
    assert read[0].authors_complete is (count == 1)
