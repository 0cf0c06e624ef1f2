"""Telling a file of the wrong format from a file with bad records.

Under `--on-error skip` a file of another format (a Crossref dump given to `ingest openalex`, a CSV file,
a binary) would be imported as nothing: every record rejected, exit status 0. `FormatCheck` watches each
file's records as they are read and stops the import instead, with one line naming the file and the
probable cause, when a file is of the wrong format:

    more than 90% of its first 1,000 records rejected (of all its records, for a shorter file)

so also a file none of whose records was accepted. Damage (a truncated gzip stream, a cut last line) is
not counted: a damaged file is not of another format. A record the reader recognised but left out (not
a paper, incomplete) counts as accepted. The import being one transaction, nothing is written.

Under `--on-error fail` the first bad record stops the import anyway; when it is the first record of its
file, its error gains the likely cause (`… : it looks like a Crossref work: is it a Crossref file?`).

What a record looks like is guessed from its keys (`guess`), cheaply, from the record that was rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from api.errors import DamagedInputError, IngestError, InputFormatError
from api.ingest.reading import is_csv_name

SAMPLE = 1000
"""The records of a file judged at most: the verdict is given once this many are read, or at its end."""
MAX_REJECTED_SHARE = 0.9
"""A file more of whose judged records than this were rejected is taken for one of another format."""

# What a guess names: a record, records, the source, and the import command's format.
_WHAT = {
    "arxiv": "an arXiv metadata record",
    "crossref": "a Crossref work",
    "openalex": "an OpenAlex work or author",
    "merged_ids": "a row of OpenAlex merged ids",
    "semanticscholar": "a Semantic Scholar paper or author",
}
_WHAT_PLURAL = {
    "arxiv": "arXiv metadata records",
    "crossref": "Crossref works",
    "openalex": "OpenAlex works or authors",
    "merged_ids": "rows of OpenAlex merged ids",
    "semanticscholar": "Semantic Scholar papers or authors",
}
_SOURCE = {
    "arxiv": "an arXiv",
    "crossref": "a Crossref",
    "openalex": "an OpenAlex",
    "merged_ids": "an OpenAlex",
    "semanticscholar": "a Semantic Scholar",
}
_FORMAT = {"merged_ids": "openalex"}  # the import command of a guess, when it is not the guess itself
_OPENALEX_ID = re.compile(r"(?:https?://openalex\.org/)?[WAISCPFTKV]\d+", re.ASCII)
_MERGED_IDS_ROW = re.compile(
    rb'[-0-9"]*,\s*"?(?:https?://openalex\.org/)?[WA]\d+"?\s*,\s*"?(?:https?://openalex\.org/)?[WA]\d+"?\s*'
)
_S2_KEYS = frozenset({"paperId", "authorId", "corpusid", "authorid", "citingPaper", "citedPaper"})
_OPENALEX_KEYS = frozenset({"authorships", "abstract_inverted_index", "referenced_works", "display_name_alternatives"})
_CROSSREF_KEYS = frozenset({"type", "member", "prefix", "container-title", "is-referenced-by-count", "agency"})


def guess(raw: bytes) -> str | None:
    """What the text of one record looks like: a format's name, `merged_ids` (OpenAlex's CSV rows),
    `binary`, `csv`, `text` (not JSON), or None (JSON of no known shape)."""
    if b"\x00" in raw:
        return "binary"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        stripped = raw.strip()
        if stripped[:1] in (b"{", b"["):
            return None  # JSON cut short or malformed: no telling
        if _MERGED_IDS_ROW.fullmatch(stripped):
            return "merged_ids"  # a row of OpenAlex's merged_ids files
        return "csv" if stripped.count(b",") >= 2 or b"\t" in stripped else "text"
    return _format_of(value)


def _format_of(value: object) -> str | None:
    if isinstance(value, list):
        return _format_of(value[0]) if value else None
    if not isinstance(value, dict):
        return None
    keys = value.keys()
    if "merge_into_id" in keys:
        return "merged_ids"
    if "message-type" in keys or ("DOI" in keys and keys & _CROSSREF_KEYS):
        return "crossref"
    if keys & _S2_KEYS:
        return "semanticscholar"
    if "authors_parsed" in keys or ("versions" in keys and "categories" in keys):
        return "arxiv"
    identifier = value.get("id")
    if keys & _OPENALEX_KEYS or (isinstance(identifier, str) and _OPENALEX_ID.fullmatch(identifier)):
        return "openalex"
    data = value.get("data")
    return _format_of(data) if isinstance(data, list) else None


def _cause(format_name: str, guessed: str | None, *, many: bool) -> str | None:
    """Why the records (`many`) or the record of a file are not of `format_name`, when the guess says;
    None when it does not."""
    if guessed in _SOURCE and _FORMAT.get(guessed, guessed) != format_name:
        looks = f"they look like {_WHAT_PLURAL[guessed]}" if many else f"it looks like {_WHAT[guessed]}"
        command = _FORMAT.get(guessed, guessed)
        return f"{looks}: is it {_SOURCE[guessed]} file? (`scholargraph ingest {command}`)"
    if guessed == "binary":
        return "the file looks binary (a NUL byte, or bytes that are not UTF-8), not JSON text"
    if guessed == "csv":
        return "the file looks like CSV, not JSON lines"
    if guessed == "text":
        return "the file is text but not JSON"
    return None


@dataclass
class _File:
    path: str
    accepted: int = 0
    rejected: int = 0
    judged: bool = False
    first: tuple[InputFormatError, bytes] | None = None  # the first rejected record, for the verdict


class FormatCheck:
    """Per input file, counts the records the format's reader accepted and those rejected, and stops the
    import (IngestError) when a file looks like one of another format; see the module."""

    def __init__(self, format_name: str, *, failing: bool, rejects_path: str | None = None) -> None:
        self.format_name = format_name
        self.failing = failing  # under `fail`: no verdict, the first bad record stops the import anyway
        self.rejects_path = rejects_path  # named in the verdict, where the rejected records can be read
        self._file: _File | None = None
        self._last_accepted: tuple[str, int] | None = None

    def accepted(self, path: str, line: int) -> None:
        """The reader took the record at `path:line` (or recognised it and left it out)."""
        current = self._switch(path)
        current.accepted += 1
        self._last_accepted = (path, line)
        self._judge_at_sample(current)

    def rejected(self, error: InputFormatError, record: bytes) -> None:
        """A record is rejected (called before the error policy acts on it). Under `fail`, a file's first
        record that looks like another format raises its error with the likely cause."""
        current = self._switch(error.path)
        if isinstance(error, DamagedInputError) or (error.path, error.line) == self._last_accepted:
            return  # damage is not a format; a record the reader took, then the writer refused, was read
        if self.failing:
            # A CSV file is read as OpenAlex merged ids (by its name): its bad row is a CSV row, not a hint.
            if current.accepted == 0 and not (self.format_name == "openalex" and is_csv_name(error.path)):
                cause = _cause(self.format_name, guess(record), many=False)
                if cause is not None:
                    raise InputFormatError(error.path, error.line, f"{error.reason}; {cause}") from error
            return
        current.rejected += 1
        if current.first is None:
            current.first = (error, record)
        self._judge_at_sample(current)

    def finish(self) -> None:
        """After the last record: the verdict on the last file."""
        if self._file is not None:
            self._judge(self._file)

    def _switch(self, path: str) -> _File:
        if self._file is None or self._file.path != path:
            if self._file is not None:
                self._judge(self._file)
            self._file = _File(path)
        return self._file

    def _judge_at_sample(self, current: _File) -> None:
        if current.accepted + current.rejected == SAMPLE:
            self._judge(current)

    def _judge(self, current: _File) -> None:
        if current.judged:
            return
        current.judged = True
        count = current.accepted + current.rejected
        if not current.rejected or current.rejected <= MAX_REJECTED_SHARE * count or current.first is None:
            return
        error, record = current.first
        guessed = guess(record)
        cause = _cause(self.format_name, guessed, many=count > 1)
        if cause is None:
            cause = f"the first, line {error.line}: {error.reason}"
        where = f" (rejected records: {self.rejects_path})" if self.rejects_path else ""
        raise IngestError(f"{current.path}: {self._found(current, guessed)}: {cause}; nothing was imported{where}")

    def _found(self, current: _File, guessed: str | None) -> str:
        """What was found in a file taken for one of another format: `none of its 300 records is …`."""
        count = current.accepted + current.rejected
        its = f"its first {count:,}" if count == SAMPLE else f"its {count:,}"
        if guessed in ("binary", "csv", "text"):
            unit, what = "line", "JSON"
        else:
            unit, what = "record", _WHAT.get(self.format_name, "a record of this format")
        if current.accepted:
            return f"{current.rejected:,} of {its} {unit}s were rejected (more than 90%)"
        if _FORMAT.get(guessed or "", guessed) == self.format_name:
            return f"the one {unit} read from it is malformed" if count == 1 else f"all {its} {unit}s are malformed"
        return f"the one {unit} read from it is not {what}" if count == 1 else f"none of {its} {unit}s is {what}"
