"""A light timing of Q4 (search) in the data layer: the page and the total of `papers(search:, filter:
{publishedFrom:}, first: 20)` as the service reads them (`list_papers`, `count_papers`), one request after
the other on one connection, for the serving benchmark's Q4 inputs (the same draw: `--seed`).

    .venv/bin/python bench/search_timing.py postgresql://postgres@127.0.0.1:5432/sg_bench_serve_300000

No HTTP, no GraphQL, no concurrency: milliseconds per request of PostgreSQL work plus one round trip per
statement, and the PostgreSQL CPU (as this client waits for it). Runs the code of the checkout it is in,
so running it from two checkouts on the same database compares them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.db import papers
from api.db.keyset import Window
from api.db.listing import ALL
from api.db.pool import Database
from bench.servebench import inputs


async def _main(url: str, count: int, seed: int, warmup: int) -> None:
    drawn = (await inputs.draw_inputs(url, count, seed))["q4"]
    db = await Database.connect(url, min_size=1, max_size=1, statement_timeout_ms=600_000)
    try:
        times: list[float] = []
        page_times: list[float] = []
        totals: list[int] = []
        for n, search in enumerate([*drawn[:warmup], *drawn]):
            paper_filter = papers.PaperFilter(
                search=search.word, published_from=dt.date.fromisoformat(search.published_from)
            )
            started = time.perf_counter()
            page = await papers.list_papers(
                db, papers.PaperScope.ALL, [ALL], paper_filter, papers.PaperOrder.RELEVANCE, Window(first=20)
            )
            paged = time.perf_counter()
            total = await papers.count_papers(db, papers.PaperScope.ALL, [ALL], paper_filter)
            elapsed = time.perf_counter() - started
            assert len(page[ALL].items) <= 20
            if n >= warmup:
                times.append(elapsed * 1000)
                page_times.append((paged - started) * 1000)
                totals.append(total[ALL])
    finally:
        await db.close()
    times.sort()
    print(
        f"{len(times)} searches: mean {statistics.mean(times):.1f} ms, p50 {times[len(times) // 2]:.1f} ms,"
        f" p99 {times[min(len(times) - 1, int(len(times) * 0.99))]:.1f} ms, max {times[-1]:.1f} ms"
        f" (the page alone: mean {statistics.mean(page_times):.1f} ms, max {max(page_times):.1f} ms);"
        f" matches per search: mean {statistics.mean(totals):,.0f}, max {max(totals):,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the database (a serving benchmark's, or a copy)")
    parser.add_argument("--inputs", type=int, default=200, help="searches timed (default 200)")
    parser.add_argument("--seed", type=int, default=42, help="the benchmark's input seed (default 42)")
    parser.add_argument("--warmup", type=int, default=20, help="searches run first, not timed (default 20)")
    args = parser.parse_args()
    asyncio.run(_main(args.url, args.inputs, args.seed, args.warmup))


if __name__ == "__main__":
    main()
