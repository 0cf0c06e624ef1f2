"""Load from a second process: wrk replaying a request file, and what it reports.

wrk runs bench/servebench/replay.lua, which prints one line `SERVEBENCH {json}` at the end: requests,
duration, bytes, errors by kind, latency (mean, max, 50th, 90th and 99th percentile, in microseconds).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servebench.queries import Request

REPLAY = Path(__file__).resolve().parent / "replay.lua"
MARK = "SERVEBENCH "


class LoadError(Exception):
    """wrk failed, overran its bound, or printed no figures."""


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

    requests: int
    seconds: float
    bytes: int
    errors: dict[str, int]
    latency_ms: dict[str, float]  # mean, max, p50, p90, p99

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


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
            )
    raise LoadError("wrk printed no figures: " + " | ".join(text.strip().splitlines()[-5:])[:500])


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
    wall_seconds: float
    wrk_cpu_seconds: float


def run_wrk(
    wrk: str, url: str, request_file: Path, *, threads: int, connections: int, duration: float, timeout_s: float = 30
) -> Run:
    """wrk against `url` for `duration` seconds; bounded (killed after duration + 60 s). Its CPU time is the
    kernel's account of the process (wait4)."""
    command = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", f"--timeout={timeout_s:g}s",
        "-s", str(REPLAY), url, "--", str(request_file), str(threads),
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        overran = threading.Event()

        def stop() -> None:
            overran.set()
            process.kill()

        timer = threading.Timer(duration + 60, stop)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    if overran.is_set():
        raise LoadError(f"wrk did not finish within {duration + 60:.0f} s and was killed")
    if process.returncode != 0:
        raise LoadError(f"wrk exited with {process.returncode}: {output.strip()[-500:]}")
    return Run(parse_output(output), wall, usage.ru_utime + usage.ru_stime)
