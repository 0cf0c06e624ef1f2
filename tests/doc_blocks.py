"""Reading the docs' fenced blocks, for the tests that run them (test_doc_examples, test_docs_importing).

A document is prose and fenced blocks in turn. A block may carry a mark: an HTML comment on the line just
before its fence, `<!-- example: … -->`, which the tests read (each test says which marks it knows). A line
`<!-- examples: seed and citations -->` applies to every block after it in its document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
WITH_CITATIONS = "seed and citations"


@dataclass(frozen=True)
class Block:
    """One fenced block of a document."""

    doc: str
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    mark: str | None  # the `<!-- example: … -->` just above the fence
    with_citations: bool  # after `<!-- examples: seed and citations -->`

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclass(frozen=True)
class Prose:
    text: str


_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<language>[\w+-]*)\s*$")
_MARK = re.compile(r"^\s*<!--\s*example:\s*(?P<mark>.*?)\s*-->\s*$")
_SECTION_MARK = re.compile(r"^\s*<!--\s*examples:\s*(?P<mark>.*?)\s*-->\s*$")


def read_parts(path: Path) -> list[Block | Prose]:
    """The document as alternating prose and fenced blocks, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = path.relative_to(ROOT).as_posix()
    parts: list[Block | Prose] = []
    prose: list[str] = []
    with_citations = False
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            section = _SECTION_MARK.match(lines[index])
            with_citations = with_citations or (section is not None and section["mark"] == WITH_CITATIONS)
            prose.append(lines[index])
            index += 1
            continue
        end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == "```"), len(lines))
        indent = len(fence["indent"])
        before = [line for line in prose if line.strip()]
        mark = _MARK.match(before[-1]) if before else None
        parts.append(Prose("\n".join(prose)))
        prose = []
        text = "\n".join(line[indent:] for line in lines[index + 1 : end])
        language = fence["language"]
        parts.append(Block(doc, index + 1, language, text, mark["mark"] if mark else None, with_citations))
        index = end + 1
    parts.append(Prose("\n".join(prose)))
    return parts


def stray_marks(path: Path) -> list[str]:
    """Marks that are not on the line before a fence (so they would apply to nothing), and unknown ones."""
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = path.relative_to(ROOT).as_posix()
    found = []
    for number, line in enumerate(lines, 1):
        section = _SECTION_MARK.match(line)
        if section and section["mark"] != WITH_CITATIONS:
            found.append(f"{doc}:{number}: unknown `examples:` mark {section['mark']!r}")
        if not _MARK.match(line):
            continue
        following = next((later for later in lines[number:] if later.strip()), "")
        if not _FENCE.match(following):
            found.append(f"{doc}:{number}: an `example:` mark that no fenced block follows")
    return found


def commands(block: Block) -> list[str]:
    """The block's shell commands, continuation lines joined (in a console block, the `$ ` lines)."""
    lines = block.text.splitlines()
    if block.language == "console":
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    joined: list[str] = []
    pending = ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    return [command.strip() for command in joined if command.strip()]
