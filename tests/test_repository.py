"""Nothing in the repository belongs to one machine: no tracked file names a folder of the machine it was
written on (a checkout, a home folder, a scratch folder), nor a folder beside the checkout."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()  # it spells the patterns out

# Absolute paths that exist on one machine only. Not preceded by a word character, a dot or a hyphen, so
# that URLs (`journals.sagepub.com/home/…`) and other folders' subfolders do not count. Allowed:
# /home/scholargraph (the Docker image's user), /home/you (the docs' stand-in for the reader's home) and
# /tmp/scholargraph-<hash>/ (where the embedded server puts a socket whose path would be too long).
MACHINE_PATHS = re.compile(
    r"(?<![\w.~-])(?:"
    r"/work/|/root/|/Users/|/var/folders/|/private/(?:tmp|var)/"
    r"|/home/(?!scholargraph\b|you/)[\w.-]+"
    r"|/tmp/(?!scholargraph-<hash>/)[\w.-]+"
    r"|[A-Za-z]:\\Users\\"
    r")"
)

# A folder beside the checkout. Only CI reaches for one: it checks the service against the shared
# contract, which it expects there (.ci/run, scripts/contract).
BESIDE = re.compile(r"\.\./shared\b")
MAY_LOOK_BESIDE = {".ci/run", "scripts/contract"}


def tracked_text_files() -> dict[str, str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    files = {}
    for name in filter(None, listed.decode().split("\0")):
        path = ROOT / name
        if name == THIS or not path.is_file():
            continue
        try:
            files[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text
    return files


def _found(pattern: re.Pattern[str], files: dict[str, str]) -> list[str]:
    return [
        f"{name}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
        for name, text in files.items()
        for match in pattern.finditer(text)
    ]


def test_no_tracked_file_names_a_folder_of_one_machine() -> None:
    assert _found(MACHINE_PATHS, tracked_text_files()) == []


def test_only_ci_looks_for_folders_beside_the_checkout() -> None:
    files = {name: text for name, text in tracked_text_files().items() if name not in MAY_LOOK_BESIDE}
    assert _found(BESIDE, files) == []


def test_the_patterns_find_what_they_are_for() -> None:
    leaks = [
        "/work/main/.venv/bin/scholargraph",
        "/tmp/scholargraph-bench/openalex-works-100000-seed42-v1.jsonl.gz",  # noqa: S108
        "/root/.cache/x",
        "(see /home/alice/notes)",
        "C:\\Users\\alice",
    ]
    fine = [
        "/var/lib/scholargraph",
        "/usr/bin/chromium",
        "https://journals.sagepub.com/home/bir",
        "--home-dir /home/scholargraph",
        "host=/home/you/.local/share/scholargraph/run",
        "`/tmp/scholargraph-<hash>/`",
        "bench/cache/openalex-works-1000-seed42-v1.jsonl.gz",
    ]
    assert [text for text in leaks if not MACHINE_PATHS.search(text)] == []
    assert [text for text in fine if MACHINE_PATHS.search(text)] == []
