"""Read Semantic Scholar records: Graph API responses and the S2 datasets' JSON lines.

`read_s2` tells the accepted shapes apart by their keys:

    Graph API author     {"authorId", "name", "aliases", "affiliations", "externalIds", "hIndex",
                         "citationCount", "paperCount", "papers": [paper, ...]}
                         -> one Person; its papers are Person.works
    Graph API paper      {"paperId", "corpusId", "externalIds", "title", "abstract", "year",
                         "publicationDate", "authors", "citationCount", "citations", "references"}
                         -> the paper's Work, then a Work per citing paper, then a Work per cited paper
    datasets `papers`    {"corpusid", "externalids", "url", "title", "authors", "year", "publicationdate",
                         "citationcount", ...} -> one Work
    datasets `authors`   {"authorid", "externalids", "name", "aliases", "affiliations", "papercount",
                         "citationcount", "hindex", ...} -> one Person
    a batch [..] or a page {"data": [..]} of those, entries of the /citations and /references endpoints
    ({"citingPaper": {..}} / {"citedPaper": {..}}) -> their records, in order

Links: the paper's Work references every cited paper (by its ids, or by its title when S2 has no id for
it) and lists the citing papers in `cited_by`; each citing paper's Work references the paper. Entries of
`citations`/`references`/`papers` may be `{"citingPaper": {..}}`/`{"citedPaper": {..}}` or flat papers.

Nulls are read as absent everywhere. A listed paper (nested, or an entry of an endpoint page) without a
title or without any id (S2 lists both) gives no Work of its own, only its link where there is one. A
paper response without a `title` key (the field was not requested, as in a `fields=authors,citations`
response) gives no Work for the paper itself; its cited papers' Works then carry the link in `cited_by`.
A record that is not an object, has no id, a null or blank title (a requested one), a value of the wrong
type or a malformed DOI, arXiv id or ORCID raises RecordError naming the field by its path
(`citations[17].authors[2].name`).

Reported figures (hIndex, citationCount, paperCount) are S2's, from its own corpus, as of `as_of` (the
response's capture date, or the datasets' release date): the lines' `updated` stamps say when a record
last changed, not when its figures were computed. DBLP "ids" of authors are DBLP person names
(Person.dblp_names). MAG, ACL, PubMed and DBLP paper ids, venues and fields of study are not read.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, NoReturn

from api.errors import InvalidInputError
from api.ids import Kind, normalise_external_id, parse_external_id
from api.ingest.model import (
    AuthorId,
    Byline,
    Institution,
    PaperId,
    Person,
    Precision,
    Record,
    RecordError,
    Reference,
    ReportedFigures,
    Work,
)

SOURCE = "semanticscholar"

_URL = re.compile(r"https?://", re.IGNORECASE)
_RESOLVERS = {
    "doi": ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"),
    "orcid": ("https://orcid.org/", "http://orcid.org/"),
}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_PAPER_URL = re.compile(r"https?://(?:www\.)?semanticscholar\.org/paper/([0-9a-fA-F]{40})", re.ASCII)

Obj = Mapping[str, object]


@dataclass(frozen=True)
class _Keys:
    """The field names of one family of shapes: the Graph API's camelCase or the datasets' lower case."""

    paper_id: str | None  # the datasets have no sha field: it is read from `url`
    corpus_id: str
    external_ids: str
    publication_date: str
    citation_count: str
    author_id: str
    paper_count: str
    h_index: str


_API = _Keys(
    "paperId", "corpusId", "externalIds", "publicationDate", "citationCount", "authorId", "paperCount", "hIndex"
)
_DATASET = _Keys(
    None, "corpusid", "externalids", "publicationdate", "citationcount", "authorid", "papercount", "hindex"
)


def read_s2(obj: object, *, as_of: dt.date) -> list[Record]:
    """The records in one Semantic Scholar input (a response or a dataset line); RecordError if malformed."""
    if isinstance(obj, list):
        return [record for index, item in enumerate(obj) for record in _read(item, f"[{index}]", as_of)]
    return _read(obj, "", as_of)


def _read(obj: object, path: str, as_of: dt.date) -> list[Record]:
    record = _object(obj, path, "a Semantic Scholar record")
    if "paperId" in record:
        return _paper_response(record, path)
    if "authorId" in record:
        return [_person(record, path, as_of, _API)]
    if "corpusid" in record:
        return [_dataset_paper(record, path)]
    if "authorid" in record:
        return [_person(record, path, as_of, _DATASET)]
    for wrapper in ("citingPaper", "citedPaper"):
        if wrapper in record:  # an entry of a /citations or /references page: a listing, like a nested paper
            if record[wrapper] is None:
                return []
            inner_path = _at(path, wrapper)
            inner = _object(record[wrapper], inner_path, "a paper")
            work = _nested_work(inner, inner_path, _paper_ids(inner, inner_path, _API))
            return [] if work is None else [work]
    if "data" in record:
        entries = _list(record, "data", path)
        return [r for index, item in enumerate(entries) for r in _read(item, _at(path, f"data[{index}]"), as_of)]
    raise RecordError(
        _where(path)
        + "not a Semantic Scholar paper or author: none of paperId, authorId (Graph API), corpusid, authorid "
        "(datasets), citingPaper, citedPaper or data is there"
    )


# --- papers --------------------------------------------------------------------------------------------


def _paper_response(record: Obj, path: str) -> list[Record]:
    if record.get("paperId") is None:
        raise RecordError(_where(_at(path, "paperId")) + "the paper has no paperId")
    ids = _paper_ids(record, path, _API)
    title = _text(record, "title", path)
    if title is None and "title" in record:
        raise RecordError(_where(_at(path, "title")) + "the paper has no title")

    citing: list[Record] = []
    cited_by: list[PaperId] = []
    for entry, entry_path in _entries(record, "citations", "citingPaper", path):
        entry_ids = _paper_ids(entry, entry_path, _API)
        if entry_ids:
            cited_by.append(entry_ids[0])
        work = _nested_work(entry, entry_path, entry_ids, references=(Reference(ids=ids),))
        if work is not None:
            citing.append(work)

    cited: list[Record] = []
    references: list[Reference] = []
    # Without a Work of its own, the paper's references are kept on the cited papers' side.
    citers = () if title is not None else (ids[0],)
    for entry, entry_path in _entries(record, "references", "citedPaper", path):
        entry_ids = _paper_ids(entry, entry_path, _API)
        entry_title = _text(entry, "title", entry_path)
        if entry_ids:
            references.append(Reference(ids=entry_ids))
        elif entry_title is not None:
            references.append(Reference(text=entry_title))
        work = _nested_work(entry, entry_path, entry_ids, cited_by=citers)
        if work is not None:
            cited.append(work)

    main: list[Record] = []
    if title is not None:
        main.append(_work(record, path, _API, ids, title, references=tuple(references), cited_by=tuple(cited_by)))
    return main + citing + cited


def _dataset_paper(record: Obj, path: str) -> Work:
    if _identifier(record, "corpusid", path) is None:
        raise RecordError(_where(_at(path, "corpusid")) + "the paper has no corpusid")
    ids = _paper_ids(record, path, _DATASET)
    title = _text(record, "title", path)
    if title is None:
        raise RecordError(_where(_at(path, "title")) + "the paper has no title")
    return _work(record, path, _DATASET, ids, title)


def _nested_work(
    paper: Obj,
    path: str,
    ids: tuple[PaperId, ...],
    *,
    references: tuple[Reference, ...] = (),
    cited_by: tuple[PaperId, ...] = (),
) -> Work | None:
    """The Work of a paper listed inside a response; None when it has no id or no title (only a mention)."""
    title = _text(paper, "title", path)
    if not ids or title is None:
        return None
    return _work(paper, path, _API, ids, title, references=references, cited_by=cited_by)


def _work(
    paper: Obj,
    path: str,
    keys: _Keys,
    ids: tuple[PaperId, ...],
    title: str,
    *,
    references: tuple[Reference, ...] = (),
    cited_by: tuple[PaperId, ...] = (),
) -> Work:
    published_on, precision = _published(paper, path, keys)
    authors, complete = _bylines(paper, path)
    return Work(
        source=SOURCE,
        ids=ids,
        title=title,
        abstract=_text(paper, "abstract", path),
        published_on=published_on,
        published_precision=precision,
        authors=authors,
        authors_complete=complete,
        references=references,
        reported_citation_count=_count(paper, keys.citation_count, path),
        cited_by=cited_by,
    )


def _paper_ids(paper: Obj, path: str, keys: _Keys) -> tuple[PaperId, ...]:
    """The paper's ids, S2's own first (the sha, then the corpus id), then DOI and arXiv; none repeated."""
    found: list[PaperId] = []
    if keys.paper_id is not None:
        sha = _text(paper, keys.paper_id, path)
        if sha is not None:
            found.append(_paper_id("s2", sha, _at(path, keys.paper_id)))
    else:
        url = _text(paper, "url", path)
        match = _PAPER_URL.fullmatch(url) if url is not None else None
        if match:
            found.append(PaperId("s2", match[1].lower()))
    corpus = _identifier(paper, keys.corpus_id, path)
    if corpus is not None:
        found.append(_paper_id("s2", corpus, _at(path, keys.corpus_id)))
    external = _optional_object(paper, keys.external_ids, path)
    if external is not None:
        external_path = _at(path, keys.external_ids)
        corpus = _identifier(external, "CorpusId", external_path)
        if corpus is not None:
            found.append(_paper_id("s2", corpus, _at(external_path, "CorpusId")))
        doi = _text(external, "DOI", external_path)
        if doi is not None:
            found.append(_paper_id("doi", doi, _at(external_path, "DOI")))
        arxiv = _text(external, "ArXiv", external_path)
        if arxiv is not None:
            found.append(_paper_id("arxiv", arxiv, _at(external_path, "ArXiv")))
    return tuple(dict.fromkeys(found))


def _paper_id(scheme: Literal["s2", "doi", "arxiv"], value: str, path: str) -> PaperId:
    try:
        return PaperId(scheme, _external("Paper", scheme, value))
    except InvalidInputError as error:
        raise RecordError(_where(path) + str(error)) from error


def _published(paper: Obj, path: str, keys: _Keys) -> tuple[dt.date | None, Precision | None]:
    """publicationDate to the day when S2 has it, else the year (as 1 January, year precision)."""
    written = _text(paper, keys.publication_date, path)
    if written is not None:
        date_path = _at(path, keys.publication_date)
        if not _DATE.fullmatch(written):
            raise RecordError(_where(date_path) + f"{written[:40]!r} is not a date (expected YYYY-MM-DD)")
        try:
            return dt.date.fromisoformat(written), "day"
        except ValueError as error:
            raise RecordError(_where(date_path) + f"{written!r} is not a date: {error}") from error
    year = _count(paper, "year", path)
    if year is None:
        return None, None
    if not 1 <= year <= 9999:
        raise RecordError(_where(_at(path, "year")) + f"{year} is not a year")
    return dt.date(year, 1, 1), "year"


def _bylines(paper: Obj, path: str) -> tuple[tuple[Byline, ...], bool]:
    """The authors in S2's order (positions 1, 2, …); not complete when the response has no author list."""
    if paper.get("authors") is None:
        return (), False
    bylines: list[Byline] = []
    for index, entry in enumerate(_list(paper, "authors", path)):
        entry_path = _at(path, f"authors[{index}]")
        author = _object(entry, entry_path, "an author")
        name = _name(author, "name", entry_path)
        author_id = _identifier(author, "authorId", entry_path)  # the same key in the datasets' papers
        ids = (_author_id(author_id, _at(entry_path, "authorId")),) if author_id is not None else ()
        bylines.append(Byline(name=name, position=index + 1, ids=ids))
    return tuple(bylines), True


