"""Ids: the service's own global ids, and the external ids accepted wherever an id is.

**Global ids.** One opaque id per object, the same over GraphQL (`node(id:)`) and REST: the unpadded
base64url of `Type:number` (Relay object identification). Clients must treat it as opaque; the encoding
is stable so that stored ids keep working.

**External ids** name authors and papers by the identifiers of other systems, written `scheme:value`
(the scheme is case-insensitive) or as the resolver URL the identifier is usually quoted as:

    scheme    names            written as                                         stored (normalised) as
    doi       papers           doi:10.1234/ABC, 10.1234/abc, https://doi.org/…    10.1234/abc (lower case)
    arxiv     papers           arxiv:2401.01234v2, arxiv:math.GT/0309136v1,       2401.01234, math/0309136
                               https://arxiv.org/abs/… (or /pdf/…)                (no version, no subject class)
    orcid     authors          orcid:0000000218250097, https://orcid.org/…        0000-0002-1825-0097
    openalex  papers, authors  openalex:w123 (works), openalex:A123 (authors),    W123, A123
                               https://openalex.org/W123
    s2        papers, authors  s2:<40-hex paper sha>, s2:<corpus id>,             lower-case sha, digits
                               s2:CorpusId:<corpus id>, s2:<author id>,
                               https://www.semanticscholar.org/paper|author/…

A text is an external id when it contains `:` or starts with `10.` (a bare DOI); a global id never does
(base64url has neither). Parsing is pure: whether an id names a stored object is the data layer's
question (`api.db.external_ids`). Every malformed id raises `InvalidInputError` with a message naming
the id and what is wrong with it (an ORCID iD's check digit is verified, ISO 7064 MOD 11-2: a wrong one
raises its subclass `CheckDigitError`).

`s2:<digits>` is the one ambiguous form: Semantic Scholar numbers authors and papers (corpus ids) in
overlapping ranges, so `external_id_candidates` offers both readings; `s2:CorpusId:<n>` and the
semanticscholar.org URLs are unambiguous.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from api.errors import CheckDigitError, InvalidInputError

TypeName = Literal["Author", "Paper", "Institution"]
TYPE_NAMES: tuple[TypeName, ...] = ("Author", "Paper", "Institution")

Kind = Literal["Author", "Paper"]
"""The types that external ids name."""
KINDS: tuple[Kind, ...] = ("Author", "Paper")

SCHEMES_OF: dict[Kind, tuple[str, ...]] = {
    "Author": ("orcid", "openalex", "s2"),
    "Paper": ("doi", "arxiv", "openalex", "s2"),
}
SCHEMES: tuple[str, ...] = ("arxiv", "doi", "openalex", "orcid", "s2")

MAX_ID_LENGTH = 400
"""Longer texts are refused before any parsing (real DOIs, the longest, stay far below)."""

_NOUN: dict[TypeName, str] = {"Author": "an author", "Paper": "a paper", "Institution": "an institution"}


def encode_id(type_name: TypeName, number: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{number}".encode()).decode().rstrip("=")


def _show(text: str) -> str:
    """The id as quoted in error messages: cut short, so a huge input does not make a huge message."""
    return repr(text[:80] + "…" if len(text) > 80 else text)


MAX_ROW_NUMBER = 2**63 - 1
"""Rows are numbered by bigint identities, from 1: a global id of a larger number was never issued."""


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def decode_id(global_id: str) -> tuple[TypeName, int]:
    """The type and row number inside a global id; InvalidInputError if it is not one of ours.

    Ours means exactly what `encode_id` writes for a row that can exist: a known type and a number from 1
    to bigint's largest, written without sign or leading zero. A number beyond bigint is malformed, like
    any other text we never issued, not an id that happens to name nothing.
    """
    if len(global_id) > MAX_ID_LENGTH:
        raise InvalidInputError(f"{_show(global_id)} is not an id issued by this service")
    try:
        # base64.urlsafe_b64decode's steps, inline: a batch look-up decodes up to 100 ids per request
        padded = global_id.encode("ascii").translate(_FROM_URLSAFE) + b"=" * (-len(global_id) % 4)
        raw = binascii.a2b_base64(padded).decode()
        type_name, _, number = raw.partition(":")
        row = int(number)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise InvalidInputError(f"{_show(global_id)} is not an id issued by this service") from error
    for known in TYPE_NAMES:
        if type_name == known and 0 < row <= MAX_ROW_NUMBER and number == str(row):
            return known, row
    raise InvalidInputError(f"{_show(global_id)} is not an id issued by this service")


def decode_id_of(type_name: TypeName, global_id: str) -> int:
    """The row number of a global id that must name a `type_name` (external ids are refused)."""
    if is_external(global_id):
        why = "institutions have no external ids" if type_name == "Institution" else "only global ids are taken here"
        raise InvalidInputError(f"{_show(global_id)} cannot name {_NOUN[type_name]}: {why}, use its global id")
    found, row = decode_id(global_id)
    if found != type_name:
        raise InvalidInputError(f"{_show(global_id)} is the id of {_NOUN[found]}, not of {_NOUN[type_name]}")
    return row


@dataclass(frozen=True)
class ExternalId:
    """An identifier another system gives an author or a paper, normalised as it is stored."""

    kind: Kind
    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def url(self) -> str:
        """The identifier's canonical resolver URL."""
        if self.scheme == "doi":
            return "https://doi.org/" + quote(self.value, safe="/:;()")
        if self.scheme == "arxiv":
            return f"https://arxiv.org/abs/{self.value}"
        if self.scheme == "orcid":
            return f"https://orcid.org/{self.value}"
        if self.scheme == "openalex":
            return f"https://openalex.org/{self.value}"
        if self.kind == "Author":
            return f"https://www.semanticscholar.org/author/{self.value}"
        if self.value.isdigit():
            return f"https://api.semanticscholar.org/CorpusID:{self.value}"
        return f"https://www.semanticscholar.org/paper/{self.value}"


