"""examples/curl/rest-basics.sh against the live service on the seed: each step's answer, the cursor paging,
the limits' headers, and its waits on a real 429 (a service allowing 3 requests a second)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from serving import ThreadedServer

from api.app import create_app
from api.settings import Settings

SCRIPT = Path(__file__).resolve().parent.parent.parent / "examples" / "curl" / "rest-basics.sh"


@contextmanager
def live_service(seeded_url: str, **limits: Any) -> Iterator[str]:
    server = ThreadedServer(create_app(Settings(database_url=seeded_url, load_seed=False, **limits)))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def run_script(url: str, **env: str) -> subprocess.CompletedProcess[str]:
    assert shutil.which("curl"), "curl is missing: apt-get install curl"
    return subprocess.run(
        ["bash", str(SCRIPT), url],
        env={**os.environ, **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _section(output: str, number: int) -> str:
    return output.split(f"== {number}. ")[1].split("\n== ")[0]


def test_the_script_shows_the_rest_basics_and_waits_out_a_429(seeded_url: str) -> None:
    with live_service(seeded_url, requests_per_second=3, cost_budget=100_000) as url:
        done = run_script(url)
    assert done.returncode == 0, done.stderr
    out = done.stdout

    assert "id: QXV0aG9yOjE, name: Louis Béthune" in _section(out, 1)
    author = _section(out, 2)
    assert '"name":"Louis Béthune"' in author
    assert '"metrics":{"h_index":34,' in author
    assert '"source":"profile-page","as_of":"2026-11-27"' in author
    assert '"computed_metrics":{' in author

    bulk = _section(out, 3)
    assert bulk.count('"name":"Louis Béthune"') == 2  # in the GET and in the POST
    assert ",null]}" in bulk  # the unknown id, answered in its place

    pages = _section(out, 4)
    assert pages.count("(of 18 papers)") == 2
    titles = [line.strip() for line in pages.splitlines() if line.startswith("  ")]
    assert len(titles) == len(set(titles)) == 10  # two pages of 5, nothing repeated

    headers = _section(out, 5).lower()
    assert "request-cost: 1\n" in headers
    assert 'ratelimit-policy: "budget";q=100000;w=3600, "requests";q=3;w=1' in headers
    assert re.search(r'^ratelimit: "budget";r=\d+;t=\d+, "requests";r=\d;t=1$', headers, flags=re.MULTILINE)

    # more than 3 requests in a second: refused, waited out, sent again
    assert "(429 too_fast: waiting 1 s, as Retry-After says)" in done.stderr


def test_a_refusal_longer_than_the_script_waits_stops_it_with_the_answer(seeded_url: str) -> None:
    with live_service(seeded_url, requests_per_second=1, cost_budget=0) as url:
        done = run_script(url, MAX_WAIT="0")
    assert done.returncode == 1
    assert "refused: 429 too_fast, Retry-After: 1:" in done.stderr
    assert '"retry_after":1' in done.stderr
