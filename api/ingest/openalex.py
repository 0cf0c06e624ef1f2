"""Read OpenAlex snapshot records: works, authors, and the rows of the snapshot's merged_ids files.

`read_openalex` takes one JSON object (a line of /data/works or /data/authors, or an API response of
one entity) and tells the kind by the id's prefix: W… a work, A… an author. A `merged_ids` row (the
snapshot publishes them as CSV, `merge_date,id,merge_into_id`, under /data/merged_ids/<entity>/; the
input reader, api/ingest/reading.py, hands each row over as an object of those three keys, a blank field
as null) becomes an `ids_only` Work or Person: `ids` name the entity merged into, `merged_ids` the retired
one, so that the old id keeps answering.

Works: ids (the W id, the DOI, arXiv ids from ids.arxiv, from arxiv.org locations and from arXiv's
DataCite DOIs 10.48550/arXiv.…; PubMed and MAG ids are not read), title (display_name as fallback), the
abstract rebuilt from abstract_inverted_index (word -> positions, joined by single spaces in position
order), publication_date (day) or publication_year (year), authorships in list order (positions 1, 2,
…; author_position must be first, middle or last), each with the author's OpenAlex id and ORCID, the
institutions (display_name, ror, country_code, id) and the raw affiliation strings joined by "; ",
referenced_works as References by OpenAlex id, cited_by_count. The author list is not complete when
OpenAlex says it cut it (is_authors_truncated) or when the last of several authors is not "last".
Topics, concepts, venues and the works' counts_by_year are not read.

Authors: ids (the A id, the ORCID), display_name, display_name_alternatives, last_known_institutions
(or the older last_known_institution), and ReportedFigures(source="openalex", as_of=updated_date) from
summary_stats (h_index, i10_index, 2yr_mean_citedness), works_count, cited_by_count and counts_by_year.

Malformed records raise RecordError naming the field by its path (`authorships[3].author.orcid`): not an
object, no id, an id of another kind of entity, a value of the wrong type, a malformed DOI/ORCID/arXiv
id/date, an unknown author_position, two words at one abstract position. An ORCID iD well formed but for
its check digit is a typo: the author is read without it, and it is listed after the record as `Skipped`;
so is a reported figure out of range (a negative count), read as absent.

What OpenAlex allows but the store cannot hold: a work without a title (null in the snapshot for tens of
thousands of works) or an author without a name raises IncompleteRecord; an authorship without a name is
left out (its place kept, the byline then incomplete); an institution without a name is left out; an
author's figures without `updated_date` (an API response that did not select it) are not stored.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from api.errors import InvalidInputError
from api.ingest import fields
from api.ingest.fields import Obj
from api.ingest.model import (
    UNNAMED_AUTHORS,
    UNTITLED_WORKS,
    AuthorId,
    Byline,
    IncompleteRecord,
    Institution,
    PaperId,
    Person,
    Precision,
    Read,
    Record,
    RecordError,
    Reference,
    ReportedFigures,
    Skipped,
    Work,
    YearCounts,
    has_text,
)

SOURCE = "openalex"

ENTITY_ID = re.compile(r"(?:https?://(?:api\.)?openalex\.org/(?:[a-z]+/)?)?([A-Za-z])(\d{1,15})", re.ASCII)
_ENTITY_NAMES = {
    "W": "work",
    "A": "author",
    "I": "institution",
    "S": "source",
    "V": "venue",
    "C": "concept",
    "P": "publisher",
    "F": "funder",
    "T": "topic",
    "K": "keyword",
}
ROR = re.compile(r"(?:https?://ror\.org/)?(0[a-z0-9]{6}[0-9]{2})", re.ASCII | re.IGNORECASE)
COUNTRY = re.compile(r"[A-Za-z]{2}", re.ASCII)
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?", re.ASCII)
ARXIV_HOSTS = re.compile(r"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/", re.ASCII | re.IGNORECASE)
ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.IGNORECASE)
POSITIONS = ("first", "middle", "last")


def read_openalex(obj: object) -> Read:
    """The record in one OpenAlex snapshot line (a work, an author or a merged_ids row), then what it is read
    without (`Skipped`: an ORCID iD failing its check digit, a figure out of range); RecordError if malformed."""
    record = fields.as_object(obj, "", "an OpenAlex work or author")
    if "merge_into_id" in record:
        return [_merged(record)]
    letter, key = _entity(record.get("id"), "id", _shape(record))
    left_out: list[Skipped] = []
    if letter == "W":
        return [_work(record, key, left_out), *left_out]
    if letter == "A":
        return [_person(record, key, left_out), *left_out]
    raise RecordError(
        f"id: {key} is an OpenAlex {_ENTITY_NAMES.get(letter, 'entity')}; only works (W…) and authors (A…) are read"
    )


def _shape(record: Obj) -> str:
    """What an object without a usable id looks like, for the error message."""
    if "authorships" in record or "referenced_works" in record or "title" in record:
        return "work"
    if "works_count" in record or "display_name_alternatives" in record or "summary_stats" in record:
        return "author"
    return "record"


def _entity(value: object, path: str, what: str) -> tuple[str, str]:
    """(prefix letter, key) of an OpenAlex id written as a URL or a bare key."""
    if value is None:
        raise RecordError(f"{path}: the {what} has no id")
    if not isinstance(value, str):
        fields.wrong(path, "an OpenAlex id (a string)", value)
    match = ENTITY_ID.fullmatch(value.strip())
    if not match:
        raise RecordError(f"{path}: {value[:80]!r} is not an OpenAlex id (https://openalex.org/W… or A…)")
    letter = match[1].upper()
    return letter, letter + match[2]


# --- works ---------------------------------------------------------------------------------------------


def _work(record: Obj, key: str, left_out: list[Skipped]) -> Work:
    title = fields.text(record, "title", "") or fields.text(record, "display_name", "")
    published_on, precision = _published(record)
    authors, complete = _authorships(record, left_out)
    references = tuple(
        Reference(ids=(_work_id(value, f"referenced_works[{index}]"),))
        for index, value in enumerate(fields.items(record, "referenced_works", ""))
    )
    work = Work(
        source=SOURCE,
        ids=_work_ids(record, key),
        title=title or "",
        abstract=_abstract(record.get("abstract_inverted_index"), "abstract_inverted_index"),
        published_on=published_on,
        published_precision=precision,
        authors=authors,
        authors_complete=complete,
        references=tuple(dict.fromkeys(references)),
        reported_citation_count=fields.figure(record, "cited_by_count", "", left_out),
    )
    if not has_text(title):  # checked last: a malformed field elsewhere makes the record malformed
        shown = f"has the title {title[:40]!r}, without a letter or digit" if title else "has no title"
        raise IncompleteRecord(UNTITLED_WORKS, f"title: the work {key} {shown}")
    return work


def _work_ids(record: Obj, key: str) -> tuple[PaperId, ...]:
    """The W id, then the DOI, then arXiv ids; none repeated."""
    found = [PaperId("openalex", key)]
    ids = fields.optional_object(record, "ids", "")
    dois = [(fields.text(record, "doi", ""), "doi")]
    arxivs: list[tuple[str | None, str]] = []
    if ids is not None:
        dois.append((fields.text(ids, "doi", "ids"), "ids.doi"))
        arxivs.append((fields.text(ids, "arxiv", "ids"), "ids.arxiv"))
    for doi, path in dois:
        if doi is not None:
            found.append(fields.paper_id("doi", doi, path))
            arxiv_doi = ARXIV_DOI.fullmatch(found[-1].value)
            if arxiv_doi:
                arxivs.append((arxiv_doi[1], path))
    for arxiv, path in arxivs:
        if arxiv is not None:
            found.append(fields.paper_id("arxiv", arxiv, path))
    found.extend(_arxiv_locations(record))
    return tuple(dict.fromkeys(found))


def _arxiv_locations(record: Obj) -> list[PaperId]:
    """arXiv ids of the work's arxiv.org locations (abstract or PDF pages; other arxiv.org pages are not ids)."""
    locations: list[tuple[object, str]] = [
        (record.get("primary_location"), "primary_location"),
        (record.get("best_oa_location"), "best_oa_location"),
    ]
    locations += [(entry, f"locations[{index}]") for index, entry in enumerate(fields.items(record, "locations", ""))]
    found: list[PaperId] = []
    for location, path in locations:
        if location is None:
            continue
        place = fields.as_object(location, path, "a location")
        for field in ("landing_page_url", "pdf_url"):
            url = fields.text(place, field, path)
            if url is not None and ARXIV_HOSTS.match(url):
                try:
                    found.append(PaperId("arxiv", fields.external_id("Paper", "arxiv", url)))
                except InvalidInputError:
                    continue  # an arxiv.org page that names no paper (a listing): a link, not an id
    return found


