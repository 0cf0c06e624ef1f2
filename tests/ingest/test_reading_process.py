"""Imports whose files are read in a process of their own (api/ingest/reading_process.py): the same data
as reading in a thread, and the error policy at work across the process boundary.

The tests' files are small, so the size from which a file is read apart is set to 0 here, and the
reading process's batches are counted to be sure it is the one that read."""

from __future__ import annotations

import gzip
from collections.abc import AsyncGenerator
from pathlib import Path

import pytest

from api.db.pool import Database
from api.errors import InputFormatError
from api.generate import write_openalex_works
from api.ingest import reading_process
from api.ingest.bulk import Batch
from api.ingest.rejects import ErrorPolicy
from api.ingest.run import run_import


@pytest.fixture
def read_apart(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every file read in a child process; the batches it sent, counted."""
    monkeypatch.setattr(reading_process, "READ_APART_FROM", 0)
    sent: list[int] = []
    original = reading_process.ProcessReading.batches

    async def counted(self: reading_process.ProcessReading) -> AsyncGenerator[Batch, None]:
        async for batch in original(self):
            sent.append(batch.size)
            yield batch

    monkeypatch.setattr(reading_process.ProcessReading, "batches", counted)
    return sent


async def _open(database_url: str) -> Database:
    return await Database.connect(database_url, min_size=1, max_size=2)


async def _count(db: Database, table: str) -> int:
    value: int = await db.fetchval(f"SELECT count(*) FROM {table}")
    return value


async def test_a_file_read_apart_writes_what_reading_in_a_thread_finds_already_written(
    database_url: str, tmp_path: Path, read_apart: list[int]
) -> None:
    path = tmp_path / "works.jsonl.gz"
    written = write_openalex_works(path, 300, seed=3)
    db = await _open(database_url)
    try:
        first = await run_import(db, "openalex", [str(path)], batch_size=100)
        assert sum(read_apart) == 300, "the reading process sent every work"
        assert first.summary.read["works"] == 300
        assert await _count(db, "papers") == 300
        assert await _count(db, "authorships") == written.authorships
        assert await _count(db, "citations") == written.references
        # read again in a thread (the file is under the size again): nothing to write
        reading_process.READ_APART_FROM = 1 << 40  # restored by the fixture's monkeypatch
        again = await run_import(db, "openalex", [str(path)])
        assert again.summary.changed_nothing(), again.summary.as_dict()
    finally:
        await db.close()


async def test_a_malformed_record_under_fail_names_its_line_and_writes_nothing(
    database_url: str, tmp_path: Path, read_apart: list[int]
) -> None:
    path = tmp_path / "works.jsonl.gz"
    write_openalex_works(path, 50, seed=4)
    lines = gzip.decompress(path.read_bytes()).splitlines()
    lines.insert(30, b'{"id": "https://openalex.org/W1", "authorships": "not a list", "title": "Broken"}')
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"\n".join(lines) + b"\n")
    rejects = tmp_path / "damaged.rejects.jsonl"
    db = await _open(database_url)
    try:
        with pytest.raises(InputFormatError) as failure:
            await run_import(db, "openalex", [str(damaged)], rejects_path=str(rejects), batch_size=10)
        assert (failure.value.path, failure.value.line) == (str(damaged), 31)
        assert "authorships" in failure.value.reason
        assert await _count(db, "papers") == 0
        assert not rejects.exists()
        skipped = await run_import(
            db, "openalex", [str(damaged)], policy=ErrorPolicy.SKIP, rejects_path=str(rejects), batch_size=10
        )
        assert skipped.rejected == 1
        assert skipped.rejects_path == str(rejects)
        assert len(rejects.read_text().splitlines()) == 1
        assert await _count(db, "papers") == 50
    finally:
        await db.close()