def _entries(record: Obj, key: str, wrapper: str | None, path: str) -> Iterator[tuple[Obj, str]]:
    """The papers listed under `key`, unwrapped from {wrapper: paper} when the endpoint wraps them."""
    for index, entry in enumerate(_list(record, key, path)):
        entry_path = _at(path, f"{key}[{index}]")
        paper = _object(entry, entry_path, "a paper")
        if wrapper is not None and wrapper in paper:
            if paper[wrapper] is None:
                continue
            entry_path = _at(entry_path, wrapper)
            paper = _object(paper[wrapper], entry_path, "a paper")
        yield paper, entry_path


# --- authors -------------------------------------------------------------------------------------------


def _person(record: Obj, path: str, as_of: dt.date, keys: _Keys) -> Person:
    author_id = _identifier(record, keys.author_id, path)
    if author_id is None:
        raise RecordError(_where(_at(path, keys.author_id)) + "the author has no id")
    name = _name(record, "name", path)
    ids = [_author_id(author_id, _at(path, keys.author_id))]
    dblp: tuple[str, ...] = ()
    external = _optional_object(record, keys.external_ids, path)
    if external is not None:
        external_path = _at(path, keys.external_ids)
        orcid_path = _at(external_path, "ORCID")
        orcids = _texts(external, "ORCID", external_path)
        for index, orcid in enumerate(orcids):
            ids.append(_orcid(orcid, orcid_path if isinstance(external["ORCID"], str) else f"{orcid_path}[{index}]"))
        dblp = _texts(external, "DBLP", external_path)
    aliases = tuple(alias for alias in _names(record, "aliases", path) if alias != name)
    affiliations = tuple(Institution(name=text) for text in _texts(record, "affiliations", path))
    works: list[Work] = []
    for paper, paper_path in _entries(record, "papers", None, path):
        work = _nested_work(paper, paper_path, _paper_ids(paper, paper_path, _API))
        if work is not None:
            works.append(work)
    return Person(
        source=SOURCE,
        ids=tuple(dict.fromkeys(ids)),
        name=name,
        alternative_names=tuple(dict.fromkeys(aliases)),
        institutions=affiliations,
        reported=_figures(record, path, as_of, keys),
        works=tuple(works),
        dblp_names=tuple(dict.fromkeys(dblp)),
    )


