"""SQL statements counted on the wire: a PostgreSQL protocol proxy between a system and the server.

The server this benchmark was written on does not load pg_stat_statements (`shared_preload_libraries`
is empty, and loading it means restarting a server others use), so statements are counted where every
client must send them: each `Execute` message of the extended protocol (asyncpg, node-postgres) is one
statement, and each statement of a simple `Query` message is one. The proxy reads what the client sends
and passes every byte on unchanged; it refuses TLS and GSS encryption itself (answering `N`, as a server
without them does), so that the stream stays readable; clients then carry on in the clear, as they do
with such a server. It only serves the correctness check (requests one at a time, so the count between
two answers is one request's); timed runs connect to the server directly.

Statements are tallied by kind: `query` (SELECT, WITH, ...), `transaction` (BEGIN, COMMIT, ...),
`session` (SET, RESET, set_config, ...), and `reset` for the statements asyncpg's pool sends when a
connection is given back (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import struct
import threading
from collections import Counter

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104
CANCEL_REQUEST = 80877102

_TRANSACTION = re.compile(r"^(begin|start\s+transaction|commit|end|rollback|savepoint|release|abort)\b", re.I)
_SESSION = re.compile(r"^(set|reset|discard|show)\b|^select\s+(set_config|pg_catalog\.set_config)\s*\(", re.I)
_RESET = re.compile(r"^(select\s+pg_advisory_unlock_all\s*\(\s*\)|close\s+all|unlisten\s+\*|reset\s+all)", re.I)


def kind_of(statement: str) -> str:
    """The kind a statement is tallied under."""
    text = statement.strip().lstrip("(").strip()
    if _RESET.match(text):
        return "reset"
    if _TRANSACTION.match(text):
        return "transaction"
    if _SESSION.match(text):
        return "session"
    return "query"


def split_simple_query(text: str) -> list[str]:
    """The statements of a simple Query message. A plain split on `;`: the statements clients send this
    way (transaction control, the pool's reset) hold no semicolon inside a literal."""
    return [part.strip() for part in text.split(";") if part.strip()]


def _cstring(payload: bytes, start: int) -> tuple[str, int]:
    end = payload.index(b"\0", start)
    return payload[start:end].decode("utf-8", "replace"), end + 1


class FrontendParser:
    """Reads the client's side of one connection. `feed(data)` returns the bytes to pass to the server
    and the bytes to answer the client with (the refusal of encryption); statements go to `tally`."""

    def __init__(self, tally: Counter[str]) -> None:
        self.tally = tally
        self._buffer = b""
        self._started = False
        self._statements: dict[str, str] = {}  # prepared statement name -> its SQL
        self._portals: dict[str, str] = {}  # portal name -> prepared statement name

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        self._buffer += data
        forward = b""
        answer = b""
        while True:
            if not self._started:
                if len(self._buffer) < 8:
                    break
                length, code = struct.unpack("!ii", self._buffer[:8])
                if code in (SSL_REQUEST, GSS_REQUEST):
                    self._buffer = self._buffer[8:]
                    answer += b"N"
                    continue
                if len(self._buffer) < length:
                    break
                forward += self._buffer[:length]
                self._buffer = self._buffer[length:]
                self._started = code != CANCEL_REQUEST
                if not self._started:
                    forward += self._buffer
                    self._buffer = b""
                    break
                continue
            if len(self._buffer) < 5:
                break
            kind = self._buffer[:1]
            (length,) = struct.unpack("!i", self._buffer[1:5])
            if len(self._buffer) < 1 + length:
                break
            payload = self._buffer[5 : 1 + length]
            forward += self._buffer[: 1 + length]
            self._buffer = self._buffer[1 + length :]
            self._message(kind, payload)
        return forward, answer

    def _message(self, kind: bytes, payload: bytes) -> None:
        if kind == b"Q":
            text, _ = _cstring(payload, 0)
            for statement in split_simple_query(text):
                self.tally[kind_of(statement)] += 1
        elif kind == b"P":
            name, at = _cstring(payload, 0)
            self._statements[name], _ = _cstring(payload, at)
        elif kind == b"B":
            portal, at = _cstring(payload, 0)
            self._portals[portal], _ = _cstring(payload, at)
        elif kind == b"E":
            portal, _ = _cstring(payload, 0)
            sql = self._statements.get(self._portals.get(portal, ""), "")
            self.tally[kind_of(sql)] += 1


class WireProxy:
    """A proxy on 127.0.0.1 (an ephemeral port) to `upstream`, counting statements, in a thread of its own.

    with WireProxy("127.0.0.1", 5432) as proxy:
        before = proxy.counts()  # ... a request ...
        after = proxy.counts()
    """

    def __init__(self, host: str, port: int, *, unix_socket: str | None = None) -> None:
        self.upstream = (host, port)
        self.unix_socket = unix_socket  # the server's socket file, if reached through one (host and port unused)
        self.port = 0
        self._tally: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._tally)

    def __enter__(self) -> WireProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = future.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            if self.unix_socket is not None:
                server_reader, server_writer = await asyncio.open_unix_connection(self.unix_socket)
            else:
                server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        tally: Counter[str] = Counter()
        parser = FrontendParser(tally)

        async def from_client() -> None:
            while data := await client_reader.read(65536):
                forward, answer = parser.feed(data)
                if tally:
                    with self._lock:
                        self._tally.update(tally)
                    tally.clear()
                if answer:
                    client_writer.write(answer)
                    await client_writer.drain()
                if forward:
                    server_writer.write(forward)
                    await server_writer.drain()

        async def from_server() -> None:
            while data := await server_reader.read(65536):
                client_writer.write(data)
                await client_writer.drain()

        try:
            pending = [asyncio.ensure_future(from_client()), asyncio.ensure_future(from_server())]
            _, still = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in still:
                task.cancel()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            for writer in (client_writer, server_writer):
                with contextlib.suppress(Exception):
                    writer.close()
