"""Reading import inputs: files, gzip files, folders of parts and standard input, in constant memory.

    resolve_inputs(paths) -> list[InputFile]     every path checked and expanded before anything is read
    iter_inputs(paths) -> Iterator[InputFile]    the same, one at a time
    InputFile.lines() -> Iterator[Line]          the non-blank lines of one input, numbered from 1
    iter_json_records(paths, rejects=...)        every JSON value (or merged-ids CSV row) of every input,
                                                 with its file and line
    read_json_document(path) -> JsonRecord       one file that holds one JSON document
    JsonReader(paths, rejects=..., typed=...)    iter_json_records with byte counts for a progress display

`rejects` (api/ingest/rejects.py) is the error policy; without it the first malformed record raises.

`typed` is a format's reader of raw lines (api/ingest/openalex_typed.py): tried on each line of JSON lines
(the first excepted) before the line is decoded, it returns the records of a line it reads completely, as
`Parsed` in the record's `value`, or None, and the line is then decoded as any other.

A path is a plain file, a gzip file (recognised by its magic bytes, whatever its name), a folder (every
regular file below it, in path order, CSV files last; hidden files and the `manifest` and `_SUCCESS` files
of snapshot folders skipped), or `-` for standard input (bytes, plain or gzip).

One input holds either JSON lines (a dump: one value per line, blank lines allowed) or one JSON document
(an API response, often pretty-printed over many lines). Which one is decided by reading: if the first
non-blank line is a whole JSON value, the input is JSON lines; if it is not, and it opens an object or an
array, the input is read as one document (up to `DOCUMENT_LIMIT` bytes). A one-line API response is then
simply JSON lines with one value, which comes to the same.

An input may also be an OpenAlex `merged_ids` file: CSV with the header `merge_date,id,merge_into_id`
(the snapshot's data/merged_ids/<entity>/*.csv.gz). It is recognised by its name (`.csv`, `.csv.gz`, any
case) or, whatever its name (standard input too), by that header as its first line. Each row becomes a
record like a JSON line's, the object {"merge_date": …, "id": …, "merge_into_id": …} (a blank field is
null), at the row's line, so that the format's reader takes it like any record. A row that is not CSV or
has another number of fields is damage at its line; a header line met again (parts joined with `cat`) is
skipped; a file named .csv with another header is damage at line 1, and the rest of that file is not read.
In a folder the CSV files come after the others, so that merged ids follow the entities they name.

Damage is an `InputFormatError(path, line, reason)`: a line that is not UTF-8 or not JSON, a document that
does not parse. An input that cannot be read past a line is a `DamagedInputError`, naming the last line
read whole: a gzip stream that is truncated or corrupt (every line before the damage is read first, see
api/ingest/gunzip.py), or a file whose last line, without its line break, is a JSON value cut off. What
happens to damage is the error policy's business (`Rejects`): under `fail` it is raised at once; under
`skip` it is written to the reject file and reading goes on (after stream damage, with the next input:
the rest of that file cannot be read). A path that does not exist or cannot be opened is an
`IngestError` under either policy.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any

import orjson

from api.errors import DamagedInputError, IngestError, InputFormatError
from api.ingest.gunzip import GZIP_MAGIC, GunzipStream, GzipDamage
from api.ingest.model import Read
from api.ingest.rejects import STDIN, ErrorPolicy, Rejects

STDIN_NAME = "<stdin>"
SKIPPED_NAMES = frozenset({"manifest", "_SUCCESS"})
DOCUMENT_LIMIT = 128 * 1024 * 1024
"""The largest input read whole as one JSON document; past it the input is taken as JSON lines."""
_READ_BUFFER = 1024 * 1024
MERGED_IDS_HEADER = ("merge_date", "id", "merge_into_id")
"""The columns of OpenAlex's merged_ids CSV files, in order."""
CSV_SUFFIXES = (".csv", ".csv.gz")
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank line of an input, without its line break; `number` counts from 1, blank lines too.
    `ended` is False for a last line without a line break (whole, or cut off with the file)."""

    path: str
    number: int
    data: bytes
    ended: bool = True


@dataclass(frozen=True, slots=True)
class JsonRecord:
    """One decoded JSON value: a line of JSON lines, or a whole document (at the line where it starts); or
    a row of a merged-ids CSV file, as an object of its three columns."""

    path: str
    line: int
    value: Any
    raw: bytes  # the text it was decoded from, for a reject file

    def error(self, reason: str) -> InputFormatError:
        """The error naming this record, for a format module that cannot read its value."""
        return InputFormatError(self.path, self.line, reason)


TypedReader = Callable[[bytes], Read | None]
"""A format's reader of one raw line: its records, or None for a line the format's full reader must judge."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """A JsonRecord's value when a typed reader read its line: the records, with no JSON value in between."""

    records: Read


