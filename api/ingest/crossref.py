"""Read Crossref REST API work objects into `Work`s.

Input comes as JSON lines of work objects (a dump) or as API responses: `read_crossref_page` turns any of
`{"message-type": "work-list", "message": {"items": [...]}}`, `{"message-type": "work", "message": {...}}`
or a bare work object into the list of work objects, `read_crossref` reads one of them, and
`read_crossref_value` does both, listing a `Skipped` for each item left out so that a page's other items
are read:

    DOI                      -> ids (doi:, lower case)
    title[]                  -> the first non-empty one; JATS/HTML/MathML tags stripped, entities unescaped
    abstract                 -> JATS (<jats:p>, <jats:sec>, <jats:title>) as plain paragraphs joined by "\\n"
    issued, published, published-online, published-print, posted, approved
                             -> published_on from the first present: [[2011]] year, [[2011, 5]] month,
                                [[2011, 5, 3]] day precision; [[null]] counts as absent; of a date that does
                                not exist ([[2011, 2, 30]], [[2011, 13]]) the parts that do are kept
                                (2011-02, 2011), a year outside 1000-9999 counts as absent
    author[]                 -> bylines in list order: given + family (+ suffix), or `name` (organisations);
                                ORCID normalised (left out, listed, when its check digit fails: a typo);
                                affiliation[].name -> Institution (ROR id when given);
                                an author without a name keeps its place but is left out, the byline then
                                incomplete
    reference[]              -> by DOI, else by its `unstructured` text, else by text built from its fields
    is-referenced-by-count   -> reported_citation_count (read as absent, listed, when out of range)

Not read: `subtitle` (as often a running head, a section name or an artist as a real subtitle),
`subject` (journal subject areas, not arXiv categories), `created` (the DOI's registration date: for old
papers decades after publication), `link` (full texts, not code), `editor`, `container-title`.

Real-world quirks this handles (all seen in Crossref's own responses): markup inside titles, sometimes
escaped (`&lt;scp&gt;`, `&lt;subtitle&gt;`), and with the spaces around it lost (`Ant,<i>Melophorus</i>Lubbock`);
MathML titles; an `Abstract` heading inside the abstract; placeholder abstracts (`<jats:p>-</jats:p>`);
`sequence` that says "additional" for every author or "first" for two (the list order is the byline);
affiliation strings deposited as organisation authors (dropped); references with a malformed DOI (kept
as text). Works of a container type (a journal, an issue) raise `NotAPaperError`; works without a title
(books deposited without one, `title: [""]`, a /works/{doi}/agency answer) raise `IncompleteRecord`.

Pure: decoded JSON in, `Work` out, or `RecordError` whose reason starts with the field at fault.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata

from api.errors import InvalidInputError
from api.ids import normalise_external_id
from api.ingest import fields
from api.ingest.model import (
    UNTITLED_WORKS,
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

SOURCE = "crossref"

NOT_PAPER_TYPES = frozenset(
    {
        "journal",
        "journal-volume",
        "journal-issue",
        "book-series",
        "book-set",
        "report-series",
        "proceedings-series",
        "component",
        "grant",
    }
)
"""Crossref types that name a container (or a part, or a grant) rather than a paper."""

DATE_FIELDS = ("issued", "published", "published-online", "published-print", "posted", "approved")
"""Where the publication date is taken from, the first present one winning (`issued` is Crossref's
earliest of print and online; `posted` dates preprints, `approved` dissertations and standards)."""


NOT_PAPERS = "not_papers"
"""The kind of a `Skipped` item that is well formed but names no paper."""


class NotAPaperError(RecordError):
    """The record is well formed but names no paper (a journal, an issue, a component): skip it."""


def read_crossref_value(obj: object) -> Read:
    """The works of one input value (a work, or an API response), each item that is not a paper or is
    incomplete listed as `Skipped`, and what a work was read without after it; RecordError naming the item
    and field when one is malformed."""
    found: Read = []
    for path, item in _located_items(obj):
        where = fields.where(path)
        left_out: list[Skipped] = []
        try:
            found.append(read_crossref(item, left_out))
            found.extend(Skipped(skipped.kind, where + skipped.reason) for skipped in left_out)
        except NotAPaperError as error:
            found.append(Skipped(NOT_PAPERS, where + str(error)))
        except IncompleteRecord as error:
            found.append(Skipped(error.kind, where + error.reason))
        except RecordError as error:
            raise RecordError(where + str(error)) from None
    return found


def read_crossref_page(obj: object) -> list[object]:
    """The work objects of an API response (a work list or one work), or `[obj]` for a bare work object."""
    return [item for _, item in _located_items(obj)]


def _located_items(obj: object) -> list[tuple[str, object]]:
    """The work objects of an input value, each with its path in it (`message.items[3]`; "" for a bare work)."""
    if not isinstance(obj, dict):
        fields.unexpected("", "a JSON object (a Crossref work or API response)", obj)
    if "message" not in obj:
        return [("", obj)]
    status = obj.get("status")
    message = obj["message"]
    if status not in (None, "ok"):
        raise RecordError(f"status: the API response reports {status!r}: {_summary(message)}")
    kind = obj.get("message-type")
    if kind == "work-list" or (kind is None and isinstance(message, dict) and "items" in message):
        if not isinstance(message, dict):
            fields.unexpected("message", "an object with items", message)
        items = message.get("items")
        if not isinstance(items, list):
            fields.unexpected("message.items", "a list of works", items)
        return [(f"message.items[{index}]", item) for index, item in enumerate(items)]
    if kind in ("work", None):
        if not isinstance(message, dict):
            fields.unexpected("message", "a work object", message)
        return [("message", message)]
    raise RecordError(f"message-type: {str(kind)[:40]!r} is not a work or a work list")


def read_crossref(obj: object, left_out: list[Skipped] | None = None) -> Work:
    """One Crossref work object as a Work; RecordError naming the field when it is malformed. What the work
    is read without (an ORCID iD failing its check digit, a figure out of range) is listed in `left_out`,
    when given."""
    left_out = [] if left_out is None else left_out
    if not isinstance(obj, dict):
        fields.unexpected("", "a JSON object (a Crossref work)", obj)
    if "message" in obj and "DOI" not in obj:
        raise RecordError("message: this is an API response, not a work (read it with read_crossref_page)")
    doi = _doi(obj.get("DOI"))
    kind = obj.get("type")
    if kind is not None and not isinstance(kind, str):
        fields.unexpected("type", "a string", kind)
    if kind in NOT_PAPER_TYPES:
        raise NotAPaperError(f"type: {kind!r} names a container or a part, not a paper")
    published = _published(obj)
    abstract = _abstract(obj.get("abstract"))
    authors, complete = _authors(obj.get("author"), left_out)
    references = _references(obj.get("reference"), doi)
    cited = _count(obj, "is-referenced-by-count", left_out)
    return Work(
        source=SOURCE,
        ids=(doi,),
        title=_title(obj.get("title")),  # read last: a malformed field elsewhere makes the record malformed
        abstract=abstract,
        published_on=published[0] if published else None,
        published_precision=published[1] if published else None,
        authors=authors,
        authors_complete=complete,
        references=references,
        reported_citation_count=cited,
    )


# --- fields -------------------------------------------------------------------------------------------


def _summary(message: object) -> str:
    """What an error response says, briefly (its message is a list of {type, value, message})."""
    if isinstance(message, list) and message and isinstance(message[0], dict):
        return str(message[0].get("message") or message[0].get("type") or "no reason given")[:120]
    return str(message)[:120]


def _doi(value: object) -> PaperId:
    if value is None:
        raise RecordError("DOI: missing")
    if not isinstance(value, str):
        fields.unexpected("DOI", "a string", value)
    try:
        return PaperId("doi", normalise_external_id("Paper", "doi", value).value)
    except InvalidInputError as error:
        raise RecordError(f"DOI: {error}") from None


def _title(value: object) -> str:
    """The first title with a letter or digit; IncompleteRecord when there is none (Crossref allows it)."""
    if value is None:
        raise IncompleteRecord(UNTITLED_WORKS, "title: missing")
    titles = [value] if isinstance(value, str) else value
    if not isinstance(titles, list):
        fields.unexpected("title", "a list of strings", value)
    for index, title in enumerate(titles):
        if not isinstance(title, str):
            fields.unexpected(f"title[{index}]", "a string", title)
    for title in titles:
        cleaned = markup_to_text(title)
        if has_text(cleaned):
            return cleaned
    if not titles:
        raise IncompleteRecord(UNTITLED_WORKS, "title: missing (an empty list)")
    shown = next((markup_to_text(title) for title in titles if markup_to_text(title)), "")
    raise IncompleteRecord(UNTITLED_WORKS, f"title: {shown[:40]!r} has no letter or digit" if shown else "title: empty")


def _count(obj: dict[str, object], key: str, left_out: list[Skipped]) -> int | None:
    value = obj.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        fields.unexpected(key, "a count (an integer)", value)  # this reader's wording, quoting the value
    return fields.figure(obj, key, "", left_out)


_HEADING = re.compile(r"(?:abstract|summary)\s*[.:]?", re.IGNORECASE)


def _abstract(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        fields.unexpected("abstract", "a string", value)
    paragraphs = markup_to_text(value, paragraphs=True).split("\n")
    if paragraphs and _HEADING.fullmatch(paragraphs[0]):
        paragraphs = paragraphs[1:]  # the "Abstract" heading publishers put inside it
    text = "\n".join(paragraphs)
    return text if any(c.isalnum() for c in text) else None  # "<jats:p>-</jats:p>" is a placeholder


# --- dates --------------------------------------------------------------------------------------------

_PRECISION: dict[int, Precision] = {1: "year", 2: "month", 3: "day"}


def _published(obj: dict[str, object]) -> tuple[dt.date, Precision] | None:
    for field in DATE_FIELDS:
        found = _partial_date(field, obj.get(field))
        if found is not None:
            return found
    return None


def _partial_date(field: str, value: object) -> tuple[dt.date, Precision] | None:
    """A Crossref partial date: {"date-parts": [[year, month?, day?]]}; None for [[null]] (no date)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        fields.unexpected(field, "an object with date-parts", value)
    parts = value.get("date-parts")
    if not isinstance(parts, list) or not parts or not isinstance(parts[0], list):
        raise RecordError(f"{field}.date-parts: expected [[year, month, day]], found {parts!r:.60}")
    first = list(parts[0])
    while first and first[-1] is None:
        first.pop()  # [[null]] and [[2011, null]]: the parts not known
    if not first:
        return None
    if len(first) > 3 or not all(isinstance(p, int) and not isinstance(p, bool) for p in first):
        raise RecordError(f"{field}.date-parts: expected [[year, month, day]] as integers, found {parts[0]!r:.60}")
    # Well-typed parts that name no date ([[2011, 2, 30]], [[2011, 13]], [[20011]]) are a depositor's slip, not
    # damage: the parts that do name a date are kept (2011-02, 2011), none when the year is implausible.
    if not 1000 <= first[0] <= 9999:
        return None
    while len(first) > 1:
        try:
            dt.date(*[*first, 1, 1][:3])
            break
        except ValueError:
            first.pop()
    year, month, day = [*first, 1, 1][:3]
    return dt.date(year, month, day), _PRECISION[len(first)]


