"""The import guide's console sessions run as written and print what the guide shows.

Each ```console block of docs/importing.md is a session: its `$` lines run one after the other in bash,
in a folder that holds the repository's `.venv` and `tests/` (as the repository's root does, where the
guide's commands are typed), on a fresh database (`SCHOLARGRAPH_DATABASE_URL`). What each line prints,
standard output and error, must be the lines the guide shows under it, timings aside. Marks (the HTML
comment on the line before a block's fence, see tests/doc_blocks.py):

- `<!-- example: file NAME -->` on a ```text block: the sessions after it find that text in the file NAME;
- `<!-- example: continues -->` on a ```console block: it goes on from the session before it, in the same
  folder and on the same database;
- `<!-- example: not run: REASON -->` on a ```console block: it is not run (kept to a few).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from doc_blocks import ROOT, Block, read_parts

GUIDE = ROOT / "docs" / "importing.md"
MAX_NOT_RUN = 2
TIMING_KEYS = {"elapsed_seconds", "records_per_second", "seconds", "works_per_second"}
# A number that is a duration or a rate in a text summary: `in 1.3s`, `742/s`, `0.3 s`, `3,895 works/s`.
_TIMING = re.compile(r"\d[\d,]*(?:\.\d+)?(?=\s?s\b|/s\b| works/s\b)")


@dataclass
class Session:
    blocks: list[Block]
    files: dict[str, str] = field(default_factory=dict)  # name: text, the `file` blocks before it

    @property
    def name(self) -> str:
        return self.blocks[0].where


def read_sessions() -> tuple[list[Session], list[Block]]:
    """The guide's console sessions in order, and the console blocks marked not run."""
    sessions: list[Session] = []
    not_run: list[Block] = []
    files: dict[str, str] = {}
    for part in read_parts(GUIDE):
        if not isinstance(part, Block):
            continue
        mark = part.mark or ""
        if part.language == "text" and mark.startswith("file "):
            files[mark.removeprefix("file ").strip()] = part.text + "\n"
        elif part.language != "console":
            continue
        elif mark.startswith("not run"):
            not_run.append(part)
        elif mark == "continues" and sessions:
            sessions[-1].blocks.append(part)
        else:
            sessions.append(Session([part], dict(files)))
    return sessions, not_run


SESSIONS, NOT_RUN = read_sessions()


def steps(block: Block) -> list[tuple[str, list[str]]]:
    """Each `$` line of a console block with the lines shown under it (blank lines left out)."""
    found: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif line.strip() and found:
            found[-1][1].append(line)
    return found


def comparable(line: str) -> object:
    """A printed line as compared: a JSON summary without its timings, a text line with them blanked."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return _TIMING.sub("#", line)
    return {key: item for key, item in value.items() if key not in TIMING_KEYS} if isinstance(value, dict) else value


def test_the_guide_has_its_sessions_and_runs_nearly_all() -> None:
    assert len(SESSIONS) >= 6
    assert len(NOT_RUN) <= MAX_NOT_RUN, [block.where for block in NOT_RUN]
    assert [block.where for block in NOT_RUN if len((block.mark or "").split()) < 5] == []  # a reason each


@pytest.mark.parametrize("session", SESSIONS, ids=lambda session: session.name)
def test_a_console_session_of_the_import_guide_prints_what_it_shows(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    for name in (".venv", "tests"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    for name, text in session.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    environment = {**os.environ, "SCHOLARGRAPH_DATABASE_URL": database_url}
    status = 0
    for block in session.blocks:
        for command, shown in steps(block):
            # `(exit N)` first, so that `$?` in the command is the status of the line before it.
            done = subprocess.run(
                ["bash", "-c", f"(exit {status}); {command}"],
                cwd=tmp_path,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
                check=False,
            )
            status = done.returncode
            printed = [line for line in done.stdout.splitlines() if line.strip()]
            assert [comparable(line) for line in printed] == [comparable(line) for line in shown], (
                f"{block.where}: $ {command}"
            )
