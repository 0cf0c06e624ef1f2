"""Typed access to the fields of decoded JSON records, for the source readers (arxiv, crossref,
semanticscholar, openalex).

Every helper is given the path of the value it reads (`citations[17].authors[2].name`, "" for the record
itself) and raises `RecordError` whose reason starts with that path, so that a rejected record says which
field is at fault:

    at("citations[17]", "title")   -> "citations[17].title"     at("", "title") -> "title"
    where("citations[17].title")   -> "citations[17].title: "   where("") -> ""

Two wordings of a value of the wrong type are in use, and kept, since readers' messages are relied on:
`wrong` ("authors: expected a list, got a string", the Semantic Scholar and OpenAlex readers) and
`unexpected` ("doi: expected a string, found the number 3", the arXiv and Crossref readers, which quote
the value).

The field readers (`text`, `items`, `count`, …) take the object, the key and the object's path; they read
null as absent and name the field as `at(path, key)` in their errors.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Literal, NoReturn

from api.errors import CheckDigitError, InvalidInputError
from api.ids import Kind, normalise_external_id, parse_external_id
from api.ingest.limits import MAX_COUNT
from api.ingest.model import INVALID_ORCIDS, OUT_OF_RANGE_FIGURES, AuthorId, PaperId, RecordError, Skipped

Obj = Mapping[str, object]
"""A decoded JSON object."""

# --- paths and the naming of values --------------------------------------------------------------------


def at(path: str, key: str) -> str:
    """The path of `key` inside the value at `path`: a member (`a.b`) or, for a key `[3]`, an item (`a[3]`)."""
    return f"{path}.{key}" if path and not key.startswith("[") else path + key


def where(path: str) -> str:
    """The start of an error reason about the value at `path`: `path: `, or nothing for the record itself."""
    return f"{path}: " if path else ""


def kind(value: object) -> str:
    """What kind of JSON value `value` is, as error messages name it: `a string`, `null`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def shown(value: object) -> str:
    """`kind`, quoting numbers and (the start of) strings: `the number 704.0001`, `the string 'abc'`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return kind(value)


def wrong(path: str, expected: str, value: object) -> NoReturn:
    """Refuse a value of the wrong type: `path: expected a list, got a string`."""
    raise RecordError(where(path) + f"expected {expected}, got {kind(value)}")


def unexpected(path: str, expected: str, value: object) -> NoReturn:
    """Refuse a value of the wrong type, quoting it: `path: expected a string, found the number 3`."""
    raise RecordError(where(path) + f"expected {expected}, found {shown(value)}")


# --- fields --------------------------------------------------------------------------------------------


def as_object(value: object, path: str, what: str) -> Obj:
    """`value` if it is a JSON object; else RecordError naming `what` was expected (`an author`)."""
    if not isinstance(value, dict):
        wrong(path, f"{what} (a JSON object)", value)
    return value


def optional_object(record: Obj, key: str, path: str) -> Obj | None:
    """An object field; None when absent or null."""
    value = record.get(key)
    return None if value is None else as_object(value, at(path, key), "an object")


def items(record: Obj, key: str, path: str) -> list[object]:
    """A list field's items, unchecked; none when absent or null."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        wrong(at(path, key), "a list", value)
    return value


def text(record: Obj, key: str, path: str) -> str | None:
    """A string field, stripped; None when absent, null or blank."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        wrong(at(path, key), "a string", value)
    return value.strip() or None


def texts(record: Obj, key: str, path: str) -> tuple[str, ...]:
    """A list of strings (or one string, as some id fields are written), stripped, blanks left out."""
    value = record.get(key)
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    found: list[str] = []
    for index, item in enumerate(items(record, key, path)):
        if not isinstance(item, str):
            wrong(at(path, f"{key}[{index}]"), "a string", item)
        if item.strip():
            found.append(item.strip())
    return tuple(found)


def names(record: Obj, key: str, path: str) -> tuple[str, ...]:
    """A list of names (`texts`), NFC."""
    return tuple(unicodedata.normalize("NFC", found) for found in texts(record, key, path))


def count(record: Obj, key: str, path: str) -> int | None:
    """A non-negative integer field; None when absent or null."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        wrong(at(path, key), "an integer", value)
    if value < 0:
        raise RecordError(where(at(path, key)) + f"{value} is negative")
    return value


