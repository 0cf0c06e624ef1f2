"""The one limit on request bodies, for GraphQL and REST alike, enforced while the body streams in.

`BodyLimit` wraps the application (an ASGI middleware) and stands between every handler and the
request's body:

- A body that declares a Content-Length over the limit is refused when the handler first asks for it,
  before a byte of it is read.
- Otherwise the bytes are counted as they arrive, whatever Content-Length says or whether there is one
  (chunked): the read that takes the count over the limit fails. A handler thus never holds more than
  the limit plus one chunk of the server's (64 KiB with uvicorn), however large the body.
- Either way the handler's read raises `RequestTooLargeError`, which each API answers with 413 in its own
  error format.
- GET and HEAD are left alone: a body means nothing on them (RFC 9110) and no handler reads one, but a
  file response reads the request's messages while it streams, to notice a disconnect, and must not
  fail for a body it ignores. Such a body is never kept either.

Once a handler has answered without reading the whole body (a 413, or any early error), the rest of the
body is read and thrown away before the response is finished, for up to `LINGER_SECONDS`. A client that
sends its whole body before reading the response (most do, unless they send `Expect: 100-continue`) then
reads the 413 instead of a connection reset, which is what it gets when a server closes a socket with
unread data in it. Memory does not grow meanwhile: nothing is kept. A client that sent
`Expect: 100-continue` and was refused before its body was asked for has sent none: there is nothing to
read, and reading would invite it to send.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import RequestTooLargeError

LINGER_SECONDS = 30.0
"""The longest the unread rest of a refused body is read and thrown away before the response is finished
(as web servers' lingering close): long enough for a client on a slow link to send 10 MB, short enough
that a client sending forever cannot hold a connection open."""


class BodyLimit:
    """ASGI middleware: request bodies of at most `max_bytes`, counted as they stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _may_have_body(scope["headers"]):
            # Nothing to count or to read after the response: the request has no body (most GETs).
            await self.app(scope, receive, send)
            return
        body = _LimitedBody(scope, receive, self.max_bytes)
        await self.app(scope, body.receive, body.finishing_after_the_rest(send))


class _LimitedBody:
    """One request's body, read through the limit."""

    def __init__(self, scope: Scope, receive: Receive, max_bytes: int) -> None:
        self._receive = receive
        self._max_bytes = max_bytes
        headers = dict(scope["headers"])
        self._limited = scope.get("method") not in ("GET", "HEAD")
        self._declared = _content_length(headers.get(b"content-length"))
        # HTTP/1.1: a request has a body when it declares a length or a transfer coding (chunked).
        self._has_body = bool(self._declared) or b"transfer-encoding" in headers
        self._waits_for_continue = headers.get(b"expect", b"").lower() == b"100-continue"
        self._asked = False  # whether the server was asked for the body (it then sends 100 Continue)
        self._received = 0
        self._ended = False  # the body was read to its end, or the client went away

    async def receive(self) -> Message:
        if self._limited and self._declared is not None and self._declared > self._max_bytes:
            raise RequestTooLargeError(self._max_bytes)
        message = await self._next()
        if self._limited and message["type"] == "http.request" and self._received > self._max_bytes:
            raise RequestTooLargeError(self._max_bytes)
        return message

    async def _next(self) -> Message:
        self._asked = True
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            self._ended = not message.get("more_body", False)
        else:  # http.disconnect
            self._ended = True
        return message

    def finishing_after_the_rest(self, send: Send) -> Send:
        """`send`, except that the end of the response waits until the rest of the body has been read."""

        async def send_then_read_the_rest(message: Message) -> None:
            if message["type"] == "http.response.start" and self._never_sent:
                # The client waits for 100 Continue and will not get it: the connection cannot be reused
                # (whether it will send its body now is its choice), so say it ends with this response.
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            if message["type"] != "http.response.body" or message.get("more_body", False) or not self._unread:
                await send(message)
                return
            await send({**message, "more_body": True})  # every byte of the response is on its way
            with anyio.move_on_after(LINGER_SECONDS):
                while not self._ended:
                    await self._next()  # thrown away
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        return send_then_read_the_rest

    @property
    def _never_sent(self) -> bool:
        """Whether the client holds its body back until invited (Expect: 100-continue), uninvited so far."""
        return self._has_body and self._waits_for_continue and not self._asked

    @property
    def _unread(self) -> bool:
        """Whether the client may still be sending a body nobody will read."""
        return self._has_body and not self._ended and not self._never_sent


def _content_length(value: bytes | None) -> int | None:
    """The declared length, if any (the server refuses a malformed one before the application runs)."""
    if value is None or not (value.strip().isascii() and value.strip().isdigit()):
        return None
    return int(value)


def _may_have_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request may have a body (HTTP/1.1: it declares a length other than 0, or a transfer
    coding); without one, `_LimitedBody` would change nothing."""
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False
