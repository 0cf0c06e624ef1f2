"""The import progress display: a live line on a terminal, silence elsewhere, a summary at the end.

The terminal is a StringIO that says it is one, the clock a counter the test moves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

import pytest

from api.db.import_lock import ImportLockHolder
from api.ingest.progress import CLEAR_LINE, Progress, on_terminal


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def clock() -> Clock:
    return Clock()


def live_progress(
    clock: Clock, *, total: int | None, read: list[int], width: int = 200
) -> tuple[Progress, io.StringIO]:
    stream = Terminal()
    progress = Progress(
        total_bytes=total,
        bytes_read=lambda: read[0],
        stream=stream,
        out=io.StringIO(),
        clock=clock,
        environ={},
        width=width,
    )
    return progress, stream


def frames(stream: io.StringIO) -> list[str]:
    return [frame for frame in stream.getvalue().split(CLEAR_LINE) if frame]


def test_a_terminal_shows_records_rate_bytes_and_time_left_on_one_redrawn_line(clock: Clock) -> None:
    read = [0]
    progress, stream = live_progress(clock, total=10_000_000, read=read)

    clock.now += 2.0
    read[0] = 2_500_000
    progress.advance(50_000)

    assert stream.getvalue() == CLEAR_LINE + "50,000 records | 25,000/s | 2.5 MB / 10.0 MB (25%) | ETA 6.0s"


def test_the_line_is_redrawn_at_most_ten_times_a_second(clock: Clock) -> None:
    progress, stream = live_progress(clock, total=100, read=[0])

    for _ in range(1000):  # 1,000 records over 0.5 s
        clock.now += 0.0005
        progress.advance()

    assert 4 <= len(frames(stream)) <= 5


def test_the_rate_is_smoothed_over_seconds_not_jumping_to_the_last_interval(clock: Clock) -> None:
    progress, stream = live_progress(clock, total=None, read=[0])
    clock.now += 1.0
    progress.advance(1000)  # 1,000/s for a second

    clock.now += 0.1
    progress.advance(1000)  # then 10,000/s for a tenth of a second

    last = frames(stream)[-1]
    rate = int(last.split(" | ")[1].removesuffix("/s").replace(",", ""))
    assert 1000 < rate < 2000


def test_standard_input_shows_bytes_read_without_a_total_or_time_left(clock: Clock) -> None:
    read = [3_400_000]
    progress, stream = live_progress(clock, total=None, read=read)

    clock.now += 1.0
    progress.advance(10)

    assert frames(stream) == ["10 records | 10/s | 3.4 MB"]


def test_the_line_is_cut_to_the_terminal_width(clock: Clock) -> None:
    progress, stream = live_progress(clock, total=10_000_000, read=[1], width=20)

    clock.now += 1.0
    progress.advance(10)

    assert frames(stream) == ["10 records | 10/s |"]


def test_finishing_clears_the_line_before_the_summary(clock: Clock) -> None:
    progress, stream = live_progress(clock, total=None, read=[0])
    clock.now += 1.0
    progress.advance()

    progress.finish()

    assert stream.getvalue().endswith(CLEAR_LINE)


def test_an_error_mid_import_clears_the_line(clock: Clock) -> None:
    progress, stream = live_progress(clock, total=None, read=[0])

    def run() -> None:
        with progress:
            clock.now += 1.0
            progress.advance()
            raise RuntimeError("import failed")

    with pytest.raises(RuntimeError):
        run()

    assert stream.getvalue().endswith(CLEAR_LINE)


def test_off_a_terminal_nothing_is_shown_until_the_summary(clock: Clock) -> None:
    stream, out = io.StringIO(), io.StringIO()
    progress = Progress(total_bytes=100, bytes_read=lambda: 50, stream=stream, out=out, clock=clock, environ={})

    for _ in range(100):
        clock.now += 0.1
        progress.advance()
    progress.finish(inserted=90, updated=8, merged=2, rejected=0)

    assert stream.getvalue() == ""
    assert out.getvalue() == "read 100 records in 10s, 10/s; inserted 90; updated 8; merged 2; rejected 0\n"


def test_the_summary_counts_rows_by_kind_and_names_extra_facts(clock: Clock) -> None:
    out = io.StringIO()
    progress = Progress(stream=io.StringIO(), out=out, clock=clock, is_terminal=False, label="papers")
    clock.now += 90.0

    progress.finish(
        read=1_800_000,
        inserted={"papers": 1_000_000, "authors": 2_500_000, "authorships": 0},
        updated=0,
        rejected=3,
        skipped={"text_references": 727, "untitled_works": 3},
        rejects_file="works.rejects.jsonl",
    )

    assert out.getvalue() == (
        "read 1,800,000 papers in 1m30s, 20,000/s; inserted 2,500,000 authors, 1,000,000 papers; updated 0; "
        "merged 0; rejected 3; skipped 727 text_references, 3 untitled_works; rejects_file works.rejects.jsonl\n"
    )


def test_json_summary_is_one_json_object(clock: Clock) -> None:
    out = io.StringIO()
    progress = Progress(stream=io.StringIO(), out=out, clock=clock, is_terminal=False, as_json=True)
    progress.advance(500)
    clock.now += 2.0

    progress.finish(inserted={"papers": 400}, updated={"papers": 100}, merged=1, rejected=2)

    assert json.loads(out.getvalue()) == {
        "read": 500,
        "inserted": {"papers": 400},
        "updated": {"papers": 100},
        "merged": 1,
        "rejected": 2,
        "elapsed_seconds": 2.0,
        "records_per_second": 250.0,
    }
    assert out.getvalue().count("\n") == 1


@pytest.mark.parametrize(
    ("environ", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"CI": "true"}, True, False),
        ({"CI": "false"}, True, True),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_a_live_line_needs_a_terminal_outside_ci(environ: dict[str, str], tty: bool, expected: bool) -> None:
    stream = Terminal() if tty else io.StringIO()

    assert on_terminal(stream, environ) is expected


# Waiting for another import's lock

HOLDER = ImportLockHolder(
    backend_pid=777,
    application_name="scholargraph:4242",
    since=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2, seconds=5),
    held_for=dt.timedelta(minutes=2, seconds=5),
)


def test_a_wait_for_the_lock_is_the_live_line_until_the_progress_replaces_it(clock: Clock) -> None:
    read = [0]
    progress, stream = live_progress(clock, total=1000, read=read)

    progress.waiting_for(HOLDER)
    clock.now += 600.0  # waiting: nothing is read
    progress.advance(10)  # the lock taken, the first records read
    clock.now += 1.0
    read[0] = 500
    progress.advance(10)

    waited, running = frames(stream)
    assert HOLDER.since is not None
    since = HOLDER.since.astimezone()
    # A start on another day than today (this test run just after midnight) is shown with its date.
    started = (
        f"{since:%H:%M:%S}" if since.date() == dt.datetime.now().astimezone().date() else f"{since:%Y-%m-%d %H:%M:%S}"
    )
    assert waited == f"waiting for the import run by pid 4242 (started at {started}, 2m05s ago)"
    assert running.startswith("20 records | 20/s")  # the time spent waiting is not the import's


def test_the_summary_times_the_import_from_when_it_had_the_lock(clock: Clock) -> None:
    out = io.StringIO()
    progress = Progress(stream=io.StringIO(), out=out, clock=clock, is_terminal=False, as_json=True)
    progress.waiting_for(HOLDER)
    clock.now += 600.0  # waiting
    progress.advance(100)
    clock.now += 2.0

    assert progress.finish().elapsed == 2.0


def test_off_a_terminal_a_wait_for_the_lock_is_one_line(clock: Clock) -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream, out=io.StringIO(), clock=clock, is_terminal=False)

    progress.waiting_for(dataclasses.replace(HOLDER, application_name="psql", since=None, held_for=None))

    assert stream.getvalue() == "waiting for the import lock, held by psql (PostgreSQL backend pid 777)\n"
