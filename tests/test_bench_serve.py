"""The serving benchmark's pure logic (bench/servebench/): the answers' normaliser, the wire counter's
protocol reading, wrk's output, /proc parsing and the report. No server, no timing."""

from __future__ import annotations

import copy
import json
import struct
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from servebench import inputs, load, procstat, queries, report, wire  # noqa: E402
from servebench.queries import AnswerError, Search, first_difference, normalise  # noqa: E402

Q1 = queries.BY_KEY["q1"]
Q4 = queries.BY_KEY["q4"]
Q5 = queries.BY_KEY["q5"]


def _ours_profile() -> dict[str, Any]:
    figures = {"hIndex": 3, "citationCount": 40, "paperCount": 5, "i10Index": 1, "gIndex": 4}
    return {
        "data": {
            "author": {
                "id": queries.global_id("Author", 7),
                "name": "Ada",
                "metrics": {**figures, "hIndex": 9, "source": "bench-profile", "asOf": "2026-01-15"},
                "computedMetrics": figures,
                "papers": {
                    "nodes": [
                        {
                            "id": queries.global_id("Paper", 12),
                            "title": "T",
                            "publishedOn": "2024-02-01",
                            "authors": [
                                {"id": queries.global_id("Author", 7), "name": "Ada"},
                                {"id": queries.global_id("Author", 8), "name": "Bo"},
                            ],
                        }
                    ]
                },
                "coauthors": {
                    "nodes": [
                        {"sharedPaperCount": 2, "author": {"id": queries.global_id("Author", 8), "name": "Bo"}},
                        {"sharedPaperCount": 1, "author": {"id": queries.global_id("Author", 9), "name": "Cy"}},
                    ]
                },
            }
        }
    }


def _postgraphile_profile() -> dict[str, Any]:
    figures = {"hIndex": 3, "citationCount": 40, "paperCount": 5, "i10Index": 1, "gIndex": 4}
    byline = [{"authorByAuthorId": {"rowId": "7", "name": "Ada"}}, {"authorByAuthorId": {"rowId": "8", "name": "Bo"}}]
    return {
        "data": {
            "authorByRowId": {
                "rowId": "7",
                "name": "Ada",
                "metrics": {**figures, "hIndex": 9, "source": "bench-profile", "asOf": "2026-01-15"},
                "authorComputedMetricByAuthorId": figures,
                "newestPapers": {
                    "nodes": [
                        {
                            "rowId": "12",
                            "title": "T",
                            "publishedOn": "2024-02-01",
                            "authorshipsByPaperId": {"nodes": byline},
                        }
                    ]
                },
                "topCoauthors": {
                    "nodes": [
                        {"sharedPaperCount": 2, "authorId": "8", "name": "Bo"},
                        {"sharedPaperCount": 1, "authorId": "9", "name": "Cy"},
                    ]
                },
            }
        }
    }


def _raw_profile() -> dict[str, Any]:
    figures = {"h_index": 3, "citation_count": 40, "paper_count": 5, "i10_index": 1, "g_index": 4}
    return {
        "id": 7,
        "name": "Ada",
        "metrics": {**figures, "h_index": 9, "source": "bench-profile", "as_of": "2026-01-15"},
        "computed": figures,
        "papers": [
            {
                "id": 12,
                "title": "T",
                "published_on": "2024-02-01",
                "authors": [{"id": 7, "name": "Ada"}, {"id": 8, "name": "Bo"}],
            }
        ],
        "coauthors": [
            {"id": 8, "name": "Bo", "shared_paper_count": 2},
            {"id": 9, "name": "Cy", "shared_paper_count": 1},
        ],
    }


def test_the_three_shapes_of_one_profile_normalise_to_the_same_answer() -> None:
    ours = normalise(Q1, "ours", _ours_profile())
    assert ours == normalise(Q1, "postgraphile", _postgraphile_profile())
    assert ours == normalise(Q1, "raw", _raw_profile())
    assert ours["coauthors"] == [[8, "Bo", 2], [9, "Cy", 1]]


def test_a_different_order_is_a_different_answer_and_says_where() -> None:
    swapped = _raw_profile()
    swapped["coauthors"].reverse()
    difference = first_difference(normalise(Q1, "ours", _ours_profile()), normalise(Q1, "raw", swapped))
    assert difference == ".coauthors[0][0]: 8 != 9"


