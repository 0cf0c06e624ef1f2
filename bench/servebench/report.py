"""docs/benchmarks.md and its chart, written from the results files of full runs (bench/results/*.json).

The newest result of each data size gets a section: the command, the machine, a table per query and
system (req/s, latency, CPU per request of the server and of PostgreSQL, SQL statements per request,
peak memory), the ratios of Scholar Graph to PostGraphile and to the raw app, how the answers were
checked, and a chart (an SVG drawn here, no plotting library). Text between `<!-- notes -->` and
`<!-- /notes -->` in the existing document is kept: findings written by hand survive a new run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from servebench.queries import SYSTEM_NAMES

NOTES_START = "<!-- notes -->"
NOTES_END = "<!-- /notes -->"
DASH = "\u2013"  # an en dash: no figure
TIMES = "\u00d7"
COLOURS = {"ours": "#2b6cb0", "postgraphile": "#dd6b20", "raw": "#718096", "ours-2w": "#63b3ed"}


def number(value: float | None, digits: int | None = None) -> str:
    """A figure as the tables show it: thousands separated, fewer decimals the larger it is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if digits is None:
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2 if abs(value) >= 0.1 else 3
    return f"{value:,.{digits}f}"


def ratio(ours: float | None, other: float | None) -> str:
    if not ours or not other:
        return DASH
    return f"{ours / other:.2f}{TIMES}"


def _result(results: Sequence[dict[str, Any]], system: str, query: str) -> dict[str, Any] | None:
    return next((r for r in results if r["system"] == system and r["query"] == query), None)


def _timed(entry: dict[str, Any] | None) -> bool:
    return entry is not None and entry.get("status") == "ok"