# --- authors ------------------------------------------------------------------------------------------

# An organisation "author" with a comma and a word of institutions is an address deposited in the wrong
# field; collaboration and staff names ("OLYMPUS Collaboration", "The PLOS ONE Staff") have neither.
_INSTITUTION_WORD = re.compile(
    r"\b(?:universit|department|dept\.|school|faculty|hospital|institut|center|centre|laborator|college)",
    re.IGNORECASE,
)
_ROR = re.compile(r"(?:https?://ror\.org/)?(0[a-z0-9]{6}\d{2})", re.IGNORECASE | re.ASCII)


def _authors(value: object, left_out: list[Skipped]) -> tuple[tuple[Byline, ...], bool]:
    """The bylines, and whether they are the whole author list: not when the list is absent, nor when an
    author in it has no name (left out, its place kept). What is left out of a byline goes to `left_out`."""
    if value is None:
        return (), False
    if not isinstance(value, list):
        fields.unexpected("author", "a list of authors", value)
    bylines: list[Byline] = []
    position = 0
    for index, author in enumerate(value):
        field = f"author[{index}]"
        if not isinstance(author, dict):
            fields.unexpected(field, "an object", author)
        name = _author_name(field, author)
        if name is None:
            continue  # an affiliation deposited as an author: no one's place
        position += 1
        entry_left_out: list[Skipped] = []
        byline = _author(field, author, name, position, entry_left_out)  # checked even when it is left out
        if has_text(name):
            bylines.append(byline)
            left_out.extend(entry_left_out)
    return tuple(bylines), len(bylines) == position


