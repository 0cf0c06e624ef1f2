"""What the store can hold, and fitting each record a reader made to it before the writer sees it.

The limits are the bulk writer's (api/ingest/bulk.py, `check_record`): a record past one is malformed there.
Real dumps hold records that are valid in their source's schema but hold text the store cannot keep as
given; `fit_record`, which the import applies to every record read (api/ingest/run.py), makes them fit
where the data model allows:

- Control characters (C0 but tab, line feed and carriage return; DEL) in the texts stored (titles,
  abstracts, names, affiliations, institution names): each run of them, with the spaces around it, is read
  as one space (as nothing at either end of the text). PostgreSQL cannot store NUL, and the others are
  debris of conversions (a PDF's lost ligature, a separator), never text; the Crossref reader already
  reads them so inside markup. Not counted: no character of text is lost. Ids are not fitted: an id with
  a control character is malformed, and the readers refuse it.
- A title over `MAX_TITLE_BYTES` is cut at a word boundary and ends in "…" (OVERLONG_TITLES). Such a
  "title" is an abstract, a table of contents or a reference list deposited in the wrong field; leaving
  the work out would lose its ids, byline and citations (and every reference to it would wait forever),
  while the head of the text still names it. The "…" says it is cut; the reject file keeps the record.
- A name over `MAX_NAME_BYTES` is no one's name (a whole author list, an affiliation in the name field):
  in a byline the entry is left out, as readers leave out an entry without a name, and the byline is
  then incomplete; an author record is left out whole (OVERLONG_NAMES either way).

What a reader can judge only from the source (an ORCID failing its check digit, a figure out of range) it
judges itself, naming the field by its path (api/ingest/fields.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from api.ingest.model import OVERLONG_NAMES, OVERLONG_TITLES, Byline, Institution, Person, Record, Skipped, Work

MAX_COUNT = 2**31 - 1  # a PostgreSQL integer
MAX_TITLE_BYTES = 2000  # an index entry holds at most ~2700 bytes
MAX_NAME_BYTES = 1000
MAX_ID_CHARS = 400
MAX_TEXT_BYTES = 1_000_000  # a tsvector's limit

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROLS = re.compile(r"[ \t]*[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+[ \t]*")
CUT_MARK = "…"


def without_controls(text: str) -> str:
    """`text` with each run of control characters (and the spaces around it) as one space, stripped."""
    if text.isprintable() or _CONTROL.search(text) is None:
        return text  # nearly always (isprintable: the quickest test, false for line breaks too): no copy
    return _CONTROLS.sub(" ", text).strip()


def bytes_over(text: str, limit: int) -> int | None:
    """The length of `text` in UTF-8 bytes when it is over `limit`, else None."""
    if len(text) * 4 <= limit:
        return None  # too short to be over, whatever its characters: no encoding
    size = len(text.encode())
    return size if size > limit else None


def cut_title(title: str) -> str:
    """`title` cut to `MAX_TITLE_BYTES` with the cut mark: at the last space that keeps at least half of
    what fits (else at a character: a title without spaces, in Chinese or Japanese, or a formula)."""
    room = MAX_TITLE_BYTES - len(CUT_MARK.encode())
    encoded = title.encode()
    head = encoded[:room].decode("utf-8", "ignore")  # whole characters only
    if not encoded[room : room + 1].isspace():  # the cut falls inside a word
        space = max(map(head.rfind, " \t\n"))
        if space >= len(head) // 2:
            head = head[:space]
    return head.rstrip(" \t\n,;:") + CUT_MARK


def fit_record(record: Record) -> tuple[Record | None, list[Skipped]]:
    """`record` fitted to the store (see the module), or None when it cannot be; and what was left out of
    it, each as a `Skipped` whose reason names the field."""
    left_out: list[Skipped] = []
    if isinstance(record, Work):
        return _work(record, "", left_out), left_out
    return _person(record, left_out), left_out


def _work(work: Work, where: str, left_out: list[Skipped]) -> Work:
    if work.ids_only:
        return work
    title = without_controls(work.title)
    size = bytes_over(title, MAX_TITLE_BYTES)
    if size is not None:
        title = cut_title(title)
        left_out.append(
            Skipped(
                OVERLONG_TITLES,
                f"{where}title: {size:,} bytes, over the limit of {MAX_TITLE_BYTES:,}: imported cut to "
                f"{len(title.encode()):,} bytes, ending in {CUT_MARK!r}",
            )
        )
    abstract = None if work.abstract is None else without_controls(work.abstract)
    authors = tuple(_bylines(work.authors, where, left_out))
    if (title, abstract, authors) == (work.title, work.abstract, work.authors):
        return work
    complete = work.authors_complete and len(authors) == len(work.authors)
    return dataclasses.replace(work, title=title, abstract=abstract, authors=authors, authors_complete=complete)


def _bylines(bylines: tuple[Byline, ...], where: str, left_out: list[Skipped]) -> Iterator[Byline]:
    for number, byline in enumerate(bylines, 1):
        fitted = _byline(byline)
        size = bytes_over(fitted.name, MAX_NAME_BYTES)
        if size is None:
            yield fitted
            continue
        place = byline.position if byline.position is not None else number
        left_out.append(
            Skipped(
                OVERLONG_NAMES,
                f"{where}author {place}'s name: {size:,} bytes, over the limit of {MAX_NAME_BYTES:,}: the byline "
                "entry is left out",
            )
        )


def _byline(byline: Byline) -> Byline:
    name = without_controls(byline.name)
    affiliation = None if byline.affiliation is None else without_controls(byline.affiliation)
    institutions = tuple(_institution(institution) for institution in byline.institutions)
    if (name, affiliation, institutions) == (byline.name, byline.affiliation, byline.institutions):
        return byline
    return dataclasses.replace(byline, name=name, affiliation=affiliation, institutions=institutions)


def _institution(institution: Institution) -> Institution:
    name = without_controls(institution.name)
    return institution if name == institution.name else dataclasses.replace(institution, name=name)


def _person(person: Person, left_out: list[Skipped]) -> Person | None:
    if person.ids_only:
        return person
    name = without_controls(person.name)
    size = bytes_over(name, MAX_NAME_BYTES)
    if size is not None:
        reason = f"the author's name: {size:,} bytes, over the limit of {MAX_NAME_BYTES:,}: the author is left out"
        left_out.append(Skipped(OVERLONG_NAMES, reason))
        return None
    works = tuple(_work(work, f"paper {number}: ", left_out) for number, work in enumerate(person.works, 1))
    if (name, works) == (person.name, person.works):
        return person
    return dataclasses.replace(person, name=name, works=works)
