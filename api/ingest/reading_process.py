"""The reading side of an import, run in a process of its own so that reading and writing use both cores.

An import does two kinds of Python work: reading (decompressing, decoding JSON, a format's reader,
fitting and checking each record, flattening records into a batch's rows) and writing (the identity
decisions between the database's look-ups, encoding rows for COPY). In one process they share one
interpreter lock, so only one of them runs at a time whatever the cores; reading is the larger part.
Here reading runs in a child process and hands each finished batch to the writer through a pipe:

    child:  inputs -> Reading.records() -> Cutter -> Batch --(pipe, pickled)--> parent: write_batches

A batch carries rows and a few plain fields per work (api/ingest/bulk.py, Batch), never Work objects, so
that it pickles in tens of microseconds per work. The child is at most one batch ahead: it blocks on the
pipe until the writer takes the batch it has cut. The rejects file, the format check and the error policy
work in the child as they would in one process; an error there (a malformed record under `fail`, a
damaged input, a wrong format) is sent to the parent and raised by the writer, whose transaction then
rolls back. Records and bytes read are counted in shared memory, for the progress display. When the
writer stops early (an error, an interruption), the child is terminated.

Standard input cannot be handed to a child process: an import from `-` reads in the writer's process
(`Reading` in a worker thread, as `write_records` does); so do inputs under `READ_APART_FROM` bytes, for
which starting a process costs more than it saves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import signal
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from types import TracebackType
from typing import Any

from api.errors import IngestError
from api.ingest import arxiv, crossref, openalex, openalex_typed, semanticscholar
from api.ingest.bulk import Batch, Cutter, cut_into_batches
from api.ingest.limits import fit_record
from api.ingest.model import IncompleteRecord, Read, Record, RecordError, Skipped
from api.ingest.reading import JsonReader, JsonRecord, Parsed, TypedReader
from api.ingest.rejects import STDIN, ErrorPolicy, Rejects
from api.ingest.wrong_format import FormatCheck

FORMATS = ("arxiv", "semanticscholar", "crossref", "openalex")


def format_reader(name: str, as_of: dt.date) -> Callable[[object], Read]:
    """The function turning one decoded JSON value of format `name` into records."""
    if name == "arxiv":
        return lambda value: [arxiv.read_arxiv(value)]
    if name == "crossref":
        return crossref.read_crossref_value
    if name == "semanticscholar":
        return lambda value: semanticscholar.read_s2(value, as_of=as_of)
    if name == "openalex":
        return openalex.read_openalex
    raise ValueError(f"unknown format {name!r}")


def typed_reader(name: str) -> TypedReader | None:
    """The format's reader of raw lines, tried before its full reader (`JsonReader`'s `typed`), if it has one."""
    return openalex_typed.read_work_line if name == "openalex" else None


@dataclass(frozen=True)
class ReadJob:
    """What to read, and how: everything the reading process needs (it pickles)."""

    format_name: str
    paths: tuple[str, ...]
    policy: ErrorPolicy
    rejects_path: str
    as_of: dt.date
    batch_size: int


@dataclass
class ReadOutcome:
    """What the reading did, beside the records: rejects, records left out, Crossref items not papers."""

    rejected: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    not_papers: int = 0
    rejects_written: bool = False
    rejects_created: bool = False  # under `fail`: a file was made (for a record left out), to remove on failure


class Reading:
    """The records of a job's inputs: read, parsed by the format's reader, fitted to the store; damage and
    records left out handed to the reject file; the format check watching. A context manager (the reject
    file is open inside it). `on_record` is called for each input record read."""

    def __init__(self, job: ReadJob, on_record: Callable[[], None] | None = None) -> None:
        self.job = job
        self.on_record = on_record
        self.read = format_reader(job.format_name, job.as_of)
        self.check = FormatCheck(job.format_name, failing=job.policy is ErrorPolicy.FAIL, rejects_path=job.rejects_path)
        self.rejects = Rejects(job.rejects_path, policy=job.policy, watch=self.check.rejected)
        self.reader = JsonReader(job.paths, rejects=self.rejects, typed=typed_reader(job.format_name))
        self.not_papers = 0
        self._current: JsonRecord | None = None  # the JSON record being written, to name it in a reject

    def __enter__(self) -> Reading:
        self.rejects.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.rejects.__exit__(kind, error, traceback)

    def records(self) -> Iterator[Record]:
        for item in self.reader:
            self._current = item
            if self.on_record is not None:
                self.on_record()
            try:
                value = item.value
                produced = value.records if type(value) is Parsed else self.read(value)
            except IncompleteRecord as error:
                produced = [Skipped(error.kind, error.reason)]
            except RecordError as error:
                self.rejects.reject(item.error(str(error)), item.raw)
                continue
            self.check.accepted(item.path, item.line)
            for found in produced:
                record, left_out = (None, [found]) if isinstance(found, Skipped) else fit_record(found)
                for skipped in left_out:
                    if skipped.kind == crossref.NOT_PAPERS:
                        self.not_papers += 1
                    else:
                        self.rejects.leave_out(item.error(skipped.reason), skipped.kind, item.raw)
                if record is not None:
                    yield record
        self.check.finish()

    def reject(self, record: Record, reason: str) -> None:
        """A record the writer cannot store: under `fail` this raises, naming the file and line."""
        item = self._current
        assert item is not None, "a record is rejected while it is being read"
        self.rejects.reject(item.error(reason), item.raw)

    def outcome(self) -> ReadOutcome:
        return ReadOutcome(
            rejected=self.rejects.count,
            left_out=Counter(self.rejects.left_out),
            not_papers=self.not_papers,
            rejects_written=self.rejects.written,
            rejects_created=self.rejects.created,
        )


# Below this many bytes of input, a child process's start (about a second: a new interpreter importing the
# readers) costs more than reading in a thread saves.
READ_APART_FROM = 16 * 2**20


def can_read_apart(paths: Sequence[str]) -> bool:
    """Whether the inputs are worth reading in a child process: files (not standard input) of at least
    `READ_APART_FROM` bytes in all."""
    if STDIN in paths:
        return False
    total = JsonReader(paths).total_bytes
    return total is not None and total >= READ_APART_FROM


@dataclass
class SharedCounts:
    """Records and bytes read by the child, readable by the parent at any time."""

    records: Synchronized[int]
    bytes_read: Synchronized[int]


class _Stopped(BaseException):
    """The writer terminated the child (SIGTERM): it stops without a word, its reject file closed."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


