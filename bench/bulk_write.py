"""Time the bulk writer on synthetic works: papers per second and peak memory.

    .venv/bin/python bench/bulk_write.py --papers 100000 [--server-url postgresql://postgres@127.0.0.1/postgres]

Builds N works in memory first (deterministic by --seed; DOI and arXiv ids, a title and an abstract of
about 150 words, 1 to 50 authors from a skewed pool where 60% carry an ORCID, about 15 references by DOI
to other works of the set, skewed towards a few highly cited ones, some to works outside it), then
times `write_records` alone into a fresh, migrated database made on the server (dropped afterwards
unless --keep). Prints papers/s, the time of the writes and of the final refresh, the Python process's
peak RSS and the database backend's peak RSS. A minimal generator: the benchmarks' realistic dumps
come from the project's generator.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.db import migrate
from api.db.pool import Database
from api.ids import orcid_check_digit
from api.ingest.bulk import ImportSummary, write_records
from api.ingest.model import AuthorId, Byline, PaperId, Reference, Work


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    "learning neural network graph model data deep optimal transport robust inference bayesian kernel "
    "stochastic gradient convex sparse attention language vision representation generative adversarial "
    "reinforcement policy causal estimation quantum lattice spectral manifold embedding contrastive "
    "diffusion variational markov chain monte carlo federated privacy fairness benchmark scaling laws "
    "transformer recurrent convolutional lipschitz certified adversarial examples calibration uncertainty"
)
FIRST = _words("Ada Alan Grace Louis Marie René José Zoë Chloé Wei Yuki Priya Omar Lars Élodie Björn")
LAST = _words("Lovelace Turing Hopper Béthune Curie Descartes García Müller Zhang Tanaka Patel Haddad")
CATEGORIES = _words("cs.LG cs.CV cs.CL cs.AI stat.ML math.OC cs.RO cs.NE")


def _orcid(number: int) -> str:
    digits = f"{number:015d}"
    full = digits + orcid_check_digit(digits)
    return "-".join(full[i : i + 4] for i in range(0, 16, 4))


def make_works(count: int, seed: int, *, abstracts: bool = True) -> list[Work]:
    rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by seed)
    people = max(count // 2, 10)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}-{rng.choice(LAST)}{n % 97}" for n in range(people)]
    orcids = [_orcid(1_000_000 + n) if rng.random() < 0.6 else None for n in range(people)]
    works = []
    for n in range(count):
        year = rng.randint(2008, 2025)
        month = rng.randint(1, 12)
        arxiv = f"{year % 100:02d}{month:02d}.{n % 100_000:05d}"
        size = min(50, int(rng.paretovariate(1.6)) + rng.randint(0, 3))
        chosen = {int(people * rng.random() ** 2) if rng.random() < 0.3 else rng.randrange(people)
                  for _ in range(max(size, 1))}  # fmt: skip
        authors = tuple(
            Byline(name=names[p], position=k,
                   ids=(AuthorId("orcid", orcid),) if (orcid := orcids[p]) else ())
            for k, p in enumerate(sorted(chosen), start=1)
        )  # fmt: skip
        references = tuple(
            Reference(ids=(PaperId("doi", f"10.5555/sg.{target}"),))
            for target in {
                int(count * 1.1 * rng.random() ** 2) if rng.random() < 0.5 else rng.randrange(count * 11 // 10)
                for _ in range(15)
            }
            if target != n
        )
        works.append(
            Work(
                source="bench",
                ids=(PaperId("doi", f"10.5555/sg.{n}"), PaperId("arxiv", arxiv)),
                title=" ".join(rng.choice(WORDS) for _ in range(9)).capitalize() + f" {n}",
                abstract=" ".join(rng.choice(WORDS) for _ in range(150)) if abstracts else None,
                primary_category=(primary := rng.choice(CATEGORIES)),
                categories=(primary, rng.choice(CATEGORIES)),
                published_on=dt.date(year, month, rng.randint(1, 28)),
                published_precision="day",
                authors=authors,
                references=references,
            )
        )
    return works


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def run(args: argparse.Namespace) -> dict[str, object]:
    built = time.perf_counter()
    works = make_works(args.papers, args.seed, abstracts=not args.no_abstracts)
    built = time.perf_counter() - built
    baseline = _rss_mib(os.getpid())
    name = f"sg_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = _with_database(args.server_url, name)
        await asyncio.to_thread(migrate.upgrade, url)
        db = await Database.connect(url, min_size=1, max_size=1)
        backend_pids = [row["pid"] for row in await db.fetch("SELECT pg_backend_pid() AS pid")]
        peak_backend = 0.0
        batches: list[float] = []

        def progress(summary: ImportSummary) -> None:
            nonlocal peak_backend
            batches.append(time.perf_counter())
            peak_backend = max(peak_backend, sum(_rss_mib(pid) for pid in backend_pids))

        started = time.perf_counter()
        summary = await write_records(db, works, batch_size=args.batch_size, on_progress=progress)
        total = time.perf_counter() - started
        written = (batches[-1] - started) if batches else total
        counts = {
            table: await db.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("papers", "authors", "authorships", "citations", "pending_references")
        }
        await db.close()
    finally:
        if not args.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return {
        "papers": args.papers,
        "batch_size": args.batch_size,
        "abstracts": not args.no_abstracts,
        "build_seconds": round(built, 1),
        "import_seconds": round(total, 2),
        "papers_per_second": round(args.papers / total),
        "batches_seconds": round(written, 2),
        "refresh_seconds": round(total - written, 2),
        "python_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "python_rss_before_import_mib": round(baseline),
        "backend_peak_rss_mib": round(peak_backend),
        "rows": counts,
        "summary": summary.as_dict(),
        "database": name if args.keep else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--server-url",
        default=os.environ.get("SCHOLARGRAPH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server to make the scratch database on (default: $SCHOLARGRAPH_TEST_DATABASE_URL)",
    )
    parser.add_argument("--no-abstracts", action="store_true", help="works without abstracts (no full-text work)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
