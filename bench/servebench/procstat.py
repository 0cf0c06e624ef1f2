"""CPU time and memory of the server process and of the PostgreSQL backends serving it, from /proc.

The server's CPU time is read from /proc/<pid>/stat (utime + stime) before and after a timed run; its peak
memory is the kernel's high-water mark of resident memory (VmHWM in /proc/<pid>/status). The backends are
the processes whose title names the benchmark's database (`postgres: user database host(port) state`):
nothing else connects to it during a run. A thread reads their CPU time every half second, so that a
backend opened during the run counts from its start and one closed during it counts until its last
reading; the total over a run is the sum of each backend's growth.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def parse_stat_cpu(stat: str) -> float:
    """CPU seconds (user + system) from the text of /proc/<pid>/stat. The command name (field 2) may
    hold spaces and parentheses: fields are counted from the last `)`."""
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15: utime, stime


def cpu_seconds(pid: int) -> float | None:
    try:
        return parse_stat_cpu((PROC / str(pid) / "stat").read_text())
    except (OSError, ValueError, IndexError):
        return None


def tree(pid: int) -> list[int]:
    """`pid` and its descendants (a service's workers), as /proc shows them now."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_cpu_seconds(pid: int) -> float | None:
    """The CPU time of `pid` and of its living descendants (the workers of `serve --workers N`)."""
    seconds = [cpu_seconds(member) for member in tree(pid)]
    known = [s for s in seconds if s is not None]
    return sum(known) if known else None


def parse_status_kb(status: str, field: str) -> int | None:
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    try:
        kb = parse_status_kb((PROC / str(pid) / "status").read_text(), "VmHWM")
    except OSError:
        return None
    return None if kb is None else kb / 1024


def tree_peak_rss_mb(pid: int) -> float | None:
    """The peak resident memory of `pid` and its descendants, added up."""
    peaks = [peak_rss_mb(member) for member in tree(pid)]
    known = [p for p in peaks if p is not None]
    return sum(known) if known else None


def backends_of(database: str) -> list[int]:
    """The PostgreSQL backends connected to `database`, by their process title."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found.append(int(entry.name))
    return found


class BackendWatch:
    """The CPU time the backends of `database` spend between `start()` and `stop()`."""

    def __init__(self, database: str, interval: float = 0.5) -> None:
        self.database = database
        self.interval = interval
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._started = False
        self.total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _read(self, scan: bool) -> None:
        pids = set(self._last) | (set(backends_of(self.database)) if scan else set())
        for pid in pids:
            seconds = cpu_seconds(pid)
            if seconds is None:
                continue  # gone: its last reading stands
            if pid not in self._first:
                # Seen first now: before the run started (its reading is the base) or opened during it (from 0).
                self._first[pid] = 0.0 if self._started else seconds
            self._last[pid] = seconds

    def _watch(self) -> None:
        ticks = 0
        while not self._stop.wait(self.interval):
            ticks += 1
            self._read(scan=ticks % 4 == 0)

    def start(self) -> None:
        self._read(scan=True)
        self._started = True
        self._thread.start()

    def stop(self) -> float:
        """Stop watching; the backends' CPU seconds over the run."""
        self._stop.set()
        self._thread.join()
        self._read(scan=True)
        self.total = sum(self._last[pid] - self._first[pid] for pid in self._last)
        return self.total

    @property
    def backends(self) -> int:
        return len(self._last)
