"""The import guide's console examples that import the Crossref sample print what the import prints.

Each `$ … ingest crossref …` line of docs/importing.md runs through `api.cli.main` into a fresh database,
from a folder holding the sample at the path the line names; what it prints must be the lines the guide
shows after it (in a JSON summary, all but the timings).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from itertools import takewhile
from pathlib import Path

import pytest

from api.cli import main

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "importing.md"
SAMPLE = ROOT / "tests" / "fixtures" / "crossref-works-sample.jsonl"
TIMINGS = {"elapsed_seconds", "records_per_second"}


def crossref_examples() -> list[tuple[str, list[str]]]:
    """(command, the output lines shown after it) for every `$ … ingest crossref …` line of the guide."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL):
        lines = [line.strip() for line in block.splitlines()]  # blocks inside list items are indented
        for index, line in enumerate(lines):
            if line.startswith("$ ") and " ingest crossref " in line:
                shown = takewhile(lambda later: not later.startswith("$ "), lines[index + 1 :])
                examples.append((line[2:], [text for text in shown if text]))
    return examples


def comparable(line: str) -> object:
    """A printed line as compared: a JSON summary without its timings, any other line as it is."""
    try:
        summary = json.loads(line)
    except json.JSONDecodeError:
        return line
    return {key: value for key, value in summary.items() if key not in TIMINGS} if isinstance(summary, dict) else line


def test_the_guide_shows_the_crossref_sample_failing_and_skipping() -> None:
    commands = [command for command, _ in crossref_examples()]
    assert len(commands) >= 2
    assert any("--on-error skip" in command for command in commands)


@pytest.mark.parametrize(("command", "shown"), crossref_examples(), ids=lambda value: str(value)[:60])
def test_a_crossref_example_prints_what_the_import_prints(
    command: str,
    shown: list[str],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    words = shlex.split(command)
    assert words[0].endswith("scholargraph")
    assert words[1:3] == ["ingest", "crossref"]
    named = Path(words[3])
    assert named.name == SAMPLE.name, f"the example imports {named}, not the Crossref sample"
    (tmp_path / named).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE, tmp_path / named)
    monkeypatch.chdir(tmp_path)

    main([*words[1:], "--database-url", database_url])

    captured = capsys.readouterr()
    printed = [line for line in (captured.out + captured.err).splitlines() if line]
    assert [comparable(line) for line in printed] == [comparable(line) for line in shown]
