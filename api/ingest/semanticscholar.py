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
paper response without a title (the field was not requested, as in a `fields=authors,citations`
response, or S2 has none) gives no Work for the paper itself; its cited papers' Works then carry the link
in `cited_by`. A record that is not an object, has no id, a value of the wrong type or a malformed DOI,
arXiv id or ORCID raises RecordError naming the field by its path (`citations[17].authors[2].name`). An
ORCID iD well formed but for its check digit is a typo: the author is read without it, and it is listed
after the records as `Skipped`; so is a reported figure out of range (a negative count), read as absent.

What S2 allows but the store cannot hold raises IncompleteRecord (in a batch or page, a `Skipped` in the
item's place): a dataset paper without a title, a paper response with a null title and nothing else to
store, an author without a name. A byline entry without a name is left out (the byline incomplete).

Reported figures (hIndex, citationCount, paperCount) are S2's, from its own corpus, as of `as_of` (the
response's capture date, or the datasets' release date): the lines' `updated` stamps say when a record
last changed, not when its figures were computed. DBLP "ids" of authors are DBLP person names
(Person.dblp_names). MAG, ACL, PubMed and DBLP paper ids, venues and fields of study are not read.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from api.ingest import fields
from api.ingest.fields import Obj
from api.ingest.model import (
    UNNAMED_AUTHORS,
    UNTITLED_WORKS,
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
    has_text,
)

SOURCE = "semanticscholar"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_PAPER_URL = re.compile(r"https?://(?:www\.)?semanticscholar\.org/paper/([0-9a-fA-F]{40})", re.ASCII)


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


def read_s2(obj: object, *, as_of: dt.date) -> Read:
    """The records in one Semantic Scholar input (a response or a dataset line), an incomplete item of a
    batch or page as `Skipped`; RecordError if malformed, IncompleteRecord if the one record is incomplete."""
    if isinstance(obj, list):
        return _batch(obj, "", as_of)
    left_out: list[Skipped] = []
    return [*_read(obj, "", as_of, left_out), *left_out]


def _batch(items: list[object], path: str, as_of: dt.date) -> Read:
    """The records of the items of a batch `[..]` or a page's `data`, each incomplete item `Skipped`, and
    after each item's records what they are read without."""
    found: Read = []
    for index, item in enumerate(items):
        item_path = fields.at(path, f"[{index}]")
        left_out: list[Skipped] = []
        try:
            found.extend(_read(item, item_path, as_of, left_out))
            found.extend(left_out)
        except IncompleteRecord as error:
            found.append(Skipped(error.kind, error.reason))  # the reason names the item's field by its path
    return found


def _read(obj: object, path: str, as_of: dt.date, left_out: list[Skipped]) -> Read:
    """The records of one item (a batch's items are read by `_batch`); what they are read without (an
    ORCID iD failing its check digit, a figure out of range) goes to `left_out`."""
    record = fields.as_object(obj, path, "a Semantic Scholar record")
    if "paperId" in record:
        return [*_paper_response(record, path, left_out)]
    if "authorId" in record:
        return [_person(record, path, as_of, _API, left_out)]
    if "corpusid" in record:
        return [_dataset_paper(record, path, left_out)]
    if "authorid" in record:
        return [_person(record, path, as_of, _DATASET, left_out)]
    for wrapper in ("citingPaper", "citedPaper"):
        if wrapper in record:  # an entry of a /citations or /references page: a listing, like a nested paper
            if record[wrapper] is None:
                return []
            inner_path = fields.at(path, wrapper)
            inner = fields.as_object(record[wrapper], inner_path, "a paper")
            work = _nested_work(inner, inner_path, _paper_ids(inner, inner_path, _API), left_out)
            return [] if work is None else [work]
    if "data" in record:
        return _batch(fields.items(record, "data", path), fields.at(path, "data"), as_of)
    raise RecordError(
        fields.where(path)
        + "not a Semantic Scholar paper or author: none of paperId, authorId (Graph API), corpusid, authorid "
        "(datasets), citingPaper, citedPaper or data is there"
    )


# --- papers --------------------------------------------------------------------------------------------


