"""What reading a dump costs in Python before any database work: the importer's ceiling on one core.

    .venv/bin/python bench/parse_cost.py FILE [--limit N]

Times, per work of an OpenAlex works file (plain or gzip; e.g. one bench/import_benchmark.py cached in
bench/cache/), each step the importer's reading thread runs: decompressing and splitting lines, decoding
JSON (orjson), the OpenAlex reader into normalised records (api/ingest/openalex.py), fitting them to the
store (api/ingest/limits.py), the record checks and the flattening into staging rows (api/ingest/bulk.py).
Each step runs over a batch of lines (5,000, as the importer's) before the next, so that the figures do not
mix; the sum is the reading thread's time per work, and 1e6 / sum the papers per second one core can read,
whatever the database does. Prints JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.ingest import openalex  # noqa: E402
from api.ingest.bulk import BATCH_SIZE, _Batch, check_record  # noqa: E402
from api.ingest.limits import fit_record  # noqa: E402
from api.ingest.model import Record, Skipped  # noqa: E402
from bench.import_benchmark import shown_command, shown_path  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--limit", type=int, default=20_000, help="works to read (default 20,000)")
    args = parser.parse_args(argv)

    steps = dict.fromkeys(
        ("decompress_and_split", "json_decode", "openalex_reader", "fit_to_store", "record_checks", "staging_rows"),
        0.0,
    )
    with args.file.open("rb") as raw:
        head = raw.read(2)
    opener: Any = gzip.open if head == b"\x1f\x8b" else open
    works = 0
    size = 0
    with opener(args.file, "rb") as stream:
        while works < args.limit:
            # one batch at a time, as the importer holds it: memory (and the garbage collector's work)
            # stays that of a batch
            started = time.perf_counter()
            lines: list[bytes] = []
            for line in stream:
                if line.strip():
                    lines.append(line)
                    if len(lines) >= min(BATCH_SIZE, args.limit - works):
                        break
            steps["decompress_and_split"] += time.perf_counter() - started
            if not lines:
                break
            works += len(lines)
            size += sum(len(line) for line in lines)

            started = time.perf_counter()
            values = [orjson.loads(line) for line in lines]
            steps["json_decode"] += time.perf_counter() - started

            started = time.perf_counter()
            read = [found for value in values for found in openalex.read_openalex(value)]
            steps["openalex_reader"] += time.perf_counter() - started

            started = time.perf_counter()  # as the import does (api/ingest/run.py), what it leaves out dropped
            fitted = (fit_record(found)[0] for found in read if not isinstance(found, Skipped))
            records: list[Record] = [record for record in fitted if record is not None]
            steps["fit_to_store"] += time.perf_counter() - started

            started = time.perf_counter()
            for record in records:
                check_record(record)
            steps["record_checks"] += time.perf_counter() - started

            started = time.perf_counter()
            batch = _Batch()
            for record in records:
                batch.add(record)
            steps["staging_rows"] += time.perf_counter() - started
            del values, records, batch

    per_work = {name: round(seconds / works * 1e6, 1) for name, seconds in steps.items()}
    total = sum(steps.values()) / works * 1e6
    report = {
        "file": shown_path(args.file),
        "works": works,
        "bytes_per_work": round(size / works),
        "microseconds_per_work": per_work,
        "total_microseconds_per_work": round(total, 1),
        "ceiling_papers_per_second_one_core": round(1e6 / total),
        "command": shown_command([".venv/bin/python", "bench/parse_cost.py", *(argv or sys.argv[1:])]),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
