"""Load from a second process: wrk replaying a request file, and what it reports.

wrk runs bench/servebench/replay.lua. Each run is one wrk process: a lead (the pipeline fills: every
connection has a request in flight, caches and JITs warm up), then the measured window, then a short tail.
The script counts the responses that arrive within the window, on the monotonic clock that
`time.monotonic` reads, so that the caller can read CPU counters at the window's edges and both measure
the same seconds. It prints one line `SERVEBENCH {json}` at the end: responses in the window, and over the
whole run requests, bytes, errors by kind and latency (mean, max, 50th, 90th and 99th percentile, in
microseconds; wrk keeps one histogram per run, lead included).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servebench.queries import Request

REPLAY = Path(__file__).resolve().parent / "replay.lua"
MARK = "SERVEBENCH "


class LoadError(Exception):
    """wrk failed, overran its bound, or printed no figures."""


def one_line(text: str, limit: int = 300) -> str:
    """Output as one line of a message: its first lines, whitespace collapsed."""
    return " / ".join(" ".join(line.split()) for line in text.strip().splitlines()[:4] if line.strip())[:limit]


def request_line(request: Request) -> str:
    """One line of a request file: method, path and body separated by tabs (JSON bodies hold no raw tab
    or newline: json.dumps escapes them)."""
    body = request.body.decode() if request.body is not None else ""
    if any(c in request.path + body for c in "\t\n"):
        raise ValueError(f"a request cannot hold a tab or a newline: {request.path[:60]}")
    return f"{request.method}\t{request.path}\t{body}"


def write_requests(path: Path, requests: Sequence[Request]) -> None:
    path.write_text("".join(request_line(request) + "\n" for request in requests))


@dataclass(frozen=True)
class Figures:
    """What one wrk run measured."""

    requests: int  # over the whole run
    seconds: float  # the whole run
    bytes: int
    errors: dict[str, int]
    latency_ms: dict[str, float]  # mean, max, p50, p90, p99
    window_requests: int | None = None  # responses within the window (None: no window given)
    window_failed: int = 0  # of which HTTP errors

    @property
    def error_count(self) -> int:
        return sum(self.errors.values()) + self.window_failed


def parse_output(text: str) -> Figures:
    """The figures of replay.lua's line in wrk's output; LoadError when there is none."""
    for line in reversed(text.splitlines()):
        if line.startswith(MARK):
            data: dict[str, Any] = json.loads(line[len(MARK) :])
            return Figures(
                requests=int(data["requests"]),
                seconds=data["duration_us"] / 1e6,
                bytes=int(data["bytes"]),
                errors={kind: int(n) for kind, n in data["errors"].items()},
                latency_ms={name: value / 1000 for name, value in data["latency_us"].items()},
                window_requests=data.get("window_requests"),
                window_failed=int(data.get("window_failed", 0)),
            )
    raise LoadError("wrk printed no figures: " + one_line(text))


def wrk_binary() -> str:
    """wrk, installed with apt-get when missing (setting up is not timed); a clear error when it cannot be."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", file=sys.stderr, flush=True)
    command = ["apt-get", "install", "-y", "wrk"]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]
    try:
        subprocess.run(command, check=True, timeout=600, stdout=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        raise SystemExit(
            f"error: wrk is not installed and `{' '.join(command)}` failed ({error}); install wrk (Debian and "
            "Ubuntu: apt-get install wrk) and run again"
        ) from error
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("error: wrk is still not on the PATH after apt-get install wrk")
    return found


@dataclass(frozen=True)
class Run:
    figures: Figures
    window_seconds: float
    wrk_cpu_seconds: float

    @property
    def requests_per_second(self) -> float:
        return (self.figures.window_requests or 0) / self.window_seconds if self.window_seconds else 0.0


def _sleep_until(moment: float) -> None:
    while (left := moment - time.monotonic()) > 0:
        time.sleep(min(left, 0.5))


def run_wrk(
    wrk: str,
    url: str,
    request_file: Path,
    *,
    threads: int,
    connections: int,
    lead: float,
    duration: float,
    at_start: Callable[[], Any] = lambda: None,
    at_end: Callable[[], Any] = lambda: None,
    timeout_s: float = 30,
) -> Run:
    """wrk against `url`: `lead` seconds, then a window of `duration` seconds at whose edges `at_start` and
    `at_end` are called, then a tail of 1 s. Bounded: killed 60 s after its planned end. Its CPU time is the
    kernel's account of the process (wait4)."""
    start = time.monotonic() + 0.5 + lead  # wrk starts its connections within a few ms
    end = start + duration
    total = math.ceil(0.5 + lead + duration + 1.0)  # wrk takes whole seconds
    command = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{total}s", f"--timeout={timeout_s:g}s",
        "-s", str(REPLAY), url, "--", str(request_file), str(threads), f"{start:.6f}", f"{end:.6f}",
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        overran = threading.Event()

        def stop() -> None:
            overran.set()
            process.kill()

        timer = threading.Timer(total + 60, stop)
        timer.start()
        try:
            _sleep_until(start)
            at_start()
            _sleep_until(end)
            at_end()
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if overran.is_set():
        raise LoadError(f"wrk did not finish within {total + 60:.0f} s and was killed")
    if process.returncode != 0:
        raise LoadError(f"wrk exited with {process.returncode}: {one_line(output)}")
    figures = parse_output(output)
    if figures.window_requests is None:
        raise LoadError("wrk's script counted no window")
    return Run(figures, duration, usage.ru_utime + usage.ru_stime)