def _paper_response(record: Obj, path: str, left_out: list[Skipped]) -> list[Record]:
    if record.get("paperId") is None:
        raise RecordError(fields.where(fields.at(path, "paperId")) + "the paper has no paperId")
    ids = _paper_ids(record, path, _API)
    title = fields.text(record, "title", path)
    if not has_text(title):
        title = None  # not requested, or S2 has none: the paper gives its links, not a Work of its own

    citing: list[Record] = []
    cited_by: list[PaperId] = []
    for entry, entry_path in _entries(record, "citations", "citingPaper", path):
        entry_ids = _paper_ids(entry, entry_path, _API)
        if entry_ids:
            cited_by.append(entry_ids[0])
        work = _nested_work(entry, entry_path, entry_ids, left_out, references=(Reference(ids=ids),))
        if work is not None:
            citing.append(work)

    cited: list[Record] = []
    references: list[Reference] = []
    # Without a Work of its own, the paper's references are kept on the cited papers' side.
    citers = () if title is not None else (ids[0],)
    for entry, entry_path in _entries(record, "references", "citedPaper", path):
        entry_ids = _paper_ids(entry, entry_path, _API)
        entry_title = fields.text(entry, "title", entry_path)
        if entry_ids:
            references.append(Reference(ids=entry_ids))
        elif entry_title is not None:
            references.append(Reference(text=entry_title))
        work = _nested_work(entry, entry_path, entry_ids, left_out, cited_by=citers)
        if work is not None:
            cited.append(work)

    main: list[Record] = []
    if title is not None:
        own = _work(record, path, _API, ids, title, left_out, references=tuple(references), cited_by=tuple(cited_by))
        main.append(own)
    elif "title" in record and not citing and not cited:
        _work(record, path, _API, ids, "", [], references=tuple(references))  # its fields checked all the same
        raise IncompleteRecord(UNTITLED_WORKS, fields.where(fields.at(path, "title")) + "the paper has no title")
    return main + citing + cited


def _dataset_paper(record: Obj, path: str, left_out: list[Skipped]) -> Work:
    if fields.identifier(record, "corpusid", path) is None:
        raise RecordError(fields.where(fields.at(path, "corpusid")) + "the paper has no corpusid")
    ids = _paper_ids(record, path, _DATASET)
    title = fields.text(record, "title", path)
    work = _work(record, path, _DATASET, ids, title or "", left_out)
    if not has_text(title):  # checked last: a malformed field elsewhere makes the record malformed
        raise IncompleteRecord(UNTITLED_WORKS, fields.where(fields.at(path, "title")) + "the paper has no title")
    return work


def _nested_work(
    paper: Obj,
    path: str,
    ids: tuple[PaperId, ...],
    left_out: list[Skipped],
    *,
    references: tuple[Reference, ...] = (),
    cited_by: tuple[PaperId, ...] = (),
) -> Work | None:
    """The Work of a paper listed inside a response; None when it has no id or no title (only a mention)."""
    title = fields.text(paper, "title", path)
    if not ids or title is None or not has_text(title):
        return None
    return _work(paper, path, _API, ids, title, left_out, references=references, cited_by=cited_by)


def _work(
    paper: Obj,
    path: str,
    keys: _Keys,
    ids: tuple[PaperId, ...],
    title: str,
    left_out: list[Skipped],
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
        abstract=fields.text(paper, "abstract", path),
        published_on=published_on,
        published_precision=precision,
        authors=authors,
        authors_complete=complete,
        references=references,
        reported_citation_count=fields.figure(paper, keys.citation_count, path, left_out),
        cited_by=cited_by,
    )


def _paper_ids(paper: Obj, path: str, keys: _Keys) -> tuple[PaperId, ...]:
    """The paper's ids, S2's own first (the sha, then the corpus id), then DOI and arXiv; none repeated."""
    found: list[PaperId] = []
    if keys.paper_id is not None:
        sha = fields.text(paper, keys.paper_id, path)
        if sha is not None:
            found.append(fields.paper_id("s2", sha, fields.at(path, keys.paper_id)))
    else:
        url = fields.text(paper, "url", path)
        match = _PAPER_URL.fullmatch(url) if url is not None else None
        if match:
            found.append(PaperId("s2", match[1].lower()))
    corpus = fields.identifier(paper, keys.corpus_id, path)
    if corpus is not None:
        found.append(fields.paper_id("s2", corpus, fields.at(path, keys.corpus_id)))
    external = fields.optional_object(paper, keys.external_ids, path)
    if external is not None:
        external_path = fields.at(path, keys.external_ids)
        corpus = fields.identifier(external, "CorpusId", external_path)
        if corpus is not None:
            found.append(fields.paper_id("s2", corpus, fields.at(external_path, "CorpusId")))
        doi = fields.text(external, "DOI", external_path)
        if doi is not None:
            found.append(fields.paper_id("doi", doi, fields.at(external_path, "DOI")))
        arxiv = fields.text(external, "ArXiv", external_path)
        if arxiv is not None:
            found.append(fields.paper_id("arxiv", arxiv, fields.at(external_path, "ArXiv")))
    return tuple(dict.fromkeys(found))