def _published(record: Obj) -> tuple[dt.date | None, Precision | None]:
    written = fields.text(record, "publication_date", "")
    if written is not None:
        return read_date(written, "publication_date"), "day"
    year = fields.count(record, "publication_year", "")
    if year is None:
        return None, None
    if not 1 <= year <= 9999:
        raise RecordError(f"publication_year: {year} is not a year")
    return dt.date(year, 1, 1), "year"


def _abstract(value: object, path: str) -> str | None:
    """The abstract from its inverted index: each word at each of its positions, in position order."""
    if value is None:
        return None
    index = fields.as_object(value, path, "an inverted index (word -> positions)")
    placed: dict[int, str] = {}
    listed = 0
    for word, positions in index.items():
        if type(positions) is not list:
            fields.wrong(f"{path}[{word[:40]!r}]", "a list of positions", positions)
        for position in positions:
            if type(position) is not int or position < 0:
                fields.wrong(f"{path}[{word[:40]!r}]", "positions that are integers from 0", position)
            placed[position] = word
        listed += len(positions)
    if len(placed) != listed:  # some position was given twice: the same word twice is harmless, two words not
        seen: dict[int, str] = {}
        for word, positions in index.items():
            for position in positions if isinstance(positions, list) else ():  # a list: checked above
                other = seen.setdefault(position, word)
                if other != word:
                    raise RecordError(f"{path}: position {position} holds two words, {other[:40]!r} and {word[:40]!r}")
    if not placed:
        return None
    return " ".join(placed[position] for position in sorted(placed))


