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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from api.db.pool import Database
from api.errors import ConfigurationError
from api.ingest import arxiv, crossref, openalex, semanticscholar
from api.ingest.bulk import BATCH_SIZE, ImportSummary, write_records
from api.ingest.limits import fit_record
from api.ingest.model import IncompleteRecord, Read, Record, RecordError, Skipped
from api.ingest.progress import Progress
from api.ingest.reading import JsonReader, JsonRecord
from api.ingest.rejects import ErrorPolicy, Rejects, default_rejects_path
from api.ingest.wrong_format import FormatCheck

FORMATS = ("arxiv", "semanticscholar", "crossref", "openalex")


def _reader(name: str, as_of: dt.date) -> Callable[[object], Read]:
    """The function turning one decoded JSON value of format `name` into records."""
    if name == "arxiv":
        return lambda value: [arxiv.read_arxiv(value)]
    if name == "crossref":
        return crossref.read_crossref_value
    if name == "semanticscholar":
        return lambda value: semanticscholar.read_s2(value, as_of=as_of)
    if name == "openalex":
        return openalex.read_openalex
    raise ConfigurationError(f"unknown format {name!r}: expected one of {', '.join(FORMATS)}")


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
    `bulk_load`: see api/ingest/bulk.write_records (default: into an empty database)."""
    read = _reader(format_name, as_of or dt.datetime.now(dt.UTC).date())
    reject_file = Path(rejects_path) if rejects_path is not None else default_rejects_path(paths)
    check = FormatCheck(format_name, failing=policy is ErrorPolicy.FAIL, rejects_path=str(reject_file))
    with Rejects(reject_file, policy=policy, watch=check.rejected) as rejects:
        reader = JsonReader(paths, rejects=rejects)
        if progress is not None:
            progress.track_bytes(reader.total_bytes, lambda: reader.bytes_read)
        current: list[JsonRecord] = []  # the JSON record the writer is on, to name it in a reject
        not_papers = 0

        def records() -> Iterator[Record]:
            nonlocal not_papers
            for item in reader:
                current[:] = [item]
                if progress is not None:
                    progress.advance()
                try:
                    produced = read(item.value)
                except IncompleteRecord as error:
                    produced = [Skipped(error.kind, error.reason)]
                except RecordError as error:
                    rejects.reject(item.error(str(error)), item.raw)
                    continue
                check.accepted(item.path, item.line)
                for found in produced:
                    record, left_out = (None, [found]) if isinstance(found, Skipped) else fit_record(found)
                    for skipped in left_out:
                        if skipped.kind == crossref.NOT_PAPERS:
                            not_papers += 1
                        else:
                            rejects.leave_out(item.error(skipped.reason), skipped.kind, item.raw)
                    if record is not None:
                        yield record
            check.finish()

        def reject(record: Record, reason: str) -> None:
            # Under `fail` this raises, naming the file and line; the import's transaction rolls back.
            item = current[0]
            rejects.reject(item.error(reason), item.raw)

        summary = await write_records(
            db,
            records(),
            batch_size=batch_size or BATCH_SIZE,
            on_reject=reject,
            bulk_load=bulk_load,
            on_lock_wait=progress.waiting_for if progress is not None else None,
        )
        summary.skipped.update(rejects.left_out)
        rejected = rejects.count
        written = rejects.written
    return ImportRun(
        summary=summary,
        rejected=rejected,
        not_papers=not_papers,
        rejects_path=str(rejects.path) if written else None,
    )