def _read(job: ReadJob, pipe: Connection, counts: SharedCounts) -> None:
    """The child's work: every batch of the job's inputs into the pipe, then the outcome (or the error).
    An interruption (Ctrl-C reaches the whole process group) is the writer's to handle: it ignores SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    try:

        def counted() -> None:
            counts.records.value += 1
            counts.bytes_read.value = reading.reader.bytes_read

        with Reading(job, on_record=counted) as reading:
            cutter = Cutter(job.batch_size, reading.reject)
            for batch in cut_into_batches(reading.records(), cutter):
                pipe.send(("batch", batch))
            counts.bytes_read.value = reading.reader.bytes_read
        pipe.send(("done", reading.outcome()))
    except _Stopped:
        return
    except BaseException as error:  # handed to the writer, raised there
        try:
            pipe.send(("error", error))
        except Exception:  # an error that does not pickle: its text
            pipe.send(("error", IngestError(f"{type(error).__name__}: {error}")))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # its work over, a stop is silent
        pipe.close()


@dataclass
class ProcessReading:
    """Reading a job in a child process: `batches()` for `write_batches`, then `outcome`."""

    job: ReadJob
    total_bytes: int | None = None
    outcome: ReadOutcome | None = None
    _counts: SharedCounts | None = None
    _context: Any = field(default_factory=lambda: multiprocessing.get_context("spawn"))

    def __post_init__(self) -> None:
        self.total_bytes = JsonReader(self.job.paths).total_bytes  # checks every path before the child starts
        self._counts = SharedCounts(self._context.Value("q", 0), self._context.Value("q", 0))

    @property
    def records(self) -> int:
        return int(self._counts.records.value) if self._counts is not None else 0

    @property
    def bytes_read(self) -> int:
        return int(self._counts.bytes_read.value) if self._counts is not None else 0

    async def batches(self) -> AsyncGenerator[Batch, None]:
        receiving, sending = self._context.Pipe(duplex=False)
        child = self._context.Process(
            target=_read, args=(self.job, sending, self._counts), name="scholargraph-reader", daemon=True
        )
        child.start()
        sending.close()
        finished = False  # the child sent its last word: it ends by itself
        try:
            while True:
                try:
                    kind, payload = await asyncio.to_thread(receiving.recv)
                except EOFError:
                    await asyncio.to_thread(child.join)
                    raise IngestError(
                        f"the reading process ended without a word (exit code {child.exitcode})"
                    ) from None
                if kind == "batch":
                    yield payload
                    continue
                finished = True
                if kind == "done":
                    self.outcome = payload
                    return
                raise payload
        finally:
            if not finished and child.is_alive():
                child.terminate()
            await asyncio.to_thread(child.join)
            receiving.close()


def remove_rejects_after_failure(job: ReadJob, outcome: ReadOutcome | None) -> None:
    """Under `fail`, an import that failed after its reading finished leaves no reject file behind, as
    Rejects does in one process (a child stopped before its end removes its own)."""
    if job.policy is ErrorPolicy.FAIL and outcome is not None and outcome.rejects_created:
        Path(job.rejects_path).unlink(missing_ok=True)