def _authorships(record: Obj, left_out: list[Skipped]) -> tuple[tuple[Byline, ...], bool]:
    entries = fields.items(record, "authorships", "")
    bylines: list[Byline] = []
    positions: list[str | None] = []
    for index, entry in enumerate(entries):
        path = f"authorships[{index}]"
        authorship = fields.as_object(entry, path, "an authorship")
        position = fields.text(authorship, "author_position", path)
        if position is not None and position not in POSITIONS:
            raise RecordError(f"{path}.author_position: {position[:40]!r} is not one of first, middle, last")
        positions.append(position)
        author = fields.optional_object(authorship, "author", path) or {}
        author_path = f"{path}.author"
        name = fields.text(author, "display_name", author_path) or fields.text(authorship, "raw_author_name", path)
        ids: list[AuthorId | None] = []
        if author.get("id") is not None:
            ids.append(_author_id(author.get("id"), f"{author_path}.id"))
        entry_left_out: list[Skipped] = []
        orcid = fields.text(author, "orcid", author_path)
        if orcid is not None:
            ids.append(fields.orcid(orcid, f"{author_path}.orcid", entry_left_out))
        institutions = _institutions(fields.items(authorship, "institutions", path), f"{path}.institutions")
        raw = fields.texts(authorship, "raw_affiliation_strings", path)
        if not raw:
            raw = fields.texts(authorship, "raw_affiliation_string", path)  # the older, single-string form
        if name is None or not has_text(name):
            continue  # no one to store: the place stays empty, the byline incomplete
        left_out.extend(entry_left_out)
        bylines.append(
            Byline(
                name=unicodedata.normalize("NFC", name),
                position=index + 1,
                ids=tuple(dict.fromkeys(found for found in ids if found is not None)),
                institutions=institutions,
                affiliation="; ".join(raw) or None,
            )
        )
    truncated = record.get("is_authors_truncated")
    if truncated is not None and not isinstance(truncated, bool):
        fields.wrong("is_authors_truncated", "a boolean", truncated)
    cut = len(positions) > 1 and positions[-1] is not None and positions[-1] != "last"
    return tuple(bylines), not (truncated or cut or len(bylines) < len(entries))


