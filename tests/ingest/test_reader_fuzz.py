"""Property-based fuzzing of every importer's record reader (hypothesis): whatever JSON a dump line holds,
a reader makes records, leaves the record out with its reason (IncompleteRecord, a Skipped entry), or
refuses it with a RecordError saying why; nothing else escapes it (no TypeError, KeyError, crash).

Two kinds of input: any JSON value, and real records (tests/fixtures) with one member, at any depth,
replaced by any JSON value, deleted, or given a value of another type, which is what damage in a real
dump looks like. Each case counts, bounded for the suite's time."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.ingest.arxiv import read_arxiv
from api.ingest.bulk import check_record
from api.ingest.crossref import read_crossref_value
from api.ingest.limits import fit_record
from api.ingest.model import IncompleteRecord, RecordError, Skipped
from api.ingest.openalex import read_openalex
from api.ingest.semanticscholar import read_s2

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EXAMPLES = 150

READERS: dict[str, tuple[Callable[[Any], Any], list[str]]] = {
    "arxiv": (read_arxiv, ["arxiv-metadata-sample.jsonl"]),
    "crossref": (read_crossref_value, ["crossref-works-sample.jsonl"]),
    "openalex": (read_openalex, ["openalex-works.jsonl", "openalex-authors.jsonl"]),
    "semanticscholar": (
        lambda value: read_s2(value, as_of=dt.date(2026, 12, 1)),
        ["semanticscholar-datasets-papers.jsonl", "semanticscholar-datasets-authors.jsonl"],
    ),
}


def _samples(names: list[str]) -> list[Any]:
    records = []
    for name in names:
        lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
        records += [json.loads(line) for line in lines if line.strip()][:40]
    return records


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every member's path in a JSON value (object keys and list indexes)."""
    found: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found.append((*prefix, key))
        found += _paths(child, (*prefix, key))
    return found


@st.composite
def damaged(draw: st.DrawFn, samples: list[Any]) -> Any:
    record = json.loads(json.dumps(draw(st.sampled_from(samples))))
    paths = _paths(record)
    for _ in range(draw(st.integers(1, 3))):
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = record
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "retype"]))
        if action == "delete" and isinstance(parent, dict):
            parent.pop(path[-1], None)
        else:
            old = parent[path[-1]]
            retyped = [[old], {"value": old}, str(old), 0, -1, 10**30, "", None, True, 1.5]
            parent[path[-1]] = draw(json_values if action == "replace" else st.sampled_from(retyped))
        paths = _paths(record)
    return record


def _read_safely(reader: Callable[[Any], Any], value: Any) -> None:
    try:
        made = reader(value)
    except (RecordError, IncompleteRecord):
        return
    for record in made if isinstance(made, list) else [made]:
        if isinstance(record, Skipped):
            assert record.reason, record
            continue
        fitted, left_out = fit_record(record)
        assert all(skipped.reason for skipped in left_out)
        if fitted is not None:
            with contextlib.suppress(RecordError):  # the writer's own check may refuse it: a bad record
                check_record(fitted)


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.mark.parametrize("format_name", sorted(READERS))
def test_a_reader_given_any_json_makes_records_or_says_why_not(format_name: str) -> None:
    reader, _ = READERS[format_name]

    @FUZZ
    @given(value=json_values)
    def read(value: Any) -> None:
        _read_safely(reader, value)

    read()


@pytest.mark.parametrize("format_name", sorted(READERS))
def test_a_reader_given_damaged_real_records_makes_records_or_says_why_not(format_name: str) -> None:
    reader, names = READERS[format_name]
    samples = _samples(names)
    assert samples, format_name

    @FUZZ
    @given(value=damaged(samples))
    def read(value: Any) -> None:
        _read_safely(reader, value)

    read()
