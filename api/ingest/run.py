"""One import from end to end: inputs → JSON records → a format's reader → the bulk writer.

Records flow as a stream (constant memory). The error policy decides what a bad record does: under
`fail` (the default) the first one stops the import and, the import being one transaction, nothing is
written; under `skip` it goes to the reject file with its file, line and reason, and the rest is
imported. Crossref records that are not papers (journals, issues, grants) are skipped and counted.
Records the source's schema allows but that lack what must be stored (a work without a title) are not
malformed: under either policy they are left out, counted by kind in the summary's `skipped` and
written to the reject file (api/ingest/model.py, IncompleteRecord). Every record read is fitted to what
the store holds before it is written (api/ingest/limits.py); what that leaves out is counted the same
way. A file that looks like one of another format (most of its records rejected) stops the import with
one line saying so (api/ingest/wrong_format.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from api.db.pool import Database
from api.errors import ConfigurationError
from api.ingest.bulk import BATCH_SIZE, ImportSummary, write_batches, write_records
from api.ingest.progress import Progress
from api.ingest.reading_process import (
    FORMATS,
    ProcessReading,
    Reading,
    ReadJob,
    ReadOutcome,
    can_read_apart,
    remove_rejects_after_failure,
)
from api.ingest.rejects import ErrorPolicy, default_rejects_path

__all__ = ["FORMATS", "ImportRun", "run_import"]


@dataclass
class ImportRun:
    """What one import did, with the reject file (under `skip`)."""

    summary: ImportSummary
    rejected: int
    not_papers: int
    rejects_path: str | None


async def run_import(
    db: Database,
    format_name: str,
    paths: Sequence[str],
    *,
    policy: ErrorPolicy = ErrorPolicy.FAIL,
    rejects_path: str | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    bulk_load: bool | None = None,
) -> ImportRun:
    """Import `paths` (files, gzip files, folders of parts, `-`) of one format; see the module.
    `bulk_load`: see api/ingest/bulk.write_records (default: into an empty database).

    Files are read in a process of their own (api/ingest/reading_process.py); standard input in a thread
    of this one."""
    job = _job(format_name, paths, policy, rejects_path, as_of, batch_size)
    on_lock_wait = progress.waiting_for if progress is not None else None
    if can_read_apart(paths):
        apart = ProcessReading(job)
        if progress is not None:
            progress.track_bytes(apart.total_bytes, lambda: apart.bytes_read)
        counted = 0

        def on_batch(_: ImportSummary) -> None:
            nonlocal counted
            if progress is not None:
                progress.advance(apart.records - counted)
                counted = apart.records

        try:
            summary = await write_batches(db, apart.batches, on_progress=on_batch, bulk_load=bulk_load,
                                          on_lock_wait=on_lock_wait)  # fmt: skip
        except BaseException:
            remove_rejects_after_failure(job, apart.outcome)
            raise
        assert apart.outcome is not None, "the reading process sent its outcome before the last batch ended"
        outcome = apart.outcome
    else:
        with Reading(job, on_record=progress.advance if progress is not None else None) as reading:
            if progress is not None:
                progress.track_bytes(reading.reader.total_bytes, lambda: reading.reader.bytes_read)
            summary = await write_records(
                db, reading.records(), batch_size=job.batch_size, on_reject=reading.reject, bulk_load=bulk_load,
                on_lock_wait=on_lock_wait,
            )  # fmt: skip
        outcome = reading.outcome()
    return _finished(summary, outcome, job)


def _job(
    format_name: str,
    paths: Sequence[str],
    policy: ErrorPolicy,
    rejects_path: str | None,
    as_of: dt.date | None,
    batch_size: int | None,
) -> ReadJob:
    if format_name not in FORMATS:
        raise ConfigurationError(f"unknown format {format_name!r}: expected one of {', '.join(FORMATS)}")
    return ReadJob(
        format_name=format_name,
        paths=tuple(paths),
        policy=ErrorPolicy(policy),
        # as given: the reading process starts in this process's folder
        rejects_path=rejects_path if rejects_path is not None else str(default_rejects_path(paths)),
        as_of=as_of or dt.datetime.now(dt.UTC).date(),
        batch_size=batch_size or BATCH_SIZE,
    )


def _finished(summary: ImportSummary, outcome: ReadOutcome, job: ReadJob) -> ImportRun:
    summary.skipped.update(outcome.left_out)
    return ImportRun(
        summary=summary,
        rejected=outcome.rejected,
        not_papers=outcome.not_papers,
        rejects_path=job.rejects_path if outcome.rejects_written else None,
    )