class _Counting(io.RawIOBase):
    """A raw stream over another binary stream that counts the bytes read from it."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self._source = source
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        readinto = getattr(self._source, "readinto", None)
        if readinto is not None:
            n = readinto(view) or 0
        else:
            data = self._source.read(len(view)) or b""
            n = len(data)
            view[:n] = data
        self.count += n
        return int(n)


class InputFile:
    """One file to read (or standard input). Opened only while its lines are read."""

    def __init__(self, path: str, *, size: int | None) -> None:
        self.path = path  # the name errors and rejects give: the file's path, or <stdin>
        self.size = size  # bytes on disk (compressed, for a gzip file); None for standard input
        self._counter: _Counting | None = None
        self._done = 0

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN_NAME

    @property
    def bytes_read(self) -> int:
        """Bytes taken from the file so far (compressed bytes, for a gzip file)."""
        return self._counter.count if self._counter is not None else self._done

    def __repr__(self) -> str:
        return f"InputFile({self.path!r}, size={self.size!r})"

    def lines(self) -> Generator[Line, None, None]:
        """The non-blank lines, decompressed if need be. A gzip stream that ends early (truncated or corrupt)
        yields every line it holds whole, then raises DamagedInputError at the first line it does not."""
        number = 0
        try:
            with self._open_raw() as raw:
                counter = self._counter = _Counting(raw)
                buffered = io.BufferedReader(counter, _READ_BUFFER)
                gunzip = GunzipStream(buffered) if buffered.peek(2)[:2] == GZIP_MAGIC else None
                stream: IO[bytes] = io.BufferedReader(gunzip, _READ_BUFFER) if gunzip is not None else buffered
                path = self.path
                for text in stream:
                    number += 1
                    ended = text.endswith(b"\n")
                    if not ended and gunzip is not None and gunzip.damage is not None:
                        raise _stream_damage(path, number - 1, gunzip.damage, cut=text)
                    data = text.rstrip(b"\r\n")
                    if data and not data.isspace():
                        yield Line(path, number, data, ended)
                if gunzip is not None and gunzip.damage is not None:
                    raise _stream_damage(path, number, gunzip.damage, cut=b"")
        except OSError as error:
            raise IngestError(f"{self.path}: cannot read: {error.strerror or error}") from error
        finally:
            if self._counter is not None:
                self._done = self._counter.count
                self._counter = None

    def _open_raw(self) -> AbstractContextManager[IO[bytes]]:
        if self.is_stdin:
            return nullcontext(sys.stdin.buffer)  # read, never closed
        return open(self.path, "rb", buffering=0)


def resolve_inputs(paths: Sequence[str]) -> list[InputFile]:
    """Every input the paths name, in order; IngestError for a path that is missing or holds no file."""
    if not paths:
        raise IngestError("no input given: name files, folders, or - for standard input")
    inputs: list[InputFile] = []
    for given in paths:
        if given == STDIN:
            inputs.append(InputFile(STDIN_NAME, size=None))
            continue
        path = Path(given)
        if path.is_dir():
            parts = _parts_of(path)
            if not parts:
                raise IngestError(f"{given}: the folder holds no input file")
            inputs.extend(InputFile(str(part), size=part.stat().st_size) for part in parts)
        elif path.is_file():
            inputs.append(InputFile(given, size=path.stat().st_size))
        elif path.exists():
            raise IngestError(f"{given}: not a regular file or folder")
        else:
            raise IngestError(f"{given}: no such file or folder")
    return inputs


def iter_inputs(paths: Sequence[str]) -> Iterator[InputFile]:
    """The inputs the paths name (all paths are checked before the first is yielded)."""
    return iter(resolve_inputs(paths))


def _parts_of(folder: Path) -> list[Path]:
    parts: list[tuple[tuple[str, ...], Path]] = []
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        for name in files:
            if name.startswith(".") or name in SKIPPED_NAMES:
                continue
            path = Path(directory, name)
            if path.is_file():
                parts.append((path.relative_to(folder).parts, path))
    parts.sort(key=lambda part: (is_csv_name(part[1].name), part[0]))
    return [path for _, path in parts]


def is_csv_name(name: str) -> bool:
    """Whether a file name says CSV (`.csv` or `.csv.gz`, any case)."""
    return name.lower().endswith(CSV_SUFFIXES)


class JsonReader:
    """The JSON records of every input in order, with the byte counts a progress display needs.

    `rejects` carries the error policy; without it the first malformed record raises.
    """

    def __init__(
        self, paths: Sequence[str], *, rejects: Rejects | None = None, typed: TypedReader | None = None
    ) -> None:
        self.inputs = resolve_inputs(paths)
        self.rejects = rejects
        self.typed = typed
        sizes = [source.size for source in self.inputs]
        self.total_bytes: int | None = None if None in sizes else sum(size or 0 for size in sizes)
        self._finished_bytes = 0
        self._current: InputFile | None = None

    @property
    def bytes_read(self) -> int:
        """Bytes taken from the inputs so far (compressed bytes, for gzip files)."""
        current = self._current.bytes_read if self._current is not None else 0
        return self._finished_bytes + current

    def __iter__(self) -> Iterator[JsonRecord]:
        self._finished_bytes = 0
        for source in self.inputs:
            self._current = source
            try:
                yield from _records_of(source, self.rejects, self.typed)
            except DamagedInputError as error:
                if self.rejects is None or self.rejects.policy is ErrorPolicy.FAIL:
                    raise
                # Under skip, only stream damage gets here: the rest of this input cannot be read.
                self.rejects.reject(error, error.record)
            finally:
                self._finished_bytes += source.bytes_read
                self._current = None


def iter_json_records(paths: Sequence[str], *, rejects: Rejects | None = None) -> Iterator[JsonRecord]:
    """Every JSON value of every input, with its file and line; malformed ones go to `rejects`."""
    return iter(JsonReader(paths, rejects=rejects))


def read_json_document(path: str) -> JsonRecord:
    """A file (plain or gzip, or `-`) that holds exactly one JSON document, decoded whole."""
    (source,) = resolve_inputs([path])
    buffered = list(source.lines())
    if not buffered:
        raise InputFormatError(source.path, 1, "the file is empty: expected a JSON document")
    text = _join(buffered)
    value, error = _decode(source.path, buffered[0].number, text, ended=buffered[-1].ended)
    if error is not None:
        raise error
    return JsonRecord(source.path, buffered[0].number, value, text)


def _records_of(source: InputFile, rejects: Rejects | None, typed: TypedReader | None) -> Iterator[JsonRecord]:
    lines = source.lines()
    try:
        yield from _records_in(source, lines, rejects, typed)
    finally:
        lines.close()  # the file is closed at once when an error stops the reading, not when collected


def _records_in(
    source: InputFile, lines: Iterator[Line], rejects: Rejects | None, typed: TypedReader | None
) -> Iterator[JsonRecord]:
    first = next(lines, None)
    if first is None:
        return
    if is_csv_name(source.path) or _is_merged_ids_header(first.data):
        yield from _merged_ids_rows(first, lines, rejects)
        return
    value, error = _decode(source.path, first.number, first.data)
    if error is None:
        yield JsonRecord(first.path, first.number, value, first.data)
        yield from _decode_lines(lines, rejects, typed)
        return
    if first.data.lstrip()[:1] not in (b"{", b"["):
        yield from _decode_lines(chain([first], lines), rejects, typed)
        return
    # The first line opens an object or array it does not close: one document over many lines, unless
    # the input is too big to be one, or the lines after it are JSON values of their own.
    buffered = [first]
    size = len(first.data)
    for line in lines:
        buffered.append(line)
        size += len(line.data) + 1
        if size > DOCUMENT_LIMIT:
            yield from _decode_lines(chain(buffered, lines), rejects, typed)
            return
    text = _join(buffered)
    value, error = _decode(source.path, first.number, text, ended=buffered[-1].ended)
    if error is None:
        yield JsonRecord(source.path, first.number, value, text)
    elif _looks_like_json_lines(buffered[1:]):
        yield from _decode_lines(iter(buffered), rejects, typed)
    else:
        _reject(rejects, error, text)


def _csv_fields(data: bytes) -> tuple[str, ...]:
    """The fields of one line of CSV, stripped; ValueError saying why when the line is not one."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        raise ValueError(f"not valid UTF-8 (byte 0x{data[bad.start]:02x} at column {bad.start + 1})") from None
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as error:
        raise ValueError(f"not a CSV row: {error}") from None
    return tuple(field.strip() for row in rows for field in row)