def _institutions(values: list[object], path: str) -> tuple[Institution, ...]:
    """The institutions listed, those without a name left out."""
    found = (_institution(value, f"{path}[{index}]") for index, value in enumerate(values))
    return tuple(institution for institution in found if institution is not None)


def _institution(value: object, path: str) -> Institution | None:
    """An institution; None when it has no name (its other fields checked all the same)."""
    place = fields.as_object(value, path, "an institution")
    name = fields.text(place, "display_name", path)
    openalex: str | None = None
    if place.get("id") is not None:
        letter, openalex = _entity(place.get("id"), f"{path}.id", "institution")
        if letter != "I":
            raise RecordError(f"{path}.id: {openalex} is not the OpenAlex id of an institution (I…)")
    ror = fields.text(place, "ror", path)
    if ror is not None:
        match = ROR.fullmatch(ror)
        if not match:
            raise RecordError(f"{path}.ror: {ror[:80]!r} is not a ROR id (https://ror.org/0xxxxxxNN)")
        ror = "https://ror.org/" + match[1].lower()
    country = fields.text(place, "country_code", path)
    if country is not None and not COUNTRY.fullmatch(country):
        raise RecordError(f"{path}.country_code: {country[:20]!r} is not a two-letter country code")
    if name is None:
        return None
    return Institution(name=name, country_code=country.upper() if country else None, ror=ror, openalex=openalex)


# --- authors -------------------------------------------------------------------------------------------


def _person(record: Obj, key: str, left_out: list[Skipped]) -> Person:
    name = unicodedata.normalize("NFC", fields.text(record, "display_name", "") or "")
    found = [AuthorId("openalex", key)]
    ids = fields.optional_object(record, "ids", "")
    orcids = {"orcid": fields.text(record, "orcid", ""), "ids.orcid": fields.text(ids or {}, "orcid", "ids")}
    for path, orcid in orcids.items():
        if orcid is None or (path == "ids.orcid" and orcid == orcids["orcid"]):
            continue  # the same iD twice: read (and, failing its check digit, listed) once
        orcid_id = fields.orcid(orcid, path, left_out)
        if orcid_id is not None:
            found.append(orcid_id)
    alternatives = fields.names(record, "display_name_alternatives", "")
    if record.get("last_known_institutions") is not None:
        places = _institutions(fields.items(record, "last_known_institutions", ""), "last_known_institutions")
    elif record.get("last_known_institution") is not None:
        single = _institution(record.get("last_known_institution"), "last_known_institution")
        places = () if single is None else (single,)
    else:
        places = ()
    person = Person(
        source=SOURCE,
        ids=tuple(dict.fromkeys(found)),
        name=name,
        alternative_names=tuple(dict.fromkeys(n for n in alternatives if n != name)),
        institutions=tuple(dict.fromkeys(places)),
        reported=_figures(record, left_out),
    )
    if not has_text(name):  # checked last: a malformed field elsewhere makes the record malformed
        shown = f"has the name {name[:40]!r}, without a letter or digit" if name else "has no name"
        raise IncompleteRecord(UNNAMED_AUTHORS, f"display_name: the author {key} {shown}")
    return person