def test_a_missing_byline_name_is_found() -> None:
    other = _postgraphile_profile()
    other["data"]["authorByRowId"]["newestPapers"]["nodes"][0]["authorshipsByPaperId"]["nodes"].pop()
    difference = first_difference(normalise(Q1, "ours", _ours_profile()), normalise(Q1, "postgraphile", other))
    assert difference == ".papers[0][3]: 2 items != 1 items"


def test_graphql_errors_and_wrong_shapes_are_no_answer() -> None:
    with pytest.raises(AnswerError, match="GraphQL errors"):
        normalise(Q1, "ours", {"data": None, "errors": [{"message": "boom"}]})
    with pytest.raises(AnswerError, match="unexpected shape"):
        normalise(Q1, "postgraphile", {"data": {"authorByRowId": {"rowId": "7"}}})


def test_numbers_compare_as_json_numbers_but_not_as_booleans_or_strings() -> None:
    assert first_difference({"a": [1, 2.0]}, {"a": [1.0, 2]}) is None
    assert first_difference([True], [1]) == "[0]: True != 1"
    assert first_difference(["1"], [1]) == "[0]: '1' != 1"
    assert first_difference({"a": 1}, {"b": 1}) == ".a: present in only one answer"


def test_ids_of_every_system_name_row_numbers() -> None:
    assert queries.row_of(queries.global_id("Author", 12345)) == 12345
    assert queries.row_of("12345") == 12345
    assert queries.row_of(12345) == 12345
    with pytest.raises(AnswerError):
        queries.row_of("not an id")
    with pytest.raises(AnswerError):
        queries.row_of(True)


def test_rest_answers_agree_whatever_the_writing_of_their_times() -> None:
    ours = {"id": queries.global_id("Author", 3), "computed_at": "2026-12-06T19:15:01.347914Z", "n": [1]}
    raw = {"id": 3, "computed_at": "2026-12-06T20:15:01.347914+01:00", "n": [1]}
    assert normalise(Q5, "ours", ours) == normalise(Q5, "raw", raw)
    assert queries.canonical_datetimes("2026-12-06 19:15:01.3+00") == "2026-12-06T19:15:01.300000+00:00"
    assert queries.canonical_datetimes("2026-12-06") == "2026-12-06"


def test_requests_carry_the_input_each_system_expects() -> None:
    search = Search("graph neural", "2010-01-01")
    ours = Q4.request("ours", search)
    assert ours.method == "POST"
    assert ours.body is not None
    assert json.loads(ours.body)["variables"] == {"q": "graph neural", "from": "2010-01-01"}
    assert "\n" not in json.loads(ours.body)["query"]
    assert Q4.request("raw", search).path == "/q4?q=graph%20neural&from=2010-01-01"
    assert Q5.request("ours", 1).path == "/v1/authors/QXV0aG9yOjE"
    assert "postgraphile" not in Q5.requests


def test_inputs_survive_their_json_form() -> None:
    drawn: dict[str, list[Any]] = {"q1": [1, 2], "q2": [(1, 2, 3)], "q4": [Search("graph", "2001-01-01")]}
    assert inputs.from_json(json.loads(json.dumps(inputs.to_json(drawn)))) == drawn
    assert inputs.digest(drawn) == inputs.digest(copy.deepcopy(drawn))


# --- wrk -----------------------------------------------------------------------------------------------

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:18703
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.16ms    3.47ms  61.14ms   93.77%
  30012 requests in 15.01s, 381.16MB read
