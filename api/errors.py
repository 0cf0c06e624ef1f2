"""Every error Scholar Graph raises on purpose, in one hierarchy.

    ScholarGraphError                 base: catch this to catch anything of ours
    ├── ConfigurationError            a setting is missing, malformed or contradictory
    ├── EmbeddedServerError           the bundled PostgreSQL could not be set up, started, kept up or stopped
    ├── ServeError                    the HTTP server could not listen on its address
    ├── DatabaseNotReadyError         the database is unreachable or not migrated to the code's head
    │   └── DatabaseUnreachableError  it cannot be reached: down, restarting, refusing connections
    ├── OverloadedError               every database connection stayed busy too long: the request is shed
    ├── NotFoundError                 a looked-up object does not exist
    ├── MovedError                    a looked-up object was merged into another (REST answers 301)
    ├── InvalidInputError             a request argument is malformed (a cursor, an id, a limit)
    │   ├── InvalidFieldsError        fields of a write's input are wrong: each named by its path
    │   ├── CheckDigitError           an id well formed but for its check digit (an ORCID iD with a typo)
    │   └── QueryTooCostlyError       a request would cost more than any one request may
    ├── IdempotencyKeyReusedError     an Idempotency-Key sent again with a different request (422)
    ├── RateLimitedError              a client is over its limits: `too_fast` or `budget_spent` (429)
    ├── AuthenticationError           an API key is unknown or revoked (401)
    │   └── KeyRequiredError          the service requires a key and the request has none (401)
    ├── PermissionDeniedError         the request's key (or its lack of one) may not do this (403)
    ├── RequestTooLargeError          a request body is larger than the service accepts
    └── IngestError                   an import failed; nothing was written
        └── InputFormatError          a record in an input file is malformed: names file, line, reason
            └── DamagedInputError     an input cannot be read past a line (truncated, or corrupt gzip data)

Messages are written for the person who will read them: they say what was wrong and, where it helps,
what to do. They never carry SQL, stack traces or other internals to an HTTP client.

The errors a client can meet carry a `code`, the one stable name of what went wrong that both APIs
answer with: REST as `error.code`, GraphQL in upper case as `extensions.code` (GraphQL servers' custom).
Clients branch on the code, never on the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


class ScholarGraphError(Exception):
    """Base class of every error Scholar Graph raises on purpose."""


class ConfigurationError(ScholarGraphError):
    """A setting is missing, malformed or contradictory."""


class EmbeddedServerError(ScholarGraphError):
    """The bundled PostgreSQL server could not be initialised, started, restarted or stopped."""


class ServeError(ScholarGraphError):
    """The HTTP server could not listen on its address (taken, or not one of this machine's)."""


class DatabaseNotReadyError(ScholarGraphError):
    """The database cannot serve: unreachable, or its schema is not at the code's migration head.

    Both are worth a retry later, so clients see one code for them."""

    code: ClassVar[str] = "database_unavailable"


class DatabaseUnreachableError(DatabaseNotReadyError):
    """The database cannot be reached: stopped, restarting, recovering, or refusing connections."""


class OverloadedError(ScholarGraphError):
    """No database connection came free within the pool timeout: the request is shed (503), so that a
    burst beyond what the database can take queues for a bounded time and never piles up without end."""

    code: ClassVar[str] = "overloaded"


class NotFoundError(ScholarGraphError):
    """A looked-up object does not exist."""

    code: ClassVar[str] = "not_found"


class MovedError(ScholarGraphError):
    """An object asked for by an id that was merged into another: `location` is where it lives now."""

    code: ClassVar[str] = "moved"

    def __init__(self, location: str) -> None:
        self.location = location
        super().__init__(f"merged into another; now at {location}")


class InvalidInputError(ScholarGraphError):
    """A request argument is malformed: a cursor, a global id, a page size out of range."""

    code: ClassVar[str] = "invalid_input"


Path = tuple[str | int, ...]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field of an input, and where: `path` from the input's top, as the REST body
    spells its members (`("authors", 2, "author")`)."""

    path: Path
    message: str

    def field(self, *, camel: bool = False, prefix: str = "") -> str:
        """The path as written in a message: `authors[2].author` (REST), `input.authors[2].author` (GraphQL)."""
        text = prefix
        for part in self.path:
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += ("." if text else "") + (_camel(part) if camel else part)
        return text or "body"


class InvalidFieldsError(InvalidInputError):
    """A write's input is wrong in one or more fields; `problems` names each by its path, all at once, so a
    client can show every one beside its field. Nothing was written."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        self.argument = ""
        """The GraphQL argument the paths start in (`input`), set by the mutation that met the error."""
        super().__init__(self.describe())

    def describe(self, *, camel: bool = False, prefix: str = "") -> str:
        count = len(self.problems)
        listed = "; ".join(f"`{p.field(camel=camel, prefix=prefix)}`: {p.message}" for p in self.problems)
        return f"{count} field{'s' if count > 1 else ''} of the input {'are' if count > 1 else 'is'} wrong: {listed}"

    def fields(self, *, camel: bool = False, prefix: str = "") -> list[dict[str, str]]:
        return [{"field": p.field(camel=camel, prefix=prefix), "message": p.message} for p in self.problems]


class IdempotencyKeyReusedError(ScholarGraphError):
    """An `Idempotency-Key` already used by this client for a different request (another method, path or
    body): refused, since answering with the first request's outcome would answer a question not asked."""

    code: ClassVar[str] = "idempotency_key_reused"


class RequestTooLargeError(ScholarGraphError):
    """A request body is larger than the limit; the message names the limit."""

    code: ClassVar[str] = "request_too_large"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the request body is larger than the limit of {limit:,} bytes")


class QueryTooCostlyError(InvalidInputError):
    """A request whose cost (`api.limits.cost`) is above the most any one request may cost. Refused before
    any SQL runs; asking for smaller pages is the way through, so a retry of the same request never is."""

    code: ClassVar[str] = "query_too_costly"

    def __init__(self, cost: int, limit: int) -> None:
        self.cost = cost
        self.limit = limit
        super().__init__(
            f"this request would cost {cost:,} points, above the limit of {limit:,} per request; "
            "ask for smaller pages (`first`) or fewer nested lists"
        )


class RateLimitedError(ScholarGraphError):
    """A client over one of its limits. `code` tells which: `too_fast` (requests per second: slow down) or
    `budget_spent` (the cost budget of the window is spent: wait for the next one). `retry_after` is the
    wait in seconds before the same request could pass."""

    TOO_FAST: ClassVar[str] = "too_fast"
    BUDGET_SPENT: ClassVar[str] = "budget_spent"

    def __init__(self, code: str, retry_after: float, message: str) -> None:
        self.code = code
        self.retry_after = retry_after
        super().__init__(message)


class AuthenticationError(ScholarGraphError):
    """The request's API key is unknown or revoked."""

    code: ClassVar[str] = "invalid_key"


class KeyRequiredError(AuthenticationError):
    """The service is configured to answer only requests that carry an API key."""

    code: ClassVar[str] = "key_required"


class PermissionDeniedError(ScholarGraphError):
    """What the request asks needs a key with a scope it does not have (or a key, when it has none)."""

    code: ClassVar[str] = "forbidden"


class CheckDigitError(InvalidInputError):
    """An id that is well formed but whose check digit does not match: a typo or a corruption. It names no
    one, or someone else, so it is never used; importers leave it out of a record they otherwise read."""


class IngestError(ScholarGraphError):
    """An import failed as a whole; the database is left as it was before the import."""


class InputFormatError(IngestError):
    """A record of an input file is malformed. Carries the file, the 1-based line and the reason."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(f"{path}:{line}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # made again from its fields: it crosses from the reading process to the writer (pickled)
        return (type(self), (self.path, self.line, self.reason))


class DamagedInputError(InputFormatError):
    """An input cannot be read past a line: a gzip stream cut short or corrupt, or a file whose last line
    is cut off. `line` is the first line not read whole; `record` what there is of it (often nothing)."""

    def __init__(self, path: str, line: int, reason: str, *, record: bytes = b"") -> None:
        super().__init__(path, line, reason)
        self.record = record

    def __reduce__(self) -> tuple[Any, ...]:
        return (_damaged, (type(self), self.path, self.line, self.reason, self.record))


def _damaged(kind: type[DamagedInputError], path: str, line: int, reason: str, record: bytes) -> DamagedInputError:
    return kind(path, line, reason, record=record)