def _figures(record: Obj, path: str, as_of: dt.date, keys: _Keys) -> ReportedFigures | None:
    h_index = _count(record, keys.h_index, path)
    citations = _count(record, keys.citation_count, path)
    papers = _count(record, keys.paper_count, path)
    if h_index is None and citations is None and papers is None:
        return None
    return ReportedFigures(source=SOURCE, as_of=as_of, h_index=h_index, citation_count=citations, paper_count=papers)


def _author_id(value: str, path: str) -> AuthorId:
    try:
        return AuthorId("s2", _external("Author", "s2", value))
    except InvalidInputError as error:
        raise RecordError(_where(path) + str(error)) from error


def _orcid(value: str, path: str) -> AuthorId:
    try:
        return AuthorId("orcid", _external("Author", "orcid", value))
    except InvalidInputError as error:
        raise RecordError(_where(path) + str(error)) from error


def _external(kind: Kind, scheme: str, value: str) -> str:
    """The normalised value of an id of `scheme`, written bare or as its resolver URL.

    URLs are parsed directly so that a malformed one is refused with its real reason (a wrong check digit),
    which `normalise_external_id` reports as a shape error once its URL reading has failed. The common
    resolver prefixes are cut off without a URL parse (the hot path of a bulk import).
    """
    if _URL.match(value):
        lowered = value[:24].lower()
        for prefix in _RESOLVERS.get(scheme, ()):
            if lowered.startswith(prefix) and "%" not in value:
                return parse_external_id(f"{scheme}:{value[len(prefix) :]}", kind).value
        written = parse_external_id(value, kind)
        if written.scheme != scheme:
            raise InvalidInputError(f"{value[:80]!r} is a {written.scheme} URL, not a {scheme} id")
        return written.value
    return normalise_external_id(kind, scheme, value).value