Requests/sec:   1999.45
SERVEBENCH {"requests":30012,"duration_us":15010000,"bytes":399671234,"window_requests":19990,"window_failed":1,\
"errors":{"connect":0,"read":0,"write":0,"status":2,"timeout":1},"latency_us":{"mean":9160.5,"max":61140,"p50":8327,\
"p90":12109,"p99":20052}}
"""


def test_the_wrk_figures_are_read_from_the_scripts_line() -> None:
    figures = load.parse_output(WRK_OUTPUT)
    assert figures.requests == 30012
    assert figures.seconds == pytest.approx(15.01)
    assert figures.window_requests == 19990
    assert figures.latency_ms["p99"] == pytest.approx(20.052)
    assert figures.error_count == 4
    assert load.Run(figures, 10.0, 0.5).requests_per_second == pytest.approx(1999.0)


def test_wrk_output_without_figures_is_an_error() -> None:
    with pytest.raises(load.LoadError, match="no figures"):
        load.parse_output("unable to connect to 127.0.0.1:18703 Connection refused\n")


def test_a_request_file_line_holds_method_path_and_body(tmp_path: Path) -> None:
    requests = [queries.Request("GET", "/q1?id=3"), queries.graphql("query { a }", {"x": "tab\there"})]
    path = tmp_path / "requests.txt"
    load.write_requests(path, requests)
    lines = path.read_text().splitlines()
    assert lines[0] == "GET\t/q1?id=3\t"
    method, target, body = lines[1].split("\t")
    assert (method, target, json.loads(body)["variables"]) == ("POST", "/graphql", {"x": "tab\there"})
    with pytest.raises(ValueError, match="tab or a newline"):
        load.request_line(queries.Request("GET", "/a\tb"))


# --- counting statements on the wire -------------------------------------------------------------------


def _message(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("!i", len(payload) + 4) + payload


def _startup() -> bytes:
    body = struct.pack("!i", 196608) + b"user\0postgres\0database\0db\0\0"
    return struct.pack("!i", len(body) + 4) + body


def test_the_proxy_refuses_encryption_and_passes_the_startup_on() -> None:
    tally: Counter[str] = Counter()
    parser = wire.FrontendParser(tally)
    forward, answer = parser.feed(struct.pack("!ii", 8, wire.SSL_REQUEST))
    assert (forward, answer) == (b"", b"N")
    startup = _startup()
    assert parser.feed(startup[:5]) == (b"", b"")
    assert parser.feed(startup[5:]) == (startup, b"")


def test_statements_are_counted_by_kind_however_the_bytes_arrive() -> None:
    tally: Counter[str] = Counter()
    parser = wire.FrontendParser(tally)
    stream = _startup()
    stream += _message(b"P", b"s1\0SELECT * FROM papers WHERE id = $1\0\0\0")
    stream += _message(b"B", b"\0s1\0\0\0\0\0\0\0")
    stream += _message(b"E", b"\0\0\0\0\0")
    stream += _message(b"S", b"")
    stream += _message(b"B", b"\0s1\0\0\0\0\0\0\0")
    stream += _message(b"E", b"\0\0\0\0\0")
    stream += _message(b"Q", b"SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;\0")
    stream += _message(b"Q", b"BEGIN\0")
    stream += _message(b"P", b"\0select set_config('role', $1, true)\0\0\0")
    stream += _message(b"B", b"p\0\0\0\0\0\0\0\0")
    stream += _message(b"E", b"p\0\0\0\0\0")
    forwarded = b""
    for at in range(0, len(stream), 7):  # in small pieces, cut anywhere
        forward, answer = parser.feed(stream[at : at + 7])
        forwarded += forward
        assert answer == b""
    assert forwarded == stream
    assert tally == Counter({"query": 2, "reset": 4, "transaction": 1, "session": 1})


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("WITH x AS (SELECT 1) SELECT * FROM x", "query"),
        ("commit", "transaction"),
        ("SET statement_timeout = 0", "session"),
        ("  reset all", "reset"),
        ("(SELECT 1)", "query"),
    ],
)
def test_kinds_of_statements(statement: str, kind: str) -> None:
    assert wire.kind_of(statement) == kind


# --- /proc ---------------------------------------------------------------------------------------------


def test_cpu_time_is_read_past_a_command_name_holding_spaces_and_parentheses() -> None:
    fields = ["S", *["0"] * 10, str(3 * procstat.TICKS), str(procstat.TICKS), *["0"] * 30]
    stat = "1234 (node (v22) x) " + " ".join(fields)
    assert procstat.parse_stat_cpu(stat) == pytest.approx(4.0)
    assert procstat.parse_status_kb("Name:\tnode\nVmHWM:\t  123456 kB\n", "VmHWM") == 123456


# --- the report ----------------------------------------------------------------------------------------


def _run(papers: int = 300_000, date: str = "2026-12-06 20:00 UTC", full: bool = True) -> dict[str, Any]:
    def timed(system: str, query: str, rps: float) -> dict[str, Any]:
        return {
            "system": system,
            "query": query,
            "status": "ok",
            "rps": rps,
            "p50_ms": 10.0,
            "p99_ms": 30.0,
            "server_cpu_ms": 1000 / rps,
            "postgres_cpu_ms": 0.5,
            "peak_rss_mb": 100.0,
            "statements": {"per_request": 5.0, "data_per_request": 1.0},
            "runs": [{"load_before": [0.4, 0.5, 0.6], "other_cpu_share": 0.01, "lead_s": 5.0}],
        }

    titles = {"q1": "Q1 profile", "q5": "Q5 REST author"}
    return {
        "full": full,
        "date": date,
        "commit": "abc1234",
        "command": f".venv/bin/python bench/serve_benchmark.py --papers {papers}",
        "machine": {
            "nproc": 2,
            "cpu": "Xeon",
            "ram_gb": 24.0,
            "os": "Debian 12",
            "kernel": "6.1",
            "postgresql": "15.20",
            "python": "3.11.7",
            "node": "22.23.5",
            "postgraphile": "5.1.5",
            "wrk": "wrk 4.1.0",
            "summary": "2 cores",
        },
        "postgresql_settings": {"shared_buffers": "128MB", "work_mem": "4MB", "jit": "on"},
        "data": {
            "papers": papers,
            "seed": 42,
            "dump": "d.jsonl.gz",
            "database": "sg",
            "database_mb": 3000.0,
            "rows": {"papers": papers},
        },
        "settings": {"threads": 2, "connections": 16, "inputs": 200, "warmup": 5, "runs": 2, "duration": 15},
        "systems": ["ours", "postgraphile", "raw"],
        "queries": [
            {
                "key": "q1",
                "title": titles["q1"],
                "description": "a profile",
                "systems": ["ours", "postgraphile", "raw"],
            },
            {"key": "q5", "title": titles["q5"], "description": "REST", "systems": ["ours", "raw"]},
        ],
        "check_summary": ["Q1 profile: 20 inputs, PostGraphile 5 ok, raw SQL app ok"],
        "results": [
            timed("ours", "q1", 100.0),
            timed("postgraphile", "q1", 1000.0),
            {**timed("raw", "q1", 2000.0), "status": "answer differs from Scholar Graph's on input #3"},
            timed("ours", "q5", 1200.0),
            timed("raw", "q5", 3000.0),
        ],
    }


def test_the_report_shows_every_figure_and_the_ratios(tmp_path: Path) -> None:
    text = report.render([_run()], ["benchmarks-serve-300000.svg"], "")
    assert "| Q1 profile | Scholar Graph | 100 | 10.0 | 30.0 | 10.0 | 0.50 | 1.0 + 4.0 reset | 100 |" in text
    assert "| Q1 profile | raw SQL app | not timed: answer differs from Scholar Graph's on input #3 |" in text
    assert "| Q1 profile | 0.10\u00d7 | \u2013 | 10.5, 1.50, \u2013 |" in text
    assert "| Q5 REST author | \u2013 | 0.40\u00d7 |" in text
    assert ".venv/bin/python bench/serve_benchmark.py --papers 300000" in text
    assert "2 cores (Xeon), 24.0 GB RAM" in text


def test_the_chart_is_an_svg_with_a_bar_per_timed_result() -> None:
    svg = ET.fromstring(report.chart_svg(_run()))  # noqa: S314 (our own output)
    bars = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.get("height") == "14"]
    assert len(bars) == 4  # raw's Q1 was not timed, PostGraphile has no Q5
    labels = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "no REST API" in labels
    assert "not timed" in labels


def test_the_report_takes_the_newest_full_run_of_each_size_and_keeps_the_notes(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    runs = {
        "serve-300000-a.json": _run(date="2026-12-06 20:00 UTC"),
        "serve-300000-b.json": _run(date="2026-12-07 09:00 UTC"),
        "serve-300000-c.json": _run(date="2026-12-08 09:00 UTC", full=False),
        "serve-1000000-a.json": _run(papers=1_000_000),
    }
    for name, run in runs.items():
        (results / name).write_text(json.dumps(run))
    document = tmp_path / "benchmarks.md"
    document.write_text(f"old\n{report.NOTES_START}\nFound by hand.\n{report.NOTES_END}\nold\n")
    written = report.write(results, document)
    text = document.read_text()
    assert [p.name for p in written] == ["benchmarks.md", "benchmarks-serve-300000.svg", "benchmarks-serve-1000000.svg"]
    assert "Found by hand." in text
    assert "Run on 2026-12-07 09:00 UTC" in text
    assert "2026-12-08" not in text
    assert text.index("## 300,000 papers") < text.index("## 1,000,000 papers")
