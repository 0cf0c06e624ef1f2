"""The error policy at work (`--on-error`) and the reject file.

    ErrorPolicy.FAIL / .SKIP                   what a malformed record does to an import
    Rejects(path, policy=…, watch=…)           raises under `fail`; writes and counts rejects under `skip`;
                                               records left out as incomplete are written under either
    default_rejects_path(paths)                `<first input name>.rejects.jsonl` in the current folder

The reader of the inputs (api/ingest/reading.py), the format readers (through api/ingest/run.py) and the
writer's checks all report a bad record here, as an `InputFormatError` naming its file and line.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO

from api.errors import InputFormatError

STDIN = "-"
REJECT_RECORD_LIMIT = 10 * 1024
"""How much of a rejected record's raw text the reject file keeps, in bytes."""


class ErrorPolicy(StrEnum):
    """What a malformed record does to an import (`--on-error`)."""

    FAIL = "fail"  # the first one raises InputFormatError; the import changes nothing
    SKIP = "skip"  # each one is written to the reject file; the rest is imported


MALFORMED = "malformed"
"""The `kind` of a reject file entry for a malformed record (other kinds: why a record was left out)."""


class Rejects:
    """The error policy at work: raises under `fail`; counts and writes rejects under `skip`. Records left
    out as incomplete (`skip`) are counted by kind and written under either policy.

    The reject file is JSON lines of {path, line, kind, reason, record}, `kind` being `malformed` or why the
    record was left out (`untitled_works`, …), `record` the raw text (its first 10 KiB). Under `skip` the
    file is written anew by each run, empty when nothing was rejected, so it always describes the last
    import; under `fail` it is created only when a record is left out, and removed again when the import
    fails (a failed import under `fail` leaves nothing behind).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        policy: ErrorPolicy = ErrorPolicy.FAIL,
        watch: Callable[[InputFormatError, bytes], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.policy = ErrorPolicy(policy)
        self.watch = watch  # told of each malformed record (it may raise an error of its own)
        self.count = 0  # malformed records
        self.left_out: Counter[str] = Counter()  # incomplete records, by kind
        self._file: IO[str] | None = None
        self._closed = False
        self.created = False  # whether this run has made the file

    @classmethod
    def for_inputs(
        cls,
        paths: Sequence[str],
        *,
        policy: ErrorPolicy = ErrorPolicy.FAIL,
        path: str | os.PathLike[str] | None = None,
        watch: Callable[[InputFormatError, bytes], None] | None = None,
    ) -> Rejects:
        """Rejects at `path`, by default `<first input name>.rejects.jsonl` in the current folder."""
        return cls(path if path is not None else default_rejects_path(paths), policy=policy, watch=watch)

    def reject(self, error: InputFormatError, record: bytes | str = b"") -> None:
        """Under `fail`, raise the error; under `skip`, write it with the record's text and go on. `watch`
        is told in either case (under `skip` once the record is written)."""
        raw = record.encode("utf-8", "surrogateescape") if isinstance(record, str) else record
        if self.policy is ErrorPolicy.FAIL:
            if self.watch is not None:
                self.watch(error, raw)
            raise error
        self._write(error, MALFORMED, raw)
        self.count += 1
        if self.watch is not None:
            self.watch(error, raw)

    def leave_out(self, error: InputFormatError, kind: str, record: bytes | str = b"") -> None:
        """Under either policy, write a record left out as incomplete (`kind` says why) and go on."""
        self._write(error, kind, record)
        self.left_out[kind] += 1

    @property
    def written(self) -> bool:
        """Whether this run writes the reject file (under `skip` always; under `fail` once a record is left out)."""
        return self.policy is ErrorPolicy.SKIP or self.created

    def _write(self, error: InputFormatError, kind: str, record: bytes | str) -> None:
        raw = record.encode("utf-8", "surrogateescape") if isinstance(record, str) else record
        text = raw[:REJECT_RECORD_LIMIT].decode("utf-8", "backslashreplace")
        entry = {"path": error.path, "line": error.line, "kind": kind, "reason": error.reason, "record": text}
        stream = self._open()
        stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
        stream.flush()

    def _open(self) -> IO[str]:
        if self._file is None:
            if self._closed:
                raise ValueError(f"{self.path}: the reject file is closed")
            self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed by close())
            self.created = True
        return self._file

    def close(self) -> None:
        """Close the reject file; under `skip`, leave an empty one if nothing was rejected."""
        if self.policy is ErrorPolicy.SKIP and not self._closed:
            self._open()
        if self._file is not None:
            self._file.close()
        self._file = None
        self._closed = True

    def __enter__(self) -> Rejects:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        created = self._file is not None
        self.close()
        if error is not None and self.policy is ErrorPolicy.FAIL and created:
            self.path.unlink(missing_ok=True)


def default_rejects_path(paths: Sequence[str]) -> Path:
    """`<first input name>.rejects.jsonl` in the current folder (`stdin.rejects.jsonl` for `-`)."""
    first = paths[0] if paths else STDIN
    name = "stdin" if first == STDIN else (Path(first).name or Path(first).resolve().name or "input")
    return Path.cwd() / f"{name}.rejects.jsonl"