def _published(paper: Obj, path: str, keys: _Keys) -> tuple[dt.date | None, Precision | None]:
    """publicationDate to the day when S2 has it, else the year (as 1 January, year precision)."""
    written = fields.text(paper, keys.publication_date, path)
    if written is not None:
        date_path = fields.at(path, keys.publication_date)
        if not _DATE.fullmatch(written):
            raise RecordError(fields.where(date_path) + f"{written[:40]!r} is not a date (expected YYYY-MM-DD)")
        try:
            return dt.date.fromisoformat(written), "day"
        except ValueError as error:
            raise RecordError(fields.where(date_path) + f"{written!r} is not a date: {error}") from error
    year = fields.count(paper, "year", path)
    if year is None:
        return None, None
    if not 1 <= year <= 9999:
        raise RecordError(fields.where(fields.at(path, "year")) + f"{year} is not a year")
    return dt.date(year, 1, 1), "year"


def _bylines(paper: Obj, path: str) -> tuple[tuple[Byline, ...], bool]:
    """The authors in S2's order (positions 1, 2, …); not complete when the response has no author list."""
    if paper.get("authors") is None:
        return (), False
    bylines: list[Byline] = []
    entries = fields.items(paper, "authors", path)
    for index, entry in enumerate(entries):
        entry_path = fields.at(path, f"authors[{index}]")
        author = fields.as_object(entry, entry_path, "an author")
        name = fields.text(author, "name", entry_path)
        author_id = fields.identifier(author, "authorId", entry_path)  # the same key in the datasets' papers
        ids = (fields.author_id("s2", author_id, fields.at(entry_path, "authorId")),) if author_id is not None else ()
        if name is not None and has_text(name):  # an author without a name is left out, the place kept
            bylines.append(Byline(name=unicodedata.normalize("NFC", name), position=index + 1, ids=ids))
    return tuple(bylines), len(bylines) == len(entries)


def _entries(record: Obj, key: str, wrapper: str | None, path: str) -> Iterator[tuple[Obj, str]]:
    """The papers listed under `key`, unwrapped from {wrapper: paper} when the endpoint wraps them."""
    for index, entry in enumerate(fields.items(record, key, path)):
        entry_path = fields.at(path, f"{key}[{index}]")
        paper = fields.as_object(entry, entry_path, "a paper")
        if wrapper is not None and wrapper in paper:
            if paper[wrapper] is None:
                continue
            entry_path = fields.at(entry_path, wrapper)
            paper = fields.as_object(paper[wrapper], entry_path, "a paper")
        yield paper, entry_path


# --- authors -------------------------------------------------------------------------------------------


def _person(record: Obj, path: str, as_of: dt.date, keys: _Keys, left_out: list[Skipped]) -> Person:
    author_id = fields.identifier(record, keys.author_id, path)
    if author_id is None:
        raise RecordError(fields.where(fields.at(path, keys.author_id)) + "the author has no id")
    name = unicodedata.normalize("NFC", fields.text(record, "name", path) or "")
    ids = [fields.author_id("s2", author_id, fields.at(path, keys.author_id))]
    dblp: tuple[str, ...] = ()
    external = fields.optional_object(record, keys.external_ids, path)
    if external is not None:
        external_path = fields.at(path, keys.external_ids)
        orcid_path = fields.at(external_path, "ORCID")
        single = isinstance(external.get("ORCID"), str)  # one ORCID, or a list of them
        for index, orcid in enumerate(fields.texts(external, "ORCID", external_path)):
            found = fields.orcid(orcid, orcid_path if single else f"{orcid_path}[{index}]", left_out)
            if found is not None:
                ids.append(found)
        dblp = fields.texts(external, "DBLP", external_path)
    aliases = tuple(alias for alias in fields.names(record, "aliases", path) if alias != name)
    affiliations = tuple(Institution(name=text) for text in fields.texts(record, "affiliations", path))
    works: list[Work] = []
    for paper, paper_path in _entries(record, "papers", None, path):
        work = _nested_work(paper, paper_path, _paper_ids(paper, paper_path, _API), left_out)
        if work is not None:
            works.append(work)
    person = Person(
        source=SOURCE,
        ids=tuple(dict.fromkeys(ids)),
        name=name,
        alternative_names=tuple(dict.fromkeys(aliases)),
        institutions=affiliations,
        reported=_figures(record, path, as_of, keys, left_out),
        works=tuple(works),
        dblp_names=tuple(dict.fromkeys(dblp)),
    )
    if not has_text(name):  # checked last: a malformed field elsewhere makes the record malformed
        reason = f"the name {name[:40]!r} has no letter or digit" if name else "the author has no name"
        raise IncompleteRecord(UNNAMED_AUTHORS, fields.where(fields.at(path, "name")) + reason)
    return person


def _figures(record: Obj, path: str, as_of: dt.date, keys: _Keys, left_out: list[Skipped]) -> ReportedFigures | None:
    h_index = fields.figure(record, keys.h_index, path, left_out)
    citations = fields.figure(record, keys.citation_count, path, left_out)
    papers = fields.figure(record, keys.paper_count, path, left_out)
    if h_index is None and citations is None and papers is None:
        return None
    return ReportedFigures(source=SOURCE, as_of=as_of, h_index=h_index, citation_count=citations, paper_count=papers)
