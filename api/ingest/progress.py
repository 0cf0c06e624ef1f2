"""The progress display of a long import, and its summary at the end.

On a terminal (stderr is one, CI is not set, TERM is not `dumb`) one line on stderr is redrawn in place
at most ten times a second: records read, records per second (smoothed over the last few seconds), and
when the input's size is known (files, not standard input) bytes read of the total, percent and the time
left. Elsewhere nothing is shown while the import runs. At the end a summary (read, inserted, updated,
merged, rejected, elapsed, records per second) goes to stdout as one line of text, or as one JSON object.

An import waiting for another import's lock says so (`waiting_for`): on a terminal as the live line,
which the progress replaces once the import runs, elsewhere as one line on stderr.

Written without dependencies: a carriage return and the ANSI "clear line" sequence are all it takes.
The streams, the clock, the environment and whether stderr is a terminal can be given, for tests.

    with Progress(total_bytes=reader.total_bytes, bytes_read=lambda: reader.bytes_read) as progress:
        for record in reader:
            ...
            progress.advance()
        progress.finish(inserted=..., updated=..., merged=..., rejected=rejects.count)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TextIO

from api.db.import_lock import ImportLockHolder

CLEAR_LINE = "\r\x1b[2K"
REFRESH_INTERVAL = 0.1  # seconds: at most ten redraws a second
SMOOTHING = 3.0  # seconds: the time constant of the rate's moving average

Count = int | Mapping[str, int]
"""A figure of the summary: one number, or numbers by kind of row ({"papers": 10, "authors": 31})."""


def on_terminal(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether a live progress line belongs on `stream`: a terminal, not under CI, not a dumb terminal."""
    env = os.environ if environ is None else environ
    if env.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Counts records, draws the live line on a terminal, prints the summary at the end."""

    def __init__(
        self,
        *,
        total_bytes: int | None = None,
        bytes_read: Callable[[], int] | None = None,
        label: str = "records",
        as_json: bool = False,
        stream: TextIO | None = None,
        out: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        is_terminal: bool | None = None,
        environ: Mapping[str, str] | None = None,
        width: int | None = None,
        interval: float = REFRESH_INTERVAL,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.out = out if out is not None else sys.stdout
        self.live = on_terminal(self.stream, environ) if is_terminal is None else is_terminal
        self.total_bytes = total_bytes
        self.label = label
        self.as_json = as_json
        self.records = 0
        self._bytes_read = bytes_read
        self._clock = clock
        self._width = width
        self._interval = interval
        self._started = clock()
        self._last_draw = self._started
        self._last_records = 0
        self._last_bytes = 0
        self._rate: float | None = None  # records per second, smoothed
        self._byte_rate: float | None = None
        self._drawn = False
        self._waited = False  # a wait for the lock was shown: the clock restarts at the first record

    def track_bytes(self, total_bytes: int | None, bytes_read: Callable[[], int]) -> None:
        """Follow the inputs' bytes, once they are opened: the total (None for stdin) and a reader of the count."""
        self.total_bytes = total_bytes
        self._bytes_read = bytes_read

    def advance(self, records: int = 1) -> None:
        """Count records read; on a terminal, redraw if the last redraw is old enough."""
        if self._waited:  # records are read once the import has the lock: its time starts now
            self._waited = False
            self._started = self._last_draw = self._clock()
        self.records += records
        if self.live:
            now = self._clock()
            if now - self._last_draw >= self._interval:
                self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self._last_draw
        bytes_read = self._bytes_read() if self._bytes_read is not None else 0
        # An exponential moving average with a time constant of SMOOTHING seconds; over the first seconds
        # the weight of the running mean instead, so that the start (a first buffer read at once) does not
        # linger in the rate.
        weight = max(1.0 - math.exp(-elapsed / SMOOTHING), elapsed / (now - self._started))
        instant = (self.records - self._last_records) / elapsed
        byte_instant = (bytes_read - self._last_bytes) / elapsed
        if self._rate is None or self._byte_rate is None:
            self._rate, self._byte_rate = instant, byte_instant
        else:
            self._rate += weight * (instant - self._rate)
            self._byte_rate += weight * (byte_instant - self._byte_rate)
        self._last_draw, self._last_records, self._last_bytes = now, self.records, bytes_read
        line = self.status_line(bytes_read)
        width = self._width if self._width is not None else shutil.get_terminal_size((80, 24)).columns
        self.stream.write(CLEAR_LINE + line[: max(width - 1, 10)])
        self.stream.flush()
        self._drawn = True

    def status_line(self, bytes_read: int) -> str:
        """The live line's text (without the control sequences)."""
        parts = [f"{self.records:,} {self.label}"]
        if self._rate is not None:
            parts.append(f"{self._rate:,.0f}/s")
        if self._bytes_read is not None:
            if self.total_bytes:
                percent = min(100.0, 100.0 * bytes_read / self.total_bytes)
                parts.append(f"{_size(bytes_read)} / {_size(self.total_bytes)} ({percent:.0f}%)")
                if self._byte_rate:
                    left = max(self.total_bytes - bytes_read, 0) / self._byte_rate
                    parts.append(f"ETA {_duration(left)}")
            else:
                parts.append(_size(bytes_read))
        return " | ".join(parts)

    def waiting_for(self, holder: ImportLockHolder) -> None:
        """Say that the import waits for the lock `holder` holds (see `lock_wait_line`)."""
        line = lock_wait_line(holder)
        self._waited = True
        if self.live:
            width = self._width if self._width is not None else shutil.get_terminal_size((80, 24)).columns
            self.stream.write(CLEAR_LINE + line[: max(width - 1, 10)])
            self._drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Take the live line off the terminal (before other output, or on an error)."""
        if self._drawn:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
            self._drawn = False

    def finish(
        self,
        *,
        read: int | None = None,
        inserted: Count = 0,
        updated: Count = 0,
        merged: Count = 0,
        rejected: int = 0,
        **extra: object,
    ) -> Summary:
        """Clear the live line and print the summary to `out` (text, or JSON with `as_json`)."""
        self.clear()
        summary = Summary(
            read=self.records if read is None else read,
            inserted=_plain(inserted),
            updated=_plain(updated),
            merged=_plain(merged),
            rejected=rejected,
            elapsed=max(self._clock() - self._started, 0.0),
            label=self.label,
            extra=dict(extra),
        )
        self.out.write((json.dumps(summary.as_dict()) if self.as_json else summary.text()) + "\n")
        self.out.flush()
        return summary

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.clear()


@dataclass(frozen=True)
class Summary:
    """What an import did, as the end of a run reports it."""

    read: int
    inserted: int | dict[str, int]
    updated: int | dict[str, int]
    merged: int | dict[str, int]
    rejected: int
    elapsed: float  # seconds
    label: str = "records"
    extra: dict[str, object] = field(default_factory=dict)  # more keys for the report (a reject file)

    @property
    def per_second(self) -> float | None:
        return self.read / self.elapsed if self.elapsed > 0 else None

    def as_dict(self) -> dict[str, object]:
        per_second = self.per_second
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "merged": self.merged,
            "rejected": self.rejected,
            "elapsed_seconds": round(self.elapsed, 3),
            "records_per_second": None if per_second is None else round(per_second, 1),
            **self.extra,
        }

    def text(self) -> str:
        speed = "" if self.per_second is None else f", {self.per_second:,.0f}/s"
        parts = [
            f"read {self.read:,} {self.label} in {_duration(self.elapsed)}{speed}",
            f"inserted {_count_text(self.inserted)}",
            f"updated {_count_text(self.updated)}",
            f"merged {_count_text(self.merged)}",
            f"rejected {self.rejected:,}",
            *(f"{key} {_count_text(value) if isinstance(value, dict) else value}" for key, value in self.extra.items()),
        ]
        return "; ".join(parts)


def lock_wait_line(holder: ImportLockHolder) -> str:
    """`waiting for the import run by pid 4242 (started at 14:02:11, 2m05s ago)`: what an import waiting
    for the import lock waits for. A session of another client is named by its application and backend."""
    if holder.client_pid is not None:
        who = f"the import run by pid {holder.client_pid}"
    else:
        client = holder.application_name or "another session"
        who = f"the import lock, held by {client} (PostgreSQL backend pid {holder.backend_pid})"
    if holder.since is None:
        return f"waiting for {who}"
    since = holder.since.astimezone()
    today = since.date() == dt.datetime.now().astimezone().date()
    shown = f"{since:%H:%M:%S}" if today else f"{since:%Y-%m-%d %H:%M:%S}"
    ago = f", {_duration(holder.held_for.total_seconds())} ago" if holder.held_for is not None else ""
    return f"waiting for {who} (started at {shown}{ago})"


def _plain(count: Count) -> int | dict[str, int]:
    return count if isinstance(count, int) else {kind: n for kind, n in sorted(count.items()) if n}


def _count_text(count: int | dict[str, int]) -> str:
    if isinstance(count, int):
        return f"{count:,}"
    return ", ".join(f"{n:,} {kind}" for kind, n in count.items()) or "0"


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value = n / 1000
    for unit in ("kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