def is_external(text: str) -> bool:
    """Whether `text` is written as an external id (`scheme:value`, a URL or a bare DOI), not a global id."""
    stripped = text.strip()
    return ":" in stripped or stripped.startswith("10.")


# --- splitting a text into scheme and raw value --------------------------------------------------------

_Split = tuple[str, str, tuple[Kind, ...]]
"""(scheme, raw value, the kinds the written form allows)."""


def _split_url(text: str) -> _Split:
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError as error:  # a malformed authority, e.g. an unclosed IPv6 bracket
        raise InvalidInputError(f"{_show(text)} is not a valid URL") from error
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if host in ("doi.org", "dx.doi.org"):
        return "doi", path.lstrip("/"), ("Paper",)
    if host in ("arxiv.org", "export.arxiv.org"):
        if len(segments) >= 2 and segments[0] in ("abs", "pdf"):
            return "arxiv", "/".join(segments[1:]).removesuffix(".pdf"), ("Paper",)
        raise InvalidInputError(f"{_show(text)} is not an arXiv abstract or PDF URL (https://arxiv.org/abs/…)")
    if host == "orcid.org":
        return "orcid", path.strip("/"), ("Author",)
    if host in ("openalex.org", "api.openalex.org"):
        if len(segments) == 1:
            return "openalex", segments[0], KINDS
        if len(segments) == 2 and segments[0] in ("works", "authors"):
            return "openalex", segments[1], ("Paper",) if segments[0] == "works" else ("Author",)
        raise InvalidInputError(f"{_show(text)} is not an OpenAlex work or author URL")
    if host == "semanticscholar.org" and len(segments) in (2, 3) and segments[0] in ("paper", "author"):
        return "s2", segments[-1], ("Paper",) if segments[0] == "paper" else ("Author",)
    if host == "api.semanticscholar.org" and len(segments) == 1 and segments[0].lower().startswith("corpusid:"):
        return "s2", segments[0], ("Paper",)
    raise InvalidInputError(
        f"{_show(text)} is not a URL of a known identifier "
        "(doi.org, arxiv.org, orcid.org, openalex.org, semanticscholar.org)"
    )