def figure(record: Obj, key: str, path: str, left_out: list[Skipped]) -> int | None:
    """A count a source reports (citations, papers, an h-index): an integer; None when absent or null.

    One out of the range of counts (0 to MAX_COUNT) is read as absent too, and listed in `left_out`
    (OUT_OF_RANGE_FIGURES): a negative count is a slip of the source's, a larger one cannot be stored,
    and neither is a figure to show. A value of another type is malformed.
    """
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        wrong(at(path, key), "an integer", value)
    if not 0 <= value <= MAX_COUNT:
        reason = f"{value} is out of range (0 to {MAX_COUNT:,}): read as absent"
        left_out.append(Skipped(OUT_OF_RANGE_FIGURES, where(at(path, key)) + reason))
        return None
    return value


def decimal(record: Obj, key: str, path: str, left_out: list[Skipped]) -> Decimal | None:
    """A finite number a source reports (a mean) as a Decimal of its shortest written form
    (1.5295340589458237); None when absent or null, and when negative, listed in `left_out` as `figure`
    does. NaN and infinities are malformed (JSON has none)."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        wrong(at(path, key), "a number", value)
    try:
        number = Decimal(repr(value))
    except InvalidOperation as error:  # pragma: no cover - repr of an int or float is always a number
        raise RecordError(where(at(path, key)) + f"{value!r} is not a number") from error
    if not number.is_finite():
        raise RecordError(where(at(path, key)) + f"{value!r} is not a finite number")
    if number < 0:
        reason = f"{value!r} is out of range (0 or more): read as absent"
        left_out.append(Skipped(OUT_OF_RANGE_FIGURES, where(at(path, key)) + reason))
        return None
    return number


def identifier(record: Obj, key: str, path: str) -> str | None:
    """An id written as a string or a number (S2 corpus ids are numbers in the API, strings in the datasets)."""
    value = record.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text(record, key, path)


# --- external ids --------------------------------------------------------------------------------------

_URL = re.compile(r"https?://", re.IGNORECASE)
_RESOLVERS = {
    "doi": ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"),
    "orcid": ("https://orcid.org/", "http://orcid.org/"),
}


def external_id(entity: Kind, scheme: str, value: str) -> str:
    """The normalised value of an id of `scheme`, written as `normalise_external_id` takes it (bare, with its
    `scheme:` prefix or as its resolver URL); InvalidInputError with the reason if it is malformed.

    Unlike `normalise_external_id`, the common resolver prefixes are cut off without a URL parse (the hot
    path of a bulk import), and a URL of another scheme is refused as such ("… is a <scheme> URL, not a
    <scheme> id") rather than read as a malformed bare value.
    """
    if _URL.match(value):
        lowered = value[:24].lower()
        for prefix in _RESOLVERS.get(scheme, ()):
            if lowered.startswith(prefix) and "%" not in value:
                return parse_external_id(f"{scheme}:{value[len(prefix) :]}", entity).value
        written = parse_external_id(value, entity)
        if written.scheme != scheme:
            raise InvalidInputError(f"{value[:80]!r} is a {written.scheme} URL, not a {scheme} id")
        return written.value
    return normalise_external_id(entity, scheme, value).value


def paper_id(scheme: Literal["s2", "doi", "arxiv"], value: str, path: str) -> PaperId:
    """The paper id `value` (see `external_id`) read from the field at `path`; RecordError if malformed."""
    try:
        return PaperId(scheme, external_id("Paper", scheme, value))
    except InvalidInputError as error:
        raise RecordError(where(path) + str(error)) from error


def author_id(scheme: Literal["s2", "orcid"], value: str, path: str) -> AuthorId:
    """The author id `value` (see `external_id`) read from the field at `path`; RecordError if malformed."""
    try:
        return AuthorId(scheme, external_id("Author", scheme, value))
    except InvalidInputError as error:
        raise RecordError(where(path) + str(error)) from error


def orcid(value: str, path: str, left_out: list[Skipped]) -> AuthorId | None:
    """The ORCID iD `value` read from the field at `path`; RecordError if it is not one.

    One well formed but for its check digit is a typo (real dumps hold them): it names no one, or someone
    else, so it must never match an author. It is left out, listed in `left_out` (INVALID_ORCIDS), and
    None returned: the author is read without it.
    """
    try:
        return AuthorId("orcid", external_id("Author", "orcid", value))
    except CheckDigitError as error:
        left_out.append(Skipped(INVALID_ORCIDS, where(path) + f"{error}; the author is imported without it"))
        return None
    except InvalidInputError as error:
        raise RecordError(where(path) + str(error)) from error
