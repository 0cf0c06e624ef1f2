"""The documentation is complete: every setting, every root field, every command is documented."""

from __future__ import annotations

import argparse
import re
from itertools import dropwhile
from pathlib import Path

from api.cli import build_parser
from api.db.authors import AuthorFilter, AuthorOrder, ordering_for
from api.graphql.schema import schema
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_every_setting_is_documented_under_its_environment_variable() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"SCHOLARGRAPH_{name.upper()}" not in text]
    assert missing == []


def test_every_setting_has_a_description_in_the_code() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_every_root_field_has_a_section_in_the_graphql_guide() -> None:
    text = (DOCS / "graphql.md").read_text(encoding="utf-8")
    root_fields = list(schema._schema.query_type.fields) if schema._schema.query_type else []
    assert root_fields, "the schema has no root fields"
    missing = [name for name in root_fields if f"### `{name}`" not in text]
    assert missing == []


def test_every_cli_command_is_documented() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *DOCS.glob("*.md")])
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands is not None
    missing = [name for name in commands if not re.search(rf"scholargraph {re.escape(name)}\b", text)]
    assert missing == []


def test_documents_the_readme_links_to_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(((?:docs|seeds)/[^)#]+)\)", readme)
    assert links
    assert [link for link in links if not (ROOT / link).exists()] == []


def _subcommands(*path: str) -> list[str]:
    parser = build_parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices)


def test_every_import_format_and_generator_has_its_place_in_the_import_guide() -> None:
    text = (DOCS / "importing.md").read_text(encoding="utf-8")
    formats = _subcommands("ingest")
    assert {"arxiv", "semanticscholar", "crossref", "openalex", "profile"} <= set(formats)
    missing = [f"ingest {name}" for name in formats if f"`ingest {name}`" not in text]
    missing += [f"generate {name}" for name in _subcommands("generate") if f"scholargraph generate {name}" not in text]
    assert missing == []


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but hyphens dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_import_guides_links_to_its_own_sections_resolve() -> None:
    text = (DOCS / "importing.md").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    anchors = {_slug(m) for m in re.findall(r"^#+ (.+)$", prose, flags=re.MULTILINE)}
    anchors |= set(re.findall(r'<a id="([^"]+)"></a>', prose))
    links = set(re.findall(r"\]\(#([^)]+)\)", prose))
    assert links
    assert sorted(links - anchors) == []


# What the guide calls each sort key of the author orderings by figures.
_SORT_KEY_NAMES = {
    "coalesce(m.h_index, 0)": "computed h-index",
    "coalesce(m.citation_count, 0)": "computed citation count",
    "coalesce(m.paper_count, 0)": "computed paper count",
    "a.id": "id",
}


def test_the_graphql_guide_gives_the_author_orderings_tie_breaks_of_the_code() -> None:
    text = (DOCS / "graphql.md").read_text(encoding="utf-8")
    for order in (AuthorOrder.H_INDEX, AuthorOrder.CITATIONS, AuthorOrder.PAPER_COUNT):
        keys = [
            f"{_SORT_KEY_NAMES[key.expression]}, {'highest' if key.descending else 'lowest'} first"
            for key in ordering_for(order, AuthorFilter()).keys
        ]
        row = re.search(rf"^\| `{order.name}` \| ([^|]+) \|", text, flags=re.MULTILINE)
        assert row is not None, order.name
        stated = "; ties by ".join(keys[:2]) + "".join(f"; then by {key}" for key in keys[2:])
        assert row[1].startswith(stated), f"{order.name}: the guide says {row[1]!r}, the code orders by {stated!r}"


# The dump formats whose records can lack the date of their reported figures, which `--as-of` gives
# (api/ingest/run.py passes it to the Semantic Scholar reader only).
_READ_AS_OF = {"semanticscholar"}


def _section(text: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    body = text[text.index(heading) + len(heading) :]
    following = re.search(rf"^#{{1,{level}}} ", body, flags=re.MULTILINE)
    return heading + (body[: following.start()] if following else body)


def test_each_dump_format_of_the_import_guide_shows_its_command() -> None:
    text = (DOCS / "importing.md").read_text(encoding="utf-8")
    missing = []
    for name in sorted(set(_subcommands("ingest")) - {"profile"}):
        heading = next(line for line in text.splitlines() if line.startswith(f"#### `ingest {name}`"))
        blocks = re.findall(r"```sh\n(.*?)```", _section(text, heading), flags=re.DOTALL)
        commands = [line for block in blocks for line in block.splitlines() if f"scholargraph ingest {name} " in line]
        if not commands:
            missing.append(f"ingest {name}: no command")
        elif name in _READ_AS_OF and not any("--as-of " in command for command in commands):
            missing.append(f"ingest {name}: no --as-of")
    assert missing == []


# The console scripts `scripts/install` puts in .venv/bin (and `python`, which only the venv has for sure).
_VENV_COMMANDS = {"scholargraph", "python", "pytest", "pip", "alembic", "uvicorn", "ruff", "mypy"}


def _shell_commands(text: str) -> list[str]:
    """The commands of a document's ```sh and ```console blocks (console: the `$ ` lines), continuation
    lines joined, each split into its simple commands (at pipes, `&&`, `;` and `$(`)."""
    found = []
    for language, block in re.findall(r"^\s*```(sh|console)\n(.*?)^\s*```", text, flags=re.DOTALL | re.MULTILINE):
        lines = [line.strip() for line in block.splitlines()]
        if language == "console":
            lines = [line[2:] for line in lines if line.startswith("$ ")]
        for line in re.sub(r"\\\n", " ", "\n".join(lines)).splitlines():
            found += [simple.strip() for simple in re.split(r"\|\||&&|[|;]|\$\(", line) if simple.strip()]
    return found


def _prose_commands(text: str) -> list[str]:
    """Inline code in the prose, except in headings (they name a command), in quoted output of the program
    (its messages say `scholargraph migrate`) and in the Docker section (the image has the command on its
    PATH)."""
    found = []
    in_docker = False
    prose = re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.DOTALL | re.MULTILINE)
    for paragraph in re.split(r"\n\s*\n", prose):
        lines = paragraph.strip().splitlines()
        while lines and lines[0].startswith("#"):
            if lines[0].startswith("## "):
                in_docker = "Docker" in lines[0]
            lines = lines[1:]
        text_only = "\n".join(lines)
        for span in re.finditer(r"`([^`]+)`", text_only):
            quoted = text_only[: span.start()].count('"') % 2 == 1
            if not (in_docker or quoted or "error:" in span[1]):
                found.append(span[1])
    return found


def test_commands_in_the_docs_run_as_written_after_the_quick_start() -> None:
    bare = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for command in [*_shell_commands(text), *_prose_commands(text)]:
            words = list(dropwhile(lambda word: re.match(r"^\w+=", word), command.split()))  # VAR=value first
            if words and words[0].strip("\"'") in _VENV_COMMANDS and len(words) > 1:
                bare.append(f"{path.name}: {command}")
    assert bare == [], "the quick start installs these in .venv/bin: write .venv/bin/NAME"
