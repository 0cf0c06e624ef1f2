"""examples/README.md describes every example there is, and the files and folders it names exist."""

from __future__ import annotations

import re
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
README = (EXAMPLES / "README.md").read_text(encoding="utf-8")


def test_every_example_has_its_section() -> None:
    folders = sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir() and not path.name.startswith("."))
    assert folders == ["curl", "python-bulk-metrics", "typescript-profile"]
    assert [name for name in folders if f"## `{name}/`" not in README] == []


def test_the_files_it_names_exist() -> None:
    linked = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README)  # relative links, without their anchors
    run = re.findall(r"examples/[\w./-]+\.(?:sh|py)", README)  # the commands' scripts
    assert linked
    assert run
    assert [link for link in linked if not (EXAMPLES / link).exists()] == []
    assert [path for path in run if not (EXAMPLES.parent / path).is_file()] == []