def _is_merged_ids_header(data: bytes) -> bool:
    try:
        return b"merge_into_id" in data and _csv_fields(data) == MERGED_IDS_HEADER
    except ValueError:
        return False


def _merged_ids_rows(header: Line, lines: Iterator[Line], rejects: Rejects | None) -> Iterator[JsonRecord]:
    """The rows of a merged_ids CSV file as records: {"merge_date", "id", "merge_into_id"} objects."""
    expected = ",".join(MERGED_IDS_HEADER)
    if not _is_merged_ids_header(header.data):
        shown = header.data[:80].decode("utf-8", "backslashreplace")
        reason = (
            f"a CSV file, but not OpenAlex merged ids: the header is {shown!r}, expected {expected!r} "
            "(the rest of the file is not read)"
        )
        _reject(rejects, InputFormatError(header.path, header.number, reason), header.data)
        return
    width = len(MERGED_IDS_HEADER)
    for line in lines:
        try:
            fields = _csv_fields(line.data)
        except ValueError as error:
            _reject(rejects, InputFormatError(line.path, line.number, str(error)), line.data)
            continue
        if fields == MERGED_IDS_HEADER:
            continue  # the header again: parts joined into one stream
        if len(fields) != width:
            reason = f"expected {width} fields ({expected}), found {len(fields)}"
            _reject(rejects, InputFormatError(line.path, line.number, reason), line.data)
            continue
        value = {name: field or None for name, field in zip(MERGED_IDS_HEADER, fields, strict=True)}
        yield JsonRecord(line.path, line.number, value, line.data)