def _figures(record: Obj, left_out: list[Skipped]) -> ReportedFigures | None:
    stats = fields.optional_object(record, "summary_stats", "") or {}
    h_index = fields.figure(stats, "h_index", "summary_stats", left_out)
    i10_index = fields.figure(stats, "i10_index", "summary_stats", left_out)
    citedness = fields.decimal(stats, "2yr_mean_citedness", "summary_stats", left_out)
    works = fields.figure(record, "works_count", "", left_out)
    citations = fields.figure(record, "cited_by_count", "", left_out)
    series = _counts_by_year(record, left_out)
    if all(v is None for v in (h_index, i10_index, citedness, works, citations)) and not series:
        return None
    updated = fields.text(record, "updated_date", "")
    if updated is None:
        return None  # figures as of no known date cannot be filed: the author is stored without them
    return ReportedFigures(
        source=SOURCE,
        as_of=read_date(updated, "updated_date"),
        h_index=h_index,
        i10_index=i10_index,
        citation_count=citations,
        paper_count=works,
        two_year_mean_citedness=citedness,
        counts_by_year=series,
    )


def _counts_by_year(record: Obj, left_out: list[Skipped]) -> tuple[YearCounts, ...]:
    years: dict[int, YearCounts] = {}
    for index, entry in enumerate(fields.items(record, "counts_by_year", "")):
        path = f"counts_by_year[{index}]"
        counts = fields.as_object(entry, path, "a year's counts")
        year = fields.count(counts, "year", path)
        if year is None:
            raise RecordError(f"{path}.year: the entry has no year")
        if year in years:
            raise RecordError(f"{path}.year: {year} is listed twice")
        years[year] = YearCounts(
            year,
            fields.figure(counts, "works_count", path, left_out),
            fields.figure(counts, "cited_by_count", path, left_out),
        )
    return tuple(years[year] for year in sorted(years))


# --- merged ids ----------------------------------------------------------------------------------------


def _merged(record: Obj) -> Record:
    old_letter, old = _entity(_unless_blank(record.get("id")), "id", "merged_ids row")
    new_letter, new = _entity(_unless_blank(record.get("merge_into_id")), "merge_into_id", "merged_ids row")
    if old_letter != new_letter:
        raise RecordError(f"merge_into_id: {old} cannot be merged into {new}, an entity of another kind")
    if old == new:
        raise RecordError(f"merge_into_id: {old} is merged into itself")
    merge_date = fields.text(record, "merge_date", "")
    if merge_date is not None:
        read_date(merge_date, "merge_date")
    if old_letter == "W":
        return Work(
            source=SOURCE,
            ids=(PaperId("openalex", new),),
            title="",
            merged_ids=(PaperId("openalex", old),),
            ids_only=True,
        )
    if old_letter == "A":
        return Person(
            source=SOURCE,
            ids=(AuthorId("openalex", new),),
            name="",
            merged_ids=(AuthorId("openalex", old),),
            ids_only=True,
        )
    raise RecordError(
        f"id: {old} is an OpenAlex {_ENTITY_NAMES.get(old_letter, 'entity')}; only merged works and authors are read"
    )


def _unless_blank(value: object) -> object:
    """None for a blank string (an empty CSV field), else the value."""
    return None if isinstance(value, str) and not value.strip() else value


# --- ids -----------------------------------------------------------------------------------------------


def _work_id(value: object, path: str) -> PaperId:
    letter, key = _entity(value, path, "referenced work")
    if letter != "W":
        raise RecordError(f"{path}: {key} is not the OpenAlex id of a work (W…)")
    return PaperId("openalex", key)


def _author_id(value: object, path: str) -> AuthorId:
    letter, key = _entity(value, path, "author")
    if letter != "A":
        raise RecordError(f"{path}: {key} is not the OpenAlex id of an author (A…)")
    return AuthorId("openalex", key)


def read_date(written: str, path: str) -> dt.date:
    match = _DATE.fullmatch(written)
    if not match:
        raise RecordError(f"{path}: {written[:40]!r} is not a date (expected YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(match[1])
    except ValueError as error:
        raise RecordError(f"{path}: {written[:40]!r} is not a date: {error}") from error