def table(run: dict[str, Any]) -> list[str]:
    lines = [
        "| query | system | req/s | p50 ms | p99 ms | server CPU ms/req | PostgreSQL CPU ms/req | SQL statements/req "
        "| peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for query in run["queries"]:
        for system in run["systems"]:
            entry = _result(run["results"], system, query["key"])
            if entry is None:
                continue
            statements = entry.get("statements") or {}
            per_request = statements.get("per_request")
            shown_statements = DASH if per_request is None else number(per_request, 1)
            data = statements.get("data_per_request")
            if per_request is not None and data is not None and data != per_request:
                shown_statements = f"{number(data, 1)} + {number(per_request - data, 1)} reset"
            if _timed(entry):
                cells = [
                    number(entry["rps"]),
                    number(entry["p50_ms"]),
                    number(entry["p99_ms"]),
                    number(entry["server_cpu_ms"]),
                    number(entry["postgres_cpu_ms"]),
                    shown_statements,
                    number(entry["peak_rss_mb"], 0),
                ]
            else:
                status = " ".join(str(entry.get("status", "?")).split()).replace("|", "/")
                cells = [f"not timed: {status}", "", "", "", "", shown_statements, ""]
            lines.append(f"| {query['title']} | {SYSTEM_NAMES[system]} | " + " | ".join(cells) + " |")
    return lines


def ratios(run: dict[str, Any]) -> list[str]:
    lines = [
        "| query | req/s ours / PostGraphile | req/s ours / raw | CPU ms/req (server + PostgreSQL): ours, "
        "PostGraphile, raw |",
        "|---|---:|---:|---|",
    ]
    for query in run["queries"]:
        found = {s: _result(run["results"], s, query["key"]) for s in ("ours", "postgraphile", "raw")}
        rps = {s: (e["rps"] if _timed(e) else None) for s, e in found.items()}
        cpu = [
            number(e["server_cpu_ms"] + e["postgres_cpu_ms"]) if e is not None and _timed(e) else DASH
            for e in found.values()
        ]
        lines.append(
            f"| {query['title']} | {ratio(rps['ours'], rps['postgraphile'])} | {ratio(rps['ours'], rps['raw'])} "
            f"| {', '.join(cpu)} |"
        )
    return lines


def chart_svg(run: dict[str, Any]) -> str:
    """Requests per second by query and system, horizontal bars on a log scale."""
    systems = list(run["systems"])
    queries = run["queries"]
    bar, gap, left, right, top = 16, 14, 150, 70, 58
    width = 820
    plot = width - left - right
    group = bar * len(systems) + gap
    height = top + group * len(queries) + 40
    values = [e["rps"] for e in run["results"] if _timed(e) and e["rps"] > 0]
    low = 10 ** math.floor(math.log10(min(values))) if values else 1
    high = 10 ** math.ceil(math.log10(max(values))) if values else 10
    if high <= low:
        high = low * 10

    def x(value: float) -> float:
        return left + plot * (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))

    papers = run["data"]["papers"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="20" font-size="14" font-weight="bold">Requests per second, {papers:,} generated '
        f"papers ({escape(run['machine']['summary'])}; log scale)</text>",
    ]
    for i, system in enumerate(systems):
        out.append(f'<rect x="{left + i * 170}" y="32" width="12" height="12" fill="{COLOURS[system]}"/>')
        out.append(f'<text x="{left + i * 170 + 16}" y="42">{escape(SYSTEM_NAMES[system])}</text>')
    decade = low
    while decade <= high:
        position = x(decade)
        out.append(f'<line x1="{position:.1f}" y1="{top - 6}" x2="{position:.1f}" y2="{height - 30}" stroke="#ddd"/>')
        out.append(f'<text x="{position:.1f}" y="{height - 16}" text-anchor="middle">{decade:,g}</text>')
        decade *= 10
    for q, query in enumerate(queries):
        y0 = top + q * group
        out.append(
            f'<text x="{left - 8}" y="{y0 + bar * len(systems) / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(query['title'])}</text>"
        )
        for s, system in enumerate(systems):
            entry = _result(run["results"], system, query["key"])
            y = y0 + s * bar
            if not _timed(entry) or entry is None or entry["rps"] <= 0:
                label = "no REST API" if system not in query["systems"] else "not run" if entry is None else "not timed"
                out.append(f'<text x="{left + 4}" y="{y + bar - 4}" fill="#999">{label}</text>')
                continue
            end = x(entry["rps"])
            out.append(
                f'<rect x="{left}" y="{y + 1}" width="{max(end - left, 1):.1f}" height="{bar - 2}" '
                f'fill="{COLOURS[system]}"/>'
            )
            out.append(f'<text x="{end + 4:.1f}" y="{y + bar - 4}">{number(entry["rps"])}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def section(run: dict[str, Any], chart_name: str) -> list[str]:
    machine = run["machine"]
    settings = run["settings"]
    data = run["data"]
    loads = [load for r in run["results"] for one in r.get("runs", []) for load in [one["load_before"][0]]]
    others = [one.get("other_cpu_share") for r in run["results"] for one in r.get("runs", [])]
    others = [o for o in others if o is not None]
    busy = [
        one["busy_before"]["busy_share"] for r in run["results"] for one in r.get("runs", []) if "busy_before" in one
    ]
    pg_settings = run["postgresql_settings"]
    load_range = f"{min(loads):.2f} to {max(loads):.2f}" if loads else DASH
    return [
        f"## {data['papers']:,} papers",
        "",
        f"Run on {run['date']} at commit `{run['commit']}`:",
        "",
        "```sh",
        run["command"],
        "```",
        "",
        f"- Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['ram_gb']:.1f} GB RAM, "
        f"{machine['os']}, Linux {machine['kernel']}; PostgreSQL {machine['postgresql']} "
        f"(shared_buffers {pg_settings.get('shared_buffers', '?')}, "
        f"work_mem {pg_settings.get('work_mem', '?')}, jit {pg_settings.get('jit', '?')}), "
        f"Python {machine['python']}, Node {machine['node']}, PostGraphile {machine['postgraphile']}, "
        f"{machine['wrk']}.",
        f"- Data: `{data['dump']}` ({data['papers']:,} works, seed {data['seed']}), imported by "
        f"`.venv/bin/scholargraph ingest openalex` into `{data['database']}` ({number(data['database_mb'], 0)} MB: "
        + ", ".join(f"{n:,} {table}" for table, n in data["rows"].items())
        + "), plus the benchmark's reported figures.",
        f"- Load: wrk -t{settings['threads']} -c{settings['connections']} from a second process on loopback, "
        f"{settings['inputs']} inputs per query replayed in a loop. Per system and query: a fresh start, then "
        f"{settings['runs']} run{'s' if settings['runs'] != 1 else ''}, each a lead of at least "
        f"{settings['warmup']:g} s (longer for a slow query: "
        + ", ".join(f"{lead:g} s" for lead in sorted({o["lead_s"] for r in run["results"] for o in r.get("runs", [])}))
        + f") and a window of {settings['duration']:g} s in which answers are counted and CPU time read.",
        f"- Before each run: the machine busy {number(100 * max(busy), 1) if busy else DASH}% at most over the "
        f"second before (the benchmark waits for it to be idle); load average (1 min) {load_range} (it decays "
        "slowly after the benchmark's own previous run). During the windows, "
        "processes other than the server, its backends and wrk used "
        f"{number(100 * max(others), 1) if others else DASH}% of the machine at most.",
        "",
        f"![Requests per second by query and system]({chart_name})",
        "",
        *table(run),
        "",
        "Ratios (above 1: Scholar Graph ahead):",
        "",
        *ratios(run),
        "",
        "Answers checked before timing (ok: the same answers as Scholar Graph on every input checked): "
        + "; ".join(run["check_summary"])
        + ".",
        "",
    ]


HEADER = """# Serving benchmark

How fast Scholar Graph serves the queries of its users, side by side with PostGraphile 5 (the fastest
GraphQL-over-PostgreSQL engine) on the same database, and with a raw SQL app that answers each request
with one hand-written statement (the ceiling). Regenerated by `bench/serve_benchmark.py` from its results
(`bench/results/`); rerun it with the command of each section (setting up is not timed and happens once:
generating and importing the data, `npm ci` in bench/postgraphile, `apt-get install wrk` when missing).

What each figure is:

- **req/s**: answers received within the runs' windows over the windows' seconds, all HTTP 200 (a run
  with an error of any kind is reported as failed). Each run of wrk first fills the pipeline (a lead in
  which every connection gets answers), then a window opens: steady state, also for a query that takes
  seconds. **p50/p99**: wrk's latency percentiles over the runs, lead included (16 connections kept busy:
  the latency includes the wait behind the other 15).
- **CPU ms/req**: CPU time (user + system, /proc) of the server process, and summed over the PostgreSQL
  backends serving it, read at the window's edges, over the answers within it. The machine's cores are
  shared by server, PostgreSQL and wrk. Parallel query is off on the benchmark's database
  (`max_parallel_workers_per_gather = 0`): parallel workers are processes of their own whose CPU time the
  count of backends would miss, and 16 concurrent requests leave no idle core for them.
- **SQL statements/req**: counted on the wire during the correctness check (the server's
  `shared_preload_libraries` has no pg_stat_statements, so a protocol proxy counts each Execute and each
  statement of a simple Query; see bench/servebench/wire.py); "+ N reset" are the statements asyncpg's
  pool sends when a connection is given back (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
  RESET ALL`, one round trip).
- **peak RSS**: the server process's high-water mark of resident memory (VmHWM) at the end of its runs.

The queries (the exact operations are in `bench/servebench/queries.py`, the raw app's statements in
`bench/servebench/raw_app.py`, PostGraphile's set-up in `bench/postgraphile/`):

{queries}

Every system answers the same thing: before timing, each system's answers to the first inputs of each
query, and to chosen cases a random sample may miss (authors with reported figures, without coauthors,
an uncited paper, searches finding nothing: `bench/servebench/inputs.py`), are compared after bringing
them to one shape (row numbers for ids): ids, order and values. A system that differs from Scholar Graph
on any input is not timed on that query. The benchmark adds reported figures to 1 author in 10 (the
generated works carry none), so that the figures shown (reported, what they lack filled in from the
computed set) are exercised too. PostGraphile answers from
the tables (bylines in `list_order`, computed figures, citing counts) and, where they cannot give the same
answer, from these SQL functions in a schema of their own, `sg_postgraphile`
(`bench/postgraphile/functions.sql`):

{functions}

Two differences remain that no input of the benchmark reaches: `sgPostgraphileAuthorsByIds` leaves out an
id naming no author where Scholar Graph answers null in its place (the benchmark asks only for stored
authors), and `authorComputedMetricByAuthorId` is null for an author whose figures were never computed
where Scholar Graph shows zeros (every author of the generated data has them).

PostGraphile runs with the Amber preset, NODE_ENV=production, no GraphiQL, schema watching or explain;
Scholar Graph and the raw app with uvicorn as the project installs it (asyncio's event loop and h11: no
uvloop, no httptools), log level warning; all three with a pool of at most 10 connections.

"""

FUNCTIONS = [
    ("authors_metrics(author)", "`Author.metrics`: the figures shown (the newest reported set, what it lacks "
     "from the computed set)"),
    ("authors_newest_papers(author)", "`Author.newestPapers`: an author's papers, newest first, undated last, "
     "ties by id"),
    ("authors_top_coauthors(author)", "`Author.topCoauthors`: coauthors by shared papers, then folded name, then id"),
    ("papers_newest_citing(paper)", "`Paper.newestCiting`: the citing papers, newest first"),
    ("search_papers(query, published_from)", "`sgPostgraphileSearchPapers`: full-text search as Scholar Graph's "
     "(web-search syntax on the folded text, ranked by ts_rank_cd, ties by id)"),
    ("authors_by_ids(ids)", "`sgPostgraphileAuthorsByIds`: authors in the order asked"),
]  # fmt: skip


def render(runs: Sequence[dict[str, Any]], chart_names: Sequence[str], notes: str) -> str:
    newest = runs[-1] if runs else None
    queries = "\n".join(
        f"- **{q['title']}**: {q['description']}."
        + ("" if "postgraphile" in q["systems"] else " (REST: not PostGraphile)")
        for q in (newest["queries"] if newest else [])
    )
    functions = "\n".join(f"- `{name}`: {what}." for name, what in FUNCTIONS)
    text = HEADER.format(queries=queries, functions=functions)
    text += f"{NOTES_START}\n{notes.strip()}\n{NOTES_END}\n\n" if notes.strip() else f"{NOTES_START}\n{NOTES_END}\n\n"
    for run, chart in zip(runs, chart_names, strict=True):
        text += "\n".join(section(run, chart)) + "\n"
    return text


def kept_notes(document: Path) -> str:
    if not document.exists():
        return ""
    text = document.read_text(encoding="utf-8")
    start, end = text.find(NOTES_START), text.find(NOTES_END)
    if start < 0 or end < start:
        return ""
    return text[start + len(NOTES_START) : end]


def newest_full_runs(results_dir: Path) -> list[dict[str, Any]]:
    """The newest full run of each data size, smallest size first."""
    newest: dict[int, dict[str, Any]] = {}
    for path in sorted(results_dir.glob("serve-*.json")):
        run = json.loads(path.read_text())
        if not run.get("full"):
            continue
        size = run["data"]["papers"]
        if size not in newest or run["date"] >= newest[size]["date"]:
            newest[size] = run
    return [newest[size] for size in sorted(newest)]


def write(results_dir: Path, document: Path) -> list[Path]:
    """Rewrite `document` and its charts from the results; the files written."""
    runs = newest_full_runs(results_dir)
    charts = [document.with_name(f"benchmarks-serve-{run['data']['papers']}.svg") for run in runs]
    for run, chart in zip(runs, charts, strict=True):
        chart.write_text(chart_svg(run), encoding="utf-8")
    document.write_text(render(runs, [c.name for c in charts], kept_notes(document)), encoding="utf-8")
    return [document, *charts]