def _decode_lines(lines: Iterable[Line], rejects: Rejects | None, typed: TypedReader | None) -> Iterator[JsonRecord]:
    loads = orjson.loads
    for line in lines:
        if typed is not None:
            read = typed(line.data)
            if read is not None:
                yield JsonRecord(line.path, line.number, Parsed(read), line.data)
                continue
        try:
            value = loads(line.data)
        except orjson.JSONDecodeError:
            _, error = _decode(line.path, line.number, line.data, ended=line.ended)
            assert error is not None
            _reject(rejects, error, line.data)
            continue
        yield JsonRecord(line.path, line.number, value, line.data)


def _decode(path: str, first_line: int, text: bytes, *, ended: bool = True) -> tuple[Any, InputFormatError | None]:
    """The value `text` holds, or the error naming where (`first_line` is the line `text` starts on).
    `ended`: whether the file has a line break after `text`; without one, JSON cut off at its end is the
    file cut off (a DamagedInputError)."""
    try:
        return orjson.loads(text), None
    except orjson.JSONDecodeError as error:
        decode_error = error
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as bad:
        before = text[: bad.start]
        line = first_line + before.count(b"\n")
        column = bad.start - (before.rfind(b"\n") + 1) + 1
        byte = text[bad.start]
        return None, InputFormatError(path, line, f"not valid UTF-8 (byte 0x{byte:02x} at column {column})")
    line = first_line + decode_error.lineno - 1
    if not ended and decode_error.pos >= len(text):
        cut = f"line {line}" if line == first_line else f"the JSON document that starts on line {first_line}"
        reason = (
            f"the file ends early {_after(line - 1)} (it is probably truncated): {cut} is cut off "
            f"(not valid JSON: {decode_error.msg} at column {decode_error.colno})"
        )
        return None, DamagedInputError(path, line, reason, record=text)
    return None, InputFormatError(path, line, f"not valid JSON: {decode_error.msg} (column {decode_error.colno})")


def _stream_damage(path: str, last_whole: int, damage: GzipDamage, *, cut: bytes) -> DamagedInputError:
    """The error for a gzip stream that ends early: after line `last_whole`, with `cut` of the next one."""
    if damage.truncated:
        lost = f"line {last_whole + 1} is cut off after {len(cut)} bytes" if cut else "the lines after it are lost"
        reason = f"the gzip stream ends early {_after(last_whole)} (the file is truncated): {lost}"
    else:
        reason = f"the gzip stream is corrupt {_after(last_whole)}: {damage.cause}; nothing after it can be read"
    return DamagedInputError(path, last_whole + 1, reason, record=cut)


def _after(line: int) -> str:
    return f"after line {line}" if line else "before the end of line 1"


def _join(lines: list[Line]) -> bytes:
    """The lines as one text again, blank lines restored so that error line numbers stay right."""
    pieces: list[bytes] = []
    previous = lines[0].number
    for line in lines:
        pieces.append(b"\n" * (line.number - previous))
        pieces.append(line.data)
        previous = line.number
    return b"".join(pieces)


def _looks_like_json_lines(rest: list[Line]) -> bool:
    """Whether one of the next few lines is a JSON object or array by itself (as in JSON lines)."""
    for line in rest[:5]:
        try:
            value = orjson.loads(line.data)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict | list):
            return True
    return False


def _reject(rejects: Rejects | None, error: InputFormatError, record: bytes) -> None:
    if rejects is None:
        raise error
    rejects.reject(error, record)
