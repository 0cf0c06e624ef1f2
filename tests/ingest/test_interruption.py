"""An import killed at any moment and run again reaches the same database as an import never interrupted.

One generated OpenAlex dump (api.generate) is imported into database A without interruption, by the real
command in a subprocess (`python -m api ingest openalex FILE --batch-size 200`), while its connection is
watched in pg_stat_activity (it names itself `scholargraph:<pid>`): when its writing transaction begins
(the first time the backend holds a transaction id), and when that transaction is over (committed) while
the process still runs. Then, for each kill moment, the same command is started on a fresh database B,
SIGKILLed at that moment, run again to completion, and every table of B is compared with A.

The kill moments are placed on A's timeline: at 10%, 50% and 90% of the way from its first write to
its end, and as soon as its first writing transaction is over (committed) while the process still runs:
whatever the importer does after its main commit, such as building search vectors in chunks, is killed
there or at 90%, and the rerun must complete it. A moment the importer had already passed (it finished
first) is reported in the failure message; the 10% and 50% moments must be hit.

The comparison covers every table of the public schema, listed from the catalog (new tables are covered
without touching this test), every column except wall-clock timestamps (timestamp columns named `…_at`:
created_at, updated_at, computed_at, recorded_at), rows ordered by primary key; and the next value of
every sequence of the schema. A difference is reported with the rows only A or only B holds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from conftest import fresh_database
from database_state import database_state, differences

from api.generate import write_openalex_works

ROOT = Path(__file__).resolve().parents[2]
PAPERS = 2_000
SEED = 20
BATCH_SIZE = 200
POLL_SECONDS = 0.005
WRITING_FRACTIONS = (0.1, 0.5, 0.9)
MUST_HIT = (0.1, 0.5)  # an import that is over before these was not interrupted at all: the test would be void


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interruption") / "works.jsonl.gz"
    stats = write_openalex_works(path, PAPERS, seed=SEED)
    assert stats.works == PAPERS
    return path


# --- running the importer, watching it, killing it ----------------------------------------------------


@dataclass
class Run:
    """One importer process as it was watched: times in seconds from its start (None: not seen)."""

    began: float | None = None  # its writing transaction first seen
    committed: float | None = None  # that transaction first seen over, the process alive
    ended: float | None = None  # the process seen exited (or killed)
    killed_at: float | None = None  # when it was SIGKILLed; None if it exited first
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""

    @property
    def writing_seconds(self) -> float:
        """From the first write to the end of the process: the span kill moments are placed on."""
        assert self.began is not None, "the import's writing transaction was never seen"
        assert self.ended is not None
        return self.ended - self.began

    def describe(self) -> str:
        def at(value: float | None) -> str:
            return "-" if value is None else f"{value:.2f}s"

        return (
            f"began {at(self.began)}, committed {at(self.committed)}, ended {at(self.ended)}, killed "
            f"{at(self.killed_at)}, exit status {self.returncode}"
        )


KillWhen = Callable[[Run, float], bool]


async def run_importer(observer: asyncpg.Connection, dump: Path, url: str, kill_when: KillWhen | None = None) -> Run:
    """Run `scholargraph ingest openalex` on `url` in a subprocess, watching its connection; SIGKILL it the
    first time `kill_when(run, seconds since start)` holds."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCHOLARGRAPH_")}
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api", "ingest", "openalex", str(dump), "--database-url", url,
        "--batch-size", str(BATCH_SIZE), "--json",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    run = Run()
    name = f"scholargraph:{process.pid}"
    transaction = None
    try:
        while True:
            now = time.monotonic() - started
            if process.returncode is not None:
                run.ended = now
                break
            rows = await observer.fetch(
                "SELECT xact_start, backend_xid IS NOT NULL AS writing FROM pg_stat_activity "
                "WHERE application_name = $1",
                name,
            )
            if transaction is None:
                transaction = next((row["xact_start"] for row in rows if row["writing"]), None)
                if transaction is not None:
                    run.began = now
            elif run.committed is None and all(row["xact_start"] != transaction for row in rows):
                run.committed = now
            if kill_when is not None and kill_when(run, now):
                process.send_signal(signal.SIGKILL)
                run.killed_at = run.ended = now
                break
            await asyncio.sleep(POLL_SECONDS)
    finally:
        if process.returncode is None and run.killed_at is None:
            process.kill()
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        run.stdout, run.stderr = out.decode(), err.decode()
        run.returncode = process.returncode
    return run


# --- the test ----------------------------------------------------------------------------------------


async def test_an_import_killed_at_any_moment_then_run_again_ends_as_an_uninterrupted_one(
    server_url: str, template_database: str, dump: Path
) -> None:
    observer = await asyncpg.connect(server_url)
    try:
        async with fresh_database(server_url, template_database) as url_a:
            whole = await run_importer(observer, dump, url_a)
            assert whole.returncode == 0, whole.stderr
            report = json.loads(whole.stdout.strip().splitlines()[-1])
            assert report["read"] == PAPERS
            assert report["inserted"]["papers"] == PAPERS
            expected = await database_state(url_a)
            assert whole.began is not None, f"the import's writing transaction was never seen: {whole.describe()}"
            length = whole.writing_seconds
            began = whole.began

            moments: list[tuple[str, KillWhen]] = [
                (f"{fraction:.0%} of the way from the first write to the end",
                 lambda run, now, fraction=fraction: run.began is not None and now >= run.began + fraction * length)
                for fraction in WRITING_FRACTIONS
            ]  # fmt: skip
            moments.append(("as soon as the writing transaction is over", lambda run, now: run.committed is not None))

            outcomes: list[str] = []
            killed_runs: list[Run] = []
            failures: list[str] = []
            for label, kill_when in moments:
                async with fresh_database(server_url, template_database) as url_b:
                    killed = await run_importer(observer, dump, url_b, kill_when)
                    rerun = await run_importer(observer, dump, url_b)
                    outcome = f"{label}: killed run {killed.describe()}; rerun {rerun.describe()}"
                    outcomes.append(outcome)
                    killed_runs.append(killed)
                    assert rerun.returncode == 0, f"{outcome}\n{rerun.stderr}"
                    state = await database_state(url_b)
                    if state != expected:
                        failures.append(f"{outcome}\n{await differences(url_a, url_b, expected, state)}")
            timeline = f"uninterrupted: {whole.describe()} (writing for {length:.2f}s from {began:.2f}s)"
            print("\n".join([timeline, *outcomes]))  # shown with -s
            assert failures == [], "\n\n".join([timeline, *failures])
            for (label, _), killed, outcome in zip(moments, killed_runs, outcomes, strict=True):
                if any(label.startswith(f"{fraction:.0%} ") for fraction in MUST_HIT):
                    assert killed.returncode == -signal.SIGKILL, (
                        f"the import ended before its kill: {outcome}\n{timeline}"
                    )
    finally:
        await observer.close()
