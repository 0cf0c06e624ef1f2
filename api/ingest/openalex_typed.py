"""The fast path for OpenAlex works: a JSON line decoded straight into the few fields the reader uses.

`read_openalex` (api/ingest/openalex.py) takes a value orjson has decoded whole: every member of a
snapshot line becomes a Python object (locations, topics, concepts, the institutions' lineage), and
each field it reads is then checked by hand, with its path built for an error message that a
well-formed record never needs. Here msgspec decodes the line into typed structs of only those fields,
checking each type as it decodes and skipping every other member without making an object of it; the
work is then built from the structs by the same rules, through the same helpers.

One reader decides. `read_work_line` returns the records only for a work it read completely and
cleanly; for anything else (an author or a merged-ids row, a value of another type, a malformed id, an
ORCID iD failing its check digit, a figure out of range, a work without a title, a line that is not
JSON) it returns None, and the caller hands the line to `read_openalex`, whose result and errors are
then the import's. So this path may only ever be stricter than that reader, never different:
tests/ingest/test_openalex_typed.py checks that on every record it accepts, both make the same Work.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import msgspec

from api.errors import InvalidInputError
from api.ids import orcid_check_digit
from api.ingest import fields
from api.ingest.limits import MAX_COUNT
from api.ingest.model import (
    AuthorId,
    Byline,
    IncompleteRecord,
    Institution,
    PaperId,
    Precision,
    Read,
    RecordError,
    Reference,
    Skipped,
    Work,
    has_text,
)
from api.ingest.openalex import (
    ARXIV_DOI,
    ARXIV_HOSTS,
    COUNTRY,
    ENTITY_ID,
    POSITIONS,
    ROR,
    SOURCE,
    read_date,
)


class _Location(msgspec.Struct):
    landing_page_url: str | None = None
    pdf_url: str | None = None


class _Ids(msgspec.Struct):
    doi: str | None = None
    arxiv: str | None = None


class _Place(msgspec.Struct, frozen=True):  # hashable: the same institution recurs on many bylines
    id: str | None = None
    display_name: str | None = None
    ror: str | None = None
    country_code: str | None = None


class _Author(msgspec.Struct):
    id: str | None = None
    display_name: str | None = None
    orcid: str | None = None


class _Authorship(msgspec.Struct):
    author_position: str | None = None
    author: _Author | None = None
    raw_author_name: str | None = None
    institutions: list[_Place] | None = None
    raw_affiliation_strings: str | list[str] | None = None
    raw_affiliation_string: str | list[str] | None = None


class _WorkLine(msgspec.Struct):
    id: str | None = None
    merge_into_id: Any = msgspec.UNSET  # present (even null): a merged-ids row, for the full reader
    doi: str | None = None
    title: str | None = None
    display_name: str | None = None
    ids: _Ids | None = None
    publication_date: str | None = None
    publication_year: int | None = None
    abstract_inverted_index: dict[str, list[int]] | None = None
    authorships: list[_Authorship] | None = None
    is_authors_truncated: bool | None = None
    referenced_works: list[str] | None = None
    cited_by_count: int | None = None
    primary_location: _Location | None = None
    best_oa_location: _Location | None = None
    locations: list[_Location | None] | None = None


WORK_LINE_DECODER = msgspec.json.Decoder(_WorkLine)
"""Decodes a JSON line into the fields of a work the reader uses (bench/floor.py times it alone)."""


class _NotClean(Exception):
    """The work holds something the full reader must judge (an error, or a part it leaves out)."""


def read_work_line(data: bytes) -> Read | None:
    """The records of a JSON line holding a well-formed OpenAlex work, as `read_openalex` reads it; None
    for any other line, which the full reader must then read (see the module's docstring)."""
    try:
        line = WORK_LINE_DECODER.decode(data)
    except msgspec.DecodeError:
        return None
    if line.merge_into_id is not msgspec.UNSET or line.id is None:
        return None
    match = ENTITY_ID.fullmatch(line.id.strip())
    if match is None or match[1].upper() != "W":
        return None
    try:
        return [_work(line, "W" + match[2])]
    except (_NotClean, RecordError, IncompleteRecord, InvalidInputError):
        return None


def _text(value: str | None) -> str | None:
    """As `fields.text`: stripped; None when absent, null or blank."""
    return None if value is None else (value.strip() or None)


def _texts(value: str | list[str] | None) -> tuple[str, ...]:
    """As `fields.texts`."""
    if value is None:
        return ()
    if isinstance(value, str):
        stripped = value.strip()
        return (stripped,) if stripped else ()
    return tuple(stripped for item in value if (stripped := item.strip()))


def _work(line: _WorkLine, key: str) -> Work:
    title = _text(line.title) or _text(line.display_name)
    if title is None or not has_text(title):
        raise _NotClean
    count = line.cited_by_count
    if count is not None and not 0 <= count <= MAX_COUNT:
        raise _NotClean
    published_on, precision = _published(line)
    authors, complete = _authorships(line.authorships or ())
    references = tuple(Reference(ids=(_referenced(value),)) for value in line.referenced_works or ())
    return Work(
        source=SOURCE,
        ids=_work_ids(line, key),
        title=title,
        abstract=_abstract(line.abstract_inverted_index),
        published_on=published_on,
        published_precision=precision,
        authors=authors,
        authors_complete=complete and not line.is_authors_truncated,
        references=tuple(dict.fromkeys(references)),
        reported_citation_count=count,
    )


def _published(line: _WorkLine) -> tuple[dt.date | None, Precision | None]:
    written = _text(line.publication_date)
    if written is not None:
        return read_date(written, "publication_date"), "day"
    year = line.publication_year
    if year is None:
        return None, None
    if not 1 <= year <= 9999:
        raise _NotClean
    return dt.date(year, 1, 1), "year"


def _work_ids(line: _WorkLine, key: str) -> tuple[PaperId, ...]:
    """As `openalex._work_ids`: the W id, then the DOI, then arXiv ids; none repeated."""
    found = [PaperId("openalex", key)]
    dois = [_text(line.doi)]
    arxivs: list[str | None] = []
    if line.ids is not None:
        dois.append(_text(line.ids.doi))
        arxivs.append(_text(line.ids.arxiv))
    for doi in dois:
        if doi is not None:
            found.append(fields.paper_id("doi", doi, "doi"))
            arxiv_doi = ARXIV_DOI.fullmatch(found[-1].value)
            if arxiv_doi:
                arxivs.append(arxiv_doi[1])
    for arxiv in arxivs:
        if arxiv is not None:
            found.append(fields.paper_id("arxiv", arxiv, "arxiv"))
    for location in (line.primary_location, line.best_oa_location, *(line.locations or ())):
        if location is None:
            continue
        for written in (location.landing_page_url, location.pdf_url):
            url = _text(written)
            if url is not None and ARXIV_HOSTS.match(url):
                try:
                    found.append(PaperId("arxiv", fields.external_id("Paper", "arxiv", url)))
                except InvalidInputError:
                    continue  # an arxiv.org page that names no paper: a link, not an id
    return tuple(dict.fromkeys(found))


def _authorships(entries: list[_Authorship] | tuple[()]) -> tuple[tuple[Byline, ...], bool]:
    bylines: list[Byline] = []
    last_position: str | None = None
    for index, entry in enumerate(entries):
        position = _text(entry.author_position)
        if position is not None and position not in POSITIONS:
            raise _NotClean
        last_position = position
        author = entry.author
        name = (_text(author.display_name) if author is not None else None) or _text(entry.raw_author_name)
        ids: list[AuthorId] = []
        if author is not None:
            if author.id is not None:
                ids.append(AuthorId("openalex", _entity(author.id, "A")))
            orcid = _text(author.orcid)
            if orcid is not None:
                ids.append(_orcid(orcid))
        institutions = tuple(
            place for place in (_known_institution(value) for value in entry.institutions or ()) if place is not None
        )
        raw = _texts(entry.raw_affiliation_strings) or _texts(entry.raw_affiliation_string)
        if name is None or not has_text(name):
            continue
        bylines.append(
            Byline(
                name=unicodedata.normalize("NFC", name),
                position=index + 1,
                ids=tuple(dict.fromkeys(ids)),
                institutions=institutions,
                affiliation="; ".join(raw) or None,
            )
        )
    cut = len(entries) > 1 and last_position is not None and last_position != "last"
    return tuple(bylines), not (cut or len(bylines) < len(entries))


# Institutions already read, by what the line gave: a dump names a few hundred thousand institutions on
# tens of millions of bylines. Emptied when full, so that it stays small whatever the input.
_READ_INSTITUTIONS: dict[_Place, Institution | None] = {}
_READ_INSTITUTIONS_MAX = 100_000


def _known_institution(place: _Place) -> Institution | None:
    """`_institution`, remembered."""
    try:
        return _READ_INSTITUTIONS[place]
    except KeyError:
        pass
    found = _institution(place)  # raises for a malformed one, which is then not remembered
    if len(_READ_INSTITUTIONS) >= _READ_INSTITUTIONS_MAX:
        _READ_INSTITUTIONS.clear()
    _READ_INSTITUTIONS[place] = found
    return found


def _institution(place: _Place) -> Institution | None:
    """As `openalex._institution`."""
    openalex = _entity(place.id, "I") if place.id is not None else None
    ror = _text(place.ror)
    if ror is not None:
        match = ROR.fullmatch(ror)
        if not match:
            raise _NotClean
        ror = "https://ror.org/" + match[1].lower()
    country = _text(place.country_code)
    if country is not None and not COUNTRY.fullmatch(country):
        raise _NotClean
    name = _text(place.display_name)
    if name is None:
        return None
    return Institution(name=name, country_code=country.upper() if country else None, ror=ror, openalex=openalex)


def _referenced(value: str) -> PaperId:
    return PaperId("openalex", _entity(value, "W"))


def _entity(value: str, letter: str) -> str:
    """The key of an OpenAlex id of the entity `letter` (W, A, I); _NotClean for anything else."""
    if value.startswith(_PREFIX[letter]):  # the snapshot's own form, most of all ids: no regular expression
        digits = value[_PREFIX_LENGTH:]
        if 0 < len(digits) <= 15 and digits.isascii() and digits.isdigit():
            return letter + digits
    match = ENTITY_ID.fullmatch(value.strip())
    if match is None or match[1].upper() != letter:
        raise _NotClean
    return letter + match[2]


_PREFIX = {letter: f"https://openalex.org/{letter}" for letter in "WAI"}
_PREFIX_LENGTH = len("https://openalex.org/W")
_CANONICAL_ORCID = re.compile(r"https://orcid\.org/(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.ASCII)


def _orcid(written: str) -> AuthorId:
    """The ORCID iD `written` names (as `fields.orcid` reads it); _NotClean for one failing its check digit."""
    canonical = _CANONICAL_ORCID.fullmatch(written)
    if canonical is not None:  # the snapshot's own form: only the check digit to verify
        value = canonical[1]
        if orcid_check_digit(value[:4] + value[5:9] + value[10:14] + value[15:18]) != value[18]:
            raise _NotClean
        return AuthorId("orcid", value)
    left_out: list[Skipped] = []
    found = fields.orcid(written, "orcid", left_out)
    if found is None:
        raise _NotClean  # a check-digit typo: the full reader lists it
    return found


def _abstract(index: dict[str, list[int]] | None) -> str | None:
    """As `openalex._abstract`, for positions already known to be integers."""
    if index is None:
        return None
    placed: dict[int, str] = {}
    listed = 0
    for word, positions in index.items():
        for position in positions:
            placed[position] = word
        listed += len(positions)
    if len(placed) != listed or (placed and min(placed) < 0):
        raise _NotClean  # a position given twice, or negative: the full reader judges
    if not placed:
        return None
    return " ".join([placed[position] for position in sorted(placed)])
