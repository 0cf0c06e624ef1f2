"""What the reading side of an OpenAlex import costs per work, on one core, with and without the typed path.

    .venv/bin/python bench/reading_cost.py FILE [--limit N] [--rounds R]

Over the first N works (default 100,000) of an OpenAlex works file (e.g. one bench/import_benchmark.py
cached in bench/cache/), the CPU time (`time.process_time`) per work of:

- `gunzip_orjson`: decompressing and splitting into lines, and orjson decoding each line whole;
- `records_full`: the importer's reading (`Reading.records()`: inputs, the format's reader, the store's
  limits, the reject file) with every line decoded by orjson and read by `read_openalex`;
- `records_typed`: the same, with the typed path for works (api/ingest/openalex_typed.py) first, as an
  import does;
- `batches_full`, `batches_typed`: the same, each cut into the import's batches (`cut_into_batches`:
  the rows the writer copies and the fields its decisions read), which is what the reading process does.

Each is the best of R rounds (default 2), run in this one process: run it alone on the machine. Prints JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import gzip
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.ingest.bulk import Cutter, cut_into_batches  # noqa: E402
from api.ingest.reading_process import Reading, ReadJob  # noqa: E402
from api.ingest.rejects import ErrorPolicy  # noqa: E402
from bench.import_benchmark import shown_command  # noqa: E402

BATCH_SIZE = 5000  # the importer's default batch (api/ingest/run.py)


def _gunzip_orjson(path: str, limit: int) -> int:
    count = 0
    with gzip.open(path, "rb") as lines:
        for line in itertools.islice(lines, limit):
            orjson.loads(line)
            count += 1
    return count


def _reading(path: str, limit: int, *, typed: bool, batches: bool) -> int:
    with tempfile.TemporaryDirectory() as folder:
        job = ReadJob("openalex", (path,), ErrorPolicy.SKIP, f"{folder}/rejects.jsonl", dt.date.today(), BATCH_SIZE)
        with Reading(job) as reading:
            if not typed:
                reading.reader.typed = None  # every line decoded by orjson and read by `read_openalex`
            records = itertools.islice(reading.records(), limit)
            if not batches:
                return sum(1 for _ in records)
            return sum(batch.size for batch in cut_into_batches(records, Cutter(BATCH_SIZE, reading.reject)))


def _best(step: Callable[[], int], rounds: int) -> tuple[float, int]:
    """The least CPU time per work over `rounds` runs, in microseconds, and the works counted."""
    best = float("inf")
    count = 0
    for _ in range(rounds):
        gc.collect()
        started = time.process_time()
        count = step()
        best = min(best, time.process_time() - started)
    return best / count * 1e6, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--limit", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    path, limit = args.file, args.limit
    steps: dict[str, Callable[[], int]] = {
        "gunzip_orjson": lambda: _gunzip_orjson(path, limit),
        "records_full": lambda: _reading(path, limit, typed=False, batches=False),
        "records_typed": lambda: _reading(path, limit, typed=True, batches=False),
        "batches_full": lambda: _reading(path, limit, typed=False, batches=True),
        "batches_typed": lambda: _reading(path, limit, typed=True, batches=True),
    }
    result: dict[str, Any] = {"command": shown_command(["bench/reading_cost.py", *sys.argv[1:]])}
    for name, step in steps.items():
        micros, count = _best(step, args.rounds)
        result[f"{name}_us_per_work"] = round(micros, 1)
        result["works"] = count
        print(f"{name}: {micros:.1f} us a work", file=sys.stderr, flush=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