def _split(text: str) -> _Split:
    stripped = text.strip()
    if not stripped:
        raise InvalidInputError("an id must not be empty")
    if len(stripped) > MAX_ID_LENGTH:
        raise InvalidInputError(f"{_show(stripped)} is longer than {MAX_ID_LENGTH} characters")
    if re.match(r"(?i)https?://", stripped):
        return _split_url(stripped)
    if stripped.startswith("10."):
        return "doi", stripped, ("Paper",)
    scheme, colon, value = stripped.partition(":")
    scheme = scheme.lower()
    if not colon:
        raise InvalidInputError(f"{_show(stripped)} is neither a global id nor an external id (scheme:value)")
    if scheme not in SCHEMES:
        raise InvalidInputError(
            f"{_show(stripped)} has an unknown id scheme {scheme[:20]!r} (known: {', '.join(SCHEMES)})"
        )
    return scheme, value.strip(), tuple(k for k in KINDS if scheme in SCHEMES_OF[k])


# --- normalising a value per scheme --------------------------------------------------------------------

# ASCII: `\d` must not match other scripts' digits.
_DOI = re.compile(r"10\.\d{4,9}(?:\.\d+)*/[^\s\x00-\x1f\x7f]+", re.ASCII)
_ARXIV_NEW = re.compile(r"(\d{2})(\d{2})\.(\d{4,5})(?:v\d+)?", re.ASCII)
_ARXIV_OLD = re.compile(r"([a-z]+(?:-[a-z]+)?)(?:\.[a-z]{2})?/(\d{2})(\d{2})(\d{3})(?:v\d+)?", re.IGNORECASE | re.ASCII)
_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])", re.IGNORECASE | re.ASCII)
_OPENALEX = re.compile(r"([WA])(\d{1,15})", re.IGNORECASE | re.ASCII)
_S2_SHA = re.compile(r"[0-9a-f]{40}", re.IGNORECASE | re.ASCII)
_S2_NUMBER = re.compile(r"(?:corpusid:)?(\d{1,18})", re.IGNORECASE | re.ASCII)