# --- typed access to JSON values, with the path of the value in every error ----------------------------


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path and not key.startswith("[") else path + key


def _where(path: str) -> str:
    return f"{path}: " if path else ""


def _kind(value: object) -> str:
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


def _wrong(path: str, expected: str, value: object) -> NoReturn:
    raise RecordError(_where(path) + f"expected {expected}, got {_kind(value)}")


def _object(value: object, path: str, what: str) -> Obj:
    if not isinstance(value, dict):
        _wrong(path, f"{what} (a JSON object)", value)
    return value


def _optional_object(record: Obj, key: str, path: str) -> Obj | None:
    value = record.get(key)
    return None if value is None else _object(value, _at(path, key), "an object")


def _list(record: Obj, key: str, path: str) -> list[object]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        _wrong(_at(path, key), "a list", value)
    return value


def _text(record: Obj, key: str, path: str) -> str | None:
    """A string field, stripped; None when absent, null or blank."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        _wrong(_at(path, key), "a string", value)
    return value.strip() or None


def _texts(record: Obj, key: str, path: str) -> tuple[str, ...]:
    """A list of strings (or one string, as some S2 id fields are written), blanks left out."""
    value = record.get(key)
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    found: list[str] = []
    for index, item in enumerate(_list(record, key, path)):
        if not isinstance(item, str):
            _wrong(_at(path, f"{key}[{index}]"), "a string", item)
        if item.strip():
            found.append(item.strip())
    return tuple(found)


def _name(record: Obj, key: str, path: str) -> str:
    name = _text(record, key, path)
    if name is None:
        raise RecordError(_where(_at(path, key)) + "the author has no name")
    return unicodedata.normalize("NFC", name)


def _names(record: Obj, key: str, path: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", name) for name in _texts(record, key, path))


def _count(record: Obj, key: str, path: str) -> int | None:
    """A non-negative integer field; None when absent or null."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        _wrong(_at(path, key), "an integer", value)
    if value < 0:
        raise RecordError(_where(_at(path, key)) + f"{value} is negative")
    return value


def _identifier(record: Obj, key: str, path: str) -> str | None:
    """An id S2 writes as a string or a number (corpus ids are numbers in the API, strings in the datasets)."""
    value = record.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(record, key, path)
