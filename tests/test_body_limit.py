"""Request bodies: one limit for GraphQL and REST, enforced while the body streams in, over real HTTP.

The service runs under uvicorn on a free port, and clients are raw sockets, because what matters here is
what only a real server and a real socket show: whether a body is read before it is refused (memory),
whether the refusal arrives before the body was sent (Content-Length, Expect: 100-continue), and whether
a client that sends its whole body before reading gets the 413 or a connection reset.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psutil
import pytest
from conftest import _admin as admin
from conftest import _with_database as with_database
from serving import LOCAL_HOST, ThreadedServer
from starlette.requests import Request
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.body_limit import BodyLimit
from api.errors import RequestTooLargeError
from api.settings import Settings

LIMIT = 1_000_000  # the default
TEN_MB = 10_000_000
KEEP_ALIVE_S = 1  # uvicorn closes an idle connection after this: shorter than a slow client's upload

GRAPHQL, BULK = "/graphql", "/v1/authors/metrics"
PATHS = [GRAPHQL, BULK]


@pytest.fixture(scope="module")
def service(server_url: str, template_database: str) -> Iterator[ThreadedServer]:
    """The service under uvicorn (its default limit), on a database of this module's own."""
    name = f"sg_body_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    server = ThreadedServer(
        create_app(Settings(database_url=with_database(server_url, name))), timeout_keep_alive=KEEP_ALIVE_S
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        asyncio.run(admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Answer:
    status: int | None  # None: no response (reset, or nothing within the timeout)
    headers: dict[str, str]
    body: bytes
    sent: int  # bytes of the body the client managed to send
    failure: str | None  # what the socket said, if it failed

    def json(self) -> Any:
        return json.loads(self.body)


def _headers(path: str, *, length: int | None, chunked: bool, expect: bool, close: bool) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: test", "Content-Type: application/json", "Accept: application/json"]
    if close:
        lines.append("Connection: close")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif length is not None:
        lines.append(f"Content-Length: {length}")
    if expect:
        lines.append("Expect: 100-continue")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_response(sock: socket.socket, timeout: float) -> tuple[int | None, dict[str, str], bytes, str | None]:
    """One response (skipping a 100 Continue, which is reported as status 100 if nothing follows)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            head, separator, rest = data.partition(b"\r\n\r\n")
            if separator:
                status_line, *header_lines = head.decode("latin-1").split("\r\n")
                status = int(status_line.split()[1])
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
                if status == 100 and rest:
                    data = rest
                    continue
                length = int(headers.get("content-length", "-1"))
                if status == 100 or len(rest) >= length:
                    return status, headers, rest[:length], None
            chunk = sock.recv(65536)
            if not chunk:
                return None, {}, data, "the server closed the connection without a response"
            data += chunk
    except OSError as error:  # a reset, a timeout
        return None, {}, data, repr(error)


def post_raw(
    port: int,
    path: str,
    size: int,
    *,
    chunked: bool = False,
    declared: int | None = None,
    expect: bool = False,
    send_body: bool = True,
    close: bool = False,
    seconds: float = 0.0,
    timeout: float = 30.0,
) -> Answer:
    """POST `size` bytes of body in 64 KiB pieces (spread over `seconds`), the whole body before reading
    the response, as most clients do; then read the response."""
    sock = socket.create_connection((LOCAL_HOST, port))
    sent, failure = 0, None
    try:
        length = size if declared is None else declared
        sock.sendall(_headers(path, length=length, chunked=chunked, expect=expect, close=close))
        piece = b'{"ids": ["' + b"x" * 65_526  # 64 KiB, the start of a JSON document that never ends
        pause = seconds / max(1, size // len(piece))
        try:
            while send_body and sent < size:
                data = piece[: min(len(piece), size - sent)]
                sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                sent += len(data)
                if pause:
                    time.sleep(pause)
            if send_body and chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError as error:
            failure = f"sending failed after {sent:,} bytes: {error!r}"
        status, headers, body, read_failure = _read_response(sock, timeout)
        return Answer(status, headers, body, sent, failure or read_failure)
    finally:
        sock.close()


def assert_refused_naming_the_limit(answer: Answer, path: str, limit: int = LIMIT) -> None:
    assert answer.status == 413, answer
    assert answer.headers["content-type"].startswith("application/json"), answer
    message = f"the request body is larger than the limit of {limit:,} bytes"
    if path == GRAPHQL:
        assert answer.json() == {"errors": [{"message": message, "extensions": {"code": "REQUEST_TOO_LARGE"}}]}
    else:
        assert answer.json() == {"error": {"code": "request_too_large", "message": message}}


# The whole body sent before reading ------------------------------------------------------------------------


@pytest.mark.parametrize("close", [False, True], ids=["keep-alive", "connection-close"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", PATHS)
def test_a_client_sending_10_mb_whole_gets_the_413_not_a_reset(
    service: ThreadedServer, path: str, chunked: bool, close: bool
) -> None:
    # Spread over 2.5 s, longer than the server's keep-alive timeout. A client that will not reuse the
    # connection (`Connection: close`, as Python's urllib sends) has it closed as soon as the response is
    # finished: if that were before the body was read, the close would reset the connection under it.
    answer = post_raw(service.port, path, TEN_MB, chunked=chunked, close=close, seconds=2.5)
    assert answer.failure is None, answer
    assert answer.sent == TEN_MB
    assert_refused_naming_the_limit(answer, path)


@pytest.mark.parametrize("path", PATHS)
def test_a_body_declared_too_large_is_refused_before_it_is_sent(service: ThreadedServer, path: str) -> None:
    answer = post_raw(service.port, path, 300_000_000, send_body=False, timeout=5)
    assert_refused_naming_the_limit(answer, path)


@pytest.mark.parametrize("path", PATHS)
def test_expect_100_continue_gets_the_413_instead_of_an_invitation_to_send(service: ThreadedServer, path: str) -> None:
    answer = post_raw(service.port, path, TEN_MB, expect=True, send_body=False, timeout=5)
    assert_refused_naming_the_limit(answer, path)  # not 100 Continue
    assert answer.headers["connection"] == "close"  # the body it held back would otherwise come next


async def test_the_bytes_received_count_not_what_content_length_says() -> None:
    # uvicorn holds a client to its Content-Length; the limit does not rely on any server doing so.
    read: list[int] = []

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            read.append(len(await Request(scope, receive).body()))
        except RequestTooLargeError:
            read.append(-1)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    chunks = [{"type": "http.request", "body": b"x" * 65_536, "more_body": True} for _ in range(100)]
    messages = iter([*chunks, {"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> Message:
        return next(messages)

    async def send(message: Message) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", b"10")]}
    await BodyLimit(handler, max_bytes=LIMIT)(scope, receive, send)
    assert read == [-1]
    assert next(messages, None) is None  # and the rest was read (thrown away) before the response ended


def _get_raw(port: int, path: str, size: int) -> Answer:
    """GET with a chunked body of `size` bytes, sent whole before the response is read."""
    sock = socket.create_connection((LOCAL_HOST, port))
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        piece = b"x" * 65_536
        for _ in range(size // len(piece)):
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        sock.sendall(b"0\r\n\r\n")
        status, headers, body, failure = _read_response(sock, 10)
        return Answer(status, headers, body, size, failure)
    finally:
        sock.close()


@pytest.mark.parametrize("path", ["/static/graphiql/graphiql.min.css", "/healthz"])
def test_a_get_with_a_body_it_ignores_is_answered_as_without(service: ThreadedServer, path: str) -> None:
    # A file response reads the request's messages (to notice a disconnect) while it streams the file.
    answer = _get_raw(service.port, path, TEN_MB)
    assert answer.status == 200, answer
    assert answer.failure is None


# Memory --------------------------------------------------------------------------------------------------


def _peak_rss_while(action: Any) -> tuple[int, int, Any]:
    """RSS before `action`, the highest RSS seen while it ran (sampled every 10 ms), and its result."""
    process = psutil.Process()
    before = peak = process.memory_info().rss
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = action()
    finally:
        done.set()
        sampler.join()
    return before, max(peak, process.memory_info().rss), result


@pytest.mark.parametrize("path", PATHS)
def test_streaming_300_mb_does_not_grow_the_process(service: ThreadedServer, path: str) -> None:
    size = 300_000_000
    for declared in (None, size):  # chunked (the length known only at the end), and Content-Length
        before, peak, answer = _peak_rss_while(
            lambda declared=declared: post_raw(service.port, path, size, chunked=declared is None, timeout=60)
        )
        assert_refused_naming_the_limit(answer, path)
        grown_mb = (peak - before) / 1e6
        framing = "chunked" if declared is None else "content-length"
        print(f"{path} {framing}: RSS {before / 1e6:.0f} MB before, peak +{grown_mb:.1f} MB")
        assert grown_mb < 20, f"the process grew by {grown_mb:.0f} MB while {size / 1e6:.0f} MB streamed in"


# The setting ---------------------------------------------------------------------------------------------


@pytest.fixture
def small_limit(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=database_url, max_body_bytes=2_000))) as client:
        yield client


@pytest.mark.parametrize("path", PATHS)
def test_the_limit_is_the_setting(small_limit: TestClient, path: str) -> None:
    query = "{ authors(first: 1) { totalCount } }"
    fits = json.dumps({"query": query, "ids": []} if path == GRAPHQL else {"ids": ["QXV0aG9yOjE"]})
    within = fits[:-1] + ', "padding": "' + "x" * (2_000 - len(fits) - 15) + '"}'
    over = within[:-2] + 'x"}'
    assert len(within) == 2_000
    assert len(over) == 2_001
    headers = {"Content-Type": "application/json"}
    if path == GRAPHQL:
        assert small_limit.post(path, content=within, headers=headers).status_code == 200
    else:  # within the limit: read and parsed (and refused for its extra member, a 400 of its own)
        response = small_limit.post(path, content=within, headers=headers)
        assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_input")
    refused = small_limit.post(path, content=over, headers=headers)
    assert refused.status_code == 413
    assert "limit of 2,000 bytes" in refused.text