def orcid_check_digit(base_digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def _doi(value: str, shown: str) -> str:
    if not _DOI.fullmatch(value):
        raise InvalidInputError(f"{shown} is not a DOI (expected 10.<registrant>/<suffix>, e.g. 10.1234/abc)")
    return value.lower()


def _arxiv(value: str, shown: str) -> str:
    new = _ARXIV_NEW.fullmatch(value)
    if new:
        year_month, number = int(new[1] + new[2]), new[3]
        if not 1 <= int(new[2]) <= 12:
            raise InvalidInputError(f"{shown} is not an arXiv id: {new[2]} is not a month")
        if year_month < 704:
            raise InvalidInputError(f"{shown} is not an arXiv id: ids of this form start in April 2007 (0704)")
        # Four-digit numbers from April 2007 to December 2014, five digits since January 2015.
        if len(number) != (4 if year_month < 1501 else 5):
            digits = "four" if year_month < 1501 else "five"
            raise InvalidInputError(f"{shown} is not an arXiv id: numbers of {new[1]}{new[2]} have {digits} digits")
        return f"{new[1]}{new[2]}.{number}"
    old = _ARXIV_OLD.fullmatch(value)
    if old and 1 <= int(old[3]) <= 12:
        return f"{old[1].lower()}/{old[2]}{old[3]}{old[4]}"
    raise InvalidInputError(f"{shown} is not an arXiv id (expected YYMM.NNNNN or archive/YYMMNNN, e.g. math/0601001)")


def _orcid(value: str, shown: str) -> str:
    found = _ORCID.fullmatch(value)
    if not found or ("-" in value and value.count("-") != 3):
        raise InvalidInputError(f"{shown} is not an ORCID iD (expected 0000-0000-0000-000X)")
    digits = "".join(found.groups()).upper()
    expected = orcid_check_digit(digits[:15])
    if digits[15] != expected:
        raise CheckDigitError(f"{shown} is not a valid ORCID iD: its check digit should be {expected}")
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def _openalex(value: str, shown: str, kind: Kind) -> str:
    found = _OPENALEX.fullmatch(value)
    if not found:
        raise InvalidInputError(
            f"{shown} is not an OpenAlex id (expected W… for a work, A… for an author, then at most 15 digits)"
        )
    letter = found[1].upper()
    if letter != ("A" if kind == "Author" else "W"):
        named = "an author" if letter == "A" else "a work"
        raise InvalidInputError(f"{shown} is the OpenAlex id of {named}, not of {_NOUN[kind]}")
    return letter + found[2]


def _s2(value: str, shown: str, kind: Kind) -> str:
    if kind == "Paper" and _S2_SHA.fullmatch(value):
        return value.lower()
    number = _S2_NUMBER.fullmatch(value)
    if number and (kind == "Paper" or not value[:1].isalpha()):
        return str(int(number[1]))
    expected = "a paper's 40-hex id or corpus id" if kind == "Paper" else "an author's number"
    expected += ", numbers of at most 18 digits"
    raise InvalidInputError(f"{shown} is not a Semantic Scholar id of {_NOUN[kind]} (expected {expected})")


def _normalise(kind: Kind, scheme: str, value: str, shown: str) -> str:
    if scheme == "doi":
        return _doi(value, shown)
    if scheme == "arxiv":
        return _arxiv(value, shown)
    if scheme == "orcid":
        return _orcid(value, shown)
    if scheme == "openalex":
        return _openalex(value, shown, kind)
    return _s2(value, shown, kind)


# --- the parsers callers use ---------------------------------------------------------------------------


def parse_external_id(text: str, kind: Kind) -> ExternalId:
    """The external id of `kind` written in `text`, normalised; InvalidInputError naming the id if none."""
    scheme, value, kinds = _split(text)
    shown = _show(text.strip())
    if kind not in kinds:
        names = " and ".join(k.lower() + "s" for k in kinds)
        raise InvalidInputError(f"{shown} is not an id of {_NOUN[kind]}: {scheme} ids name {names}")
    return ExternalId(kind, scheme, _normalise(kind, scheme, value, shown))


def external_id_candidates(text: str) -> tuple[ExternalId, ...]:
    """Every reading of `text` as an external id: one, or two for `s2:<digits>` (an author or a paper).

    InvalidInputError, with the reason of the first kind tried, when there is none.
    """
    _, _, kinds = _split(text)
    found: list[ExternalId] = []
    first_error: InvalidInputError | None = None
    for kind in kinds:
        try:
            found.append(parse_external_id(text, kind))
        except InvalidInputError as error:
            first_error = first_error or error
    if not found:
        assert first_error is not None
        raise first_error
    return tuple(found)


def parse_id_of(type_name: TypeName, text: str) -> int | ExternalId:
    """An id that must name a `type_name`: the row number of a global id, or an external id to look up.

    InvalidInputError naming the id when it is malformed, of another type, or an external id of a type
    that has none (institutions).
    """
    if not is_external(text):
        return decode_id_of(type_name, text)
    if type_name == "Institution":
        return decode_id_of(type_name, text)  # refuses it, with the reason
    return parse_external_id(text, type_name)


def normalise_external_id(kind: Kind, scheme: str, value: str) -> ExternalId:
    """An external id given as a scheme and a value apart (as importers have them), normalised.

    The value may be written any way `parse_external_id` accepts for that scheme (`http://orcid.org/…`,
    `arXiv:2401.01234v2`, `https://doi.org/10.…`), or bare. A value written with its scheme is read as
    written, so that a malformed one is refused with the reason (`'https://orcid.org/…' is not a valid
    ORCID iD: its check digit should be 7`); so is a URL that names no identifier. Anything else is read
    as a bare value of `scheme`.
    """
    scheme = scheme.strip().lower()
    if scheme not in SCHEMES_OF[kind]:
        raise InvalidInputError(
            f"{scheme[:20]!r} is not an id scheme of {kind.lower()}s (known: {', '.join(SCHEMES_OF[kind])})"
        )
    if _written_scheme(value) == scheme:
        return parse_external_id(value, kind)
    return parse_external_id(f"{scheme}:{value}", kind)


def _written_scheme(text: str) -> str | None:
    """The scheme `text` is written with: its resolver URL's or its `scheme:` prefix; None for a bare value
    (a bare DOI `10.…` included) or an unknown prefix (`CorpusId:…`).

    InvalidInputError, with the reason, for a URL that names no identifier: read as a bare value of any
    scheme it would be malformed too, and the message would hide why.
    """
    stripped = text.strip()
    if re.match(r"(?i)https?://", stripped):
        return _split(stripped)[0]
    prefix, colon, _ = stripped.partition(":")
    if not colon or stripped.startswith("10.") or prefix.lower() not in SCHEMES:
        return None
    return prefix.lower()
