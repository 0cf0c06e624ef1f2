"""Decompressing a gzip stream so that damage costs only what it destroys.

Python's gzip module raises at a truncated or corrupt stream and drops what it had decompressed of the
last buffer it was filling, thousands of whole lines, so a reader could neither keep the lines before the
damage nor say where the damage is. `GunzipStream` decompresses with zlib itself and, at damage, first
hands over every byte that did decompress, then ends as if the file ended there; `damage` says what broke.

    stream = GunzipStream(raw)           # raw: the compressed bytes (a file, standard input)
    for line in io.BufferedReader(stream):
        ...
    if stream.damage is not None:        # the data ended early: truncated, or corrupt
        ...

A gzip file may hold several members (as `cat a.gz b.gz` makes): each is decompressed in turn, zero bytes
between or after them skipped, as gzip does. Each member's CRC-32 and length are checked at its end, so
corruption that deflate itself does not notice is found there, after the member's data was handed over.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from typing import IO, Any

GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib reads the gzip header and checks the trailer itself
_INPUT_PIECE = 64 * 1024  # compressed bytes read at a time: also what one replay after damage walks through

# zlib's messages, in words for a person.
_CAUSES = {
    "incorrect data check": "its CRC-32 checksum does not match the data (some lines before may be damaged too)",
    "incorrect length check": "its length field does not match the data (some lines before may be damaged too)",
    "incorrect header check": "the bytes there are not a gzip header",
    "unknown compression method": "the gzip header names an unknown compression method",
}


@dataclass(frozen=True)
class GzipDamage:
    """Why a gzip stream ended early: `truncated` (the input stops inside a member) or corrupt."""

    truncated: bool
    cause: str


class GunzipStream(io.RawIOBase):
    """The decompressed bytes of the gzip stream `source`; at damage, every byte that decompressed, then
    the end, with `damage` set."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self._source = source
        self._decompressor = zlib.decompressobj(_GZIP_WBITS)
        self._input = b""  # compressed bytes read but not yet given to the decompressor
        self._salvaged = b""  # what decompressed before damage, still to hand over
        self._between_members = False
        self._ended = False
        self.damage: GzipDamage | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._read(len(view))
        view[: len(data)] = data
        return len(data)

    def _read(self, size: int) -> bytes:
        while True:
            if self._salvaged:
                data, self._salvaged = self._salvaged[:size], self._salvaged[size:]
                return data
            if self._ended:
                return b""
            if self._between_members:
                self._start_next_member()
                continue
            if not self._input:
                self._input = self._source.read(_INPUT_PIECE)
                if not self._input:
                    self._end(GzipDamage(True, "the file ends before the gzip end-of-stream marker"))
                    continue
            data = self._decompress(size)
            if data:
                return data

    def _decompress(self, size: int) -> bytes:
        before = self._decompressor.copy()  # to replay the piece after damage, keeping what it decompressed
        try:
            data = self._decompressor.decompress(self._input, size)
        except zlib.error as error:
            self._salvaged = _replay(before, self._input)
            self._end(GzipDamage(False, _cause(error)))
            return b""
        if self._decompressor.eof:
            self._input = self._decompressor.unused_data
            self._between_members = True
        else:
            self._input = self._decompressor.unconsumed_tail
        return data

    def _start_next_member(self) -> None:
        """After a member's end: skip zero padding; at the file's end, stop; else the next member begins."""
        while True:
            self._input = self._input.lstrip(b"\x00")
            if len(self._input) >= len(GZIP_MAGIC):
                break
            more = self._source.read(_INPUT_PIECE)
            if not more:
                if self._input:
                    self._end(GzipDamage(False, "a stray byte follows the last gzip member"))
                else:
                    self._ended = True  # a clean end
                return
            self._input += more
        if not self._input.startswith(GZIP_MAGIC):
            self._end(GzipDamage(False, "bytes that are not gzip data follow a complete gzip member"))
            return
        self._decompressor = zlib.decompressobj(_GZIP_WBITS)
        self._between_members = False

    def _end(self, damage: GzipDamage) -> None:
        self.damage = damage
        self._ended = True
        self._input = b""


def _replay(decompressor: zlib._Decompress, data: bytes) -> bytes:
    """What `data` decompresses to up to the byte where zlib finds it invalid (fed one byte at a time)."""
    pieces: list[bytes] = []
    for start in range(len(data)):
        try:
            pieces.append(decompressor.decompress(data[start : start + 1]))
        except zlib.error:
            break
    return b"".join(pieces)


def _cause(error: zlib.error) -> str:
    message = str(error).rsplit(": ", 1)[-1]
    return _CAUSES.get(message, f"invalid compressed data ({message})")
