"""Global ids: one opaque id per object, the same over GraphQL (`node(id:)`) and REST.

An id is the unpadded base64url of `Type:number` (Relay object identification). Clients must treat it
as opaque; the encoding is stable so that stored ids keep working.
"""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from api.errors import InvalidInputError

TypeName = Literal["Author", "Paper", "Institution"]
TYPE_NAMES: tuple[TypeName, ...] = ("Author", "Paper", "Institution")


def encode_id(type_name: TypeName, number: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{number}".encode()).decode().rstrip("=")


def decode_id(global_id: str) -> tuple[TypeName, int]:
    """The type and row number inside a global id; InvalidInputError if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode((global_id + "=" * (-len(global_id) % 4)).encode("ascii")).decode()
        type_name, _, number = raw.partition(":")
        row = int(number)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise InvalidInputError(f"{global_id[:60]!r} is not an id issued by this service") from error
    for known in TYPE_NAMES:
        if type_name == known and row > 0 and number == str(row):
            return known, row
    raise InvalidInputError(f"{global_id[:60]!r} is not an id issued by this service")


def decode_id_of(type_name: TypeName, global_id: str) -> int:
    """The row number of a global id that must name a `type_name`."""
    found, row = decode_id(global_id)
    if found != type_name:
        raise InvalidInputError(f"{global_id[:60]!r} is the id of a {found}, not of a {type_name}")
    return row
