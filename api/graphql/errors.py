"""What a client sees of the errors raised while resolving fields, and what the log keeps of them.

Every error of a field carries a code in `extensions.code` (the REST API's `error.code`, in upper case):

    INVALID_INPUT          an argument is malformed (an id, a cursor, a filter); the message names it; for
                           the input of a write, `extensions.fields` lists each wrong field by its path
                           (`input.authors[1].author`) with what is wrong with it
    NOT_FOUND              a looked-up object does not exist
    DATABASE_UNAVAILABLE   the database cannot serve right now; retry (the response has `Retry-After`)
    INTERNAL_ERROR         anything else: the message is masked, the log has the real error

Errors about the request itself (syntax, validation, variables) have no path and are left as
graphql-core words them (the view adds REQUEST_TOO_LARGE to its 413). An outage is logged by the data
layer once (`api.db.outage`), not here per failed field; what we did not raise on purpose is logged here
with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.errors import (
    DatabaseNotReadyError,
    IdempotencyKeyReusedError,
    InvalidFieldsError,
    InvalidInputError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
)

logger = logging.getLogger("scholargraph.graphql")

DATABASE_UNAVAILABLE = DatabaseNotReadyError.code.upper()
INTERNAL_ERROR = "INTERNAL_ERROR"
UNAVAILABLE_MESSAGE = "The database is unavailable; retry shortly."
INTERNAL_MESSAGE = "Internal error: the request could not be completed."


def _is_field_error(error: GraphQLError) -> bool:
    """Raised by a resolver (not about the request as a whole, nor a GraphQLError of graphql-core's)."""
    original = error.original_error
    return error.path is not None and original is not None and not isinstance(original, GraphQLError)


_FOR_THE_CLIENT = (InvalidInputError, NotFoundError, PermissionDeniedError, OverloadedError, IdempotencyKeyReusedError)
"""Raised on purpose, with a message written for the client."""


def public_error(error: GraphQLError) -> GraphQLError:
    """The error as a client may see it: with its code, and masked unless raised on purpose for clients."""
    if not _is_field_error(error):
        return error
    original = error.original_error
    extensions = dict(error.extensions or {})
    if isinstance(original, InvalidFieldsError):
        message, code = original.describe(camel=True, prefix=original.argument), original.code.upper()
        extensions["fields"] = original.fields(camel=True, prefix=original.argument)
    elif isinstance(original, _FOR_THE_CLIENT):
        message, code = error.message, original.code.upper()
    elif isinstance(original, DatabaseNotReadyError):
        message, code = UNAVAILABLE_MESSAGE, DATABASE_UNAVAILABLE
    else:
        message, code = INTERNAL_MESSAGE, INTERNAL_ERROR
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,  # nothing of the original reaches the response
        extensions={**extensions, "code": code},
    )


OVERLOADED = OverloadedError.code.upper()


def is_shed(errors: Sequence[GraphQLError]) -> bool:
    """Whether any of a result's (public) errors is a field shed because no connection came free."""
    return any((error.extensions or {}).get("code") == OVERLOADED for error in errors)


def has_outage(errors: Sequence[GraphQLError]) -> bool:
    """Whether any of a result's (public) errors is the database being unavailable."""
    return any((error.extensions or {}).get("code") == DATABASE_UNAVAILABLE for error in errors)


def item_error(error: Exception) -> Any:
    """`error` in place of one item of a list a resolver returns: graphql-core answers that item null (its
    type must be nullable) and reports the error at the item's path; the other items answer as usual."""
    return error


class PublicErrors(SchemaExtension):
    """Replaces each error of the result by its `public_error` once the operation has run (the schema's
    `process_errors` has logged the originals by then)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors: list[GraphQLError] | None = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [public_error(error) for error in errors]


def log_errors(errors: Sequence[GraphQLError]) -> None:
    """What the log keeps: our side's failures at ERROR with their traceback, a client's mistakes at DEBUG.
    The database being unavailable is left to the data layer, which logs an outage once."""
    for error in errors:
        original = error.original_error
        if not _is_field_error(error) or isinstance(original, _FOR_THE_CLIENT):
            logger.debug("request error: %s", error.message)
        elif not isinstance(original, DatabaseNotReadyError):
            logger.error("error while resolving %s", error.path, exc_info=original)
