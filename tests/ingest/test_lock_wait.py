"""An import waiting for another import's lock says so, naming the other import's process, and keeps
waiting; once the lock is released it runs as usual.

The other import is a session of this test process holding the import lock in an open transaction, named
as every Scholar Graph connection names itself (`scholargraph:<pid>`); the waiting import is the real
command in a subprocess (`python -m api ingest arxiv …`), its stderr a pipe. A profile import (`ingest
profile`, the seed) is told the same, in this process.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import asyncpg

from api.db.import_lock import IMPORT_LOCK_KEY, ImportLockHolder
from api.db.pool import Database
from api.ingest.profile import import_profile
from api.ingest.seed import SEED_AS_OF, bundled_seed_path

ROOT = Path(__file__).resolve().parents[2]
ARXIV = ROOT / "tests" / "fixtures" / "arxiv-metadata-sample.jsonl"


async def test_an_import_waiting_for_the_lock_names_the_import_holding_it_and_keeps_waiting(database_url: str) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCHOLARGRAPH_")}
    holder = await asyncpg.connect(database_url, server_settings={"application_name": f"scholargraph:{os.getpid()}"})
    try:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK_KEY)
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "api", "ingest", "arxiv", str(ARXIV), "--database-url", database_url, "--json",
                cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert process.stderr is not None
            told = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()

            assert told.startswith(f"waiting for the import run by pid {os.getpid()} (started at ")
            assert told.endswith(" ago)\n")
            await asyncio.sleep(0.5)
            assert process.returncode is None
            waiting = await holder.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
                f"scholargraph:{process.pid}",
            )
            assert waiting == 1
        out, err = await asyncio.wait_for(process.communicate(), 120)
    finally:
        await holder.close()

    assert process.returncode == 0, err.decode()
    assert err == b""  # the one line above, nothing more
    assert json.loads(out.decode().splitlines()[-1])["read"] == 49


async def test_a_profile_import_waiting_for_the_lock_is_told_who_holds_it(database_url: str) -> None:
    seen: list[ImportLockHolder] = []
    db = await Database.connect(database_url, min_size=1, max_size=2)
    holder = await asyncpg.connect(database_url, server_settings={"application_name": "scholargraph:424242"})
    try:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK_KEY)
            waiting = asyncio.create_task(
                import_profile(db, bundled_seed_path(), as_of=SEED_AS_OF, on_lock_wait=seen.append)
            )
            for _ in range(500):
                if seen:
                    break
                await asyncio.sleep(0.02)
            assert [told.client_pid for told in seen] == [424242]
            await asyncio.sleep(0.3)
            assert not waiting.done()
        done = await asyncio.wait_for(waiting, 60)
    finally:
        await holder.close()
        await db.close()
    assert done.papers == 18