def _author_name(field: str, author: dict[str, object]) -> str | None:
    """given + family (+ suffix), else the organisation's name; "" for none; None for an affiliation
    deposited as an author."""
    given, family, suffix, organisation = (
        _optional_text(author, f"{field}.{key}", key) for key in ("given", "family", "suffix", "name")
    )
    if given or family:
        return " ".join(part for part in (given, family, suffix) if part)
    if "," in organisation and _INSTITUTION_WORD.search(organisation):
        return None
    return organisation


def _author(field: str, author: dict[str, object], name: str, position: int, left_out: list[Skipped]) -> Byline:
    ids: tuple[AuthorId, ...] = ()
    orcid = author.get("ORCID")
    if orcid is not None:
        if not isinstance(orcid, str):
            fields.unexpected(f"{field}.ORCID", "a string", orcid)
        found = fields.orcid(orcid, f"{field}.ORCID", left_out)
        ids = () if found is None else (found,)
    institutions = _affiliations(field, author.get("affiliation"))
    return Byline(
        name=name,
        position=position,
        ids=ids,
        institutions=institutions,
        affiliation="; ".join(i.name for i in institutions) or None,
    )


def _optional_text(obj: dict[str, object], field: str, key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        fields.unexpected(field, "a string", value)
    return _one_line(html.unescape(value))


def _affiliations(field: str, value: object) -> tuple[Institution, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        fields.unexpected(f"{field}.affiliation", "a list of {name} objects", value)
    found: dict[str, Institution] = {}
    for index, affiliation in enumerate(value):
        if not isinstance(affiliation, dict):
            fields.unexpected(f"{field}.affiliation[{index}]", "an object", affiliation)
        name = _optional_text(affiliation, f"{field}.affiliation[{index}].name", "name")
        if name and name not in found:
            found[name] = Institution(name=name, ror=_ror(affiliation.get("id")))
    return tuple(found.values())


def _ror(value: object) -> str | None:
    """The ROR id among an affiliation's ids ([{"id": "https://ror.org/…", "id-type": "ROR"}]), if any."""
    if not isinstance(value, list):
        return None
    for entry in value:
        if isinstance(entry, dict) and str(entry.get("id-type", "")).upper() == "ROR":
            match = _ROR.fullmatch(str(entry.get("id", "")).strip())
            if match:
                return f"https://ror.org/{match[1].lower()}"
    return None


# --- references ---------------------------------------------------------------------------------------

_REFERENCE_TITLES = ("article-title", "volume-title", "series-title", "journal-title")


def _references(value: object, own: PaperId) -> tuple[Reference, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        fields.unexpected("reference", "a list of references", value)
    references: list[Reference] = []
    cited: set[PaperId] = set()
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            fields.unexpected(f"reference[{index}]", "an object", entry)
        reference = _reference(f"reference[{index}]", entry)
        if reference is None:
            continue
        if reference.ids:
            if reference.ids[0] in cited or reference.ids[0] == own:
                continue  # the same work listed twice, or the work citing itself by a deposit slip
            cited.add(reference.ids[0])
        references.append(reference)
    return tuple(references)


def _reference(field: str, entry: dict[str, object]) -> Reference | None:
    """A reference by DOI (with its text when given), else by text; None when it names nothing."""
    unstructured = entry.get("unstructured")
    text = markup_to_text(unstructured) if isinstance(unstructured, str) else ""
    doi = entry.get("DOI")
    if doi is None:
        text = text or _composed(entry)
        return Reference(text=text) if text else None
    if not isinstance(doi, str):
        fields.unexpected(f"{field}.DOI", "a string", doi)
    try:
        return Reference(ids=(PaperId("doi", normalise_external_id("Paper", "doi", doi).value),), text=text or None)
    except InvalidInputError:  # publishers' typos ("10.1016/j.x.2010.01.001."): kept, but not resolvable
        return Reference(text=text or _composed(entry) or f"doi:{_one_line(doi)}")


def _composed(entry: dict[str, object]) -> str:
    """A reference's text from its fields, as 'A. Author (2018). Title. Journal 14(9):1259'; '' when it
    has no author and no title (a bare year or page names nothing)."""

    def field(key: str) -> str:
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return markup_to_text(value) if isinstance(value, str) else ""

    author, title = field("author"), field("article-title")
    container = field("journal-title") or field("volume-title") or field("series-title")
    if not (author or title or container):
        return ""
    year, volume, issue, page = field("year"), field("volume"), field("issue"), field("first-page")
    head = f"{author} ({year})" if author and year else author or (f"({year})" if year else "")
    locator = volume + (f"({issue})" if issue else "")
    if page:
        locator = f"{locator}:{page}" if locator else f"p. {page}"
    source = " ".join(part for part in (container, locator) if part)
    return ". ".join(part for part in (head, title, source) if part)


# --- markup -------------------------------------------------------------------------------------------

# Tags by what removing them must leave: a paragraph break, a subtitle separator, nothing (a sub- or
# superscript is part of its word: Al<sub>2</sub>O<sub>3</sub>), or a word boundary, since publishers lose
# the spaces around inline elements ("Ant,<i>Melophorus bagoti</i>Lubbock", "in<mml:math>…</mml:math>nucleus").
# A boundary becomes a space between two characters that are neither spaces nor punctuation that hugs the
# text beside it; after a sub/superscript, a space comes only before a lower-case letter ("CuCl2 ethanol").
# Tag names are compared without their namespace (jats:, mml:).
_JOINING = frozenset({"sub", "sup", "inline-formula", "alternatives"})
_BLOCK = frozenset({"p", "title", "sec", "br", "div", "list", "list-item", "label", "caption", "disp-quote"})
_INLINE = "subtitle i b u em strong italic bold underline sc scp span tt monospace ext-link a font math"
_KNOWN = _JOINING | _BLOCK | frozenset(_INLINE.split())
_TAG = re.compile(r"<(/?)(?:[A-Za-z][\w.-]*:)?([A-Za-z][\w.-]*)(?:\s[^<>]*)?/?>")
_MATH_ELEMENT = re.compile(r"<((?:[A-Za-z][\w.-]*:)?math)\b[^>]*>(.*?)</\1\s*>", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BOUNDARY, _BREAK, _SUBTITLE, _AFTER_SCRIPT = "\x01", "\x02", "\x03", "\x04"
_MARKS = re.compile(f"[{_BOUNDARY}{_AFTER_SCRIPT}]+")
_SUBTITLE_SEPARATOR = re.compile(rf"\s*{_SUBTITLE}\s*")
_DASHES = "-/\u2010\u2011\u2013\u2014"  # hyphens, slash, en and em dash
_HUGS_NEXT = frozenset("([{\"'\u2018\u201c" + _DASHES)  # no space after these (and curly opening quotes)
_HUGS_PREVIOUS = frozenset(")]}\"'\u2019\u201d.,;:!?%" + _DASHES)  # no space before these


def markup_to_text(markup: str, *, paragraphs: bool = False) -> str:
    """Plain text of a Crossref title or abstract (JATS, HTML, MathML; entities, possibly double-escaped).

    One line, or with `paragraphs`, paragraphs (<jats:p>, <jats:title>, ...) joined by "\\n"; whitespace
    runs collapsed; NFC. `<subtitle>` inside a title becomes ": ".
    """
    if "<" not in markup and "&" not in markup and not _CONTROL.search(markup):
        return unicodedata.normalize("NFC", _one_line(markup))  # plain text, the common case
    text = _CONTROL.sub(" ", markup)
    if "<" in text:
        text = _MATH_ELEMENT.sub(_math, text)
        text = _TAG.sub(_tag, text)
    if "&" in text:
        text = html.unescape(text)
        if "<" in text:  # escaped markup (&lt;scp&gt;): only known tags, "p < 0.05" stays text
            text = _MATH_ELEMENT.sub(_math, text)
            text = _TAG.sub(_known_tag, text)
    if _SUBTITLE in text:
        text = _SUBTITLE_SEPARATOR.sub(_subtitle, text)
    text = _MARKS.sub(_space, text)
    lines = (_one_line(part) for part in text.split(_BREAK))
    return unicodedata.normalize("NFC", ("\n" if paragraphs else " ").join(line for line in lines if line))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _math(match: re.Match[str]) -> str:
    return _BOUNDARY + _TAG.sub("", match[2]) + _BOUNDARY


def _tag(match: re.Match[str]) -> str:
    name = match[2].lower()
    if name in _JOINING:
        return _AFTER_SCRIPT if match[1] else ""
    if name in _BLOCK:
        return _BREAK
    if name == "subtitle":
        return "" if match[1] else _SUBTITLE
    return _BOUNDARY


def _known_tag(match: re.Match[str]) -> str:
    return _tag(match) if match[2].lower() in _KNOWN else match[0]


def _subtitle(match: re.Match[str]) -> str:
    before = match.string[: match.start()].rstrip()
    return " " if not before or before[-1] in ".:?!" else ": "


def _space(match: re.Match[str]) -> str:
    """A space where removed tags leave two words (or a word and a formula) run together, else nothing."""
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isspace() or after.isspace() or _BREAK in (before, after):
        return ""
    if _BOUNDARY in match[0]:
        return "" if before in _HUGS_NEXT or after in _HUGS_PREVIOUS else " "
    return " " if before.isalnum() and after.isalpha() and after.islower() else ""
