"""What a write through the API asks for (a draft), and the checks it passes before anything is written.

A draft holds what a client sent: for a creation, the fields it gives; for an update, only the fields it
changes (`KEEP` marks a field not sent; `None` clears one). `check_paper` and `check_author` read every
field, collect every problem by the field's path (`InvalidFieldsError`, all at once) and return the
values as they will be stored. No database here: what needs one (does an id name a stored author, is an
external id free) is checked by `api.db.edits` in the write's transaction, with the same paths.

Limits and forms (docs/writes.md repeats them):

- title: 1 to 1,000 characters after trimming; abstract: up to 100,000;
- categories: arXiv's form (`cs.LG`, `hep-th`), up to 50, each once; the primary category the same form;
- published: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real date from year 1000 to next year; the precision is
  the form's;
- code URL: http or https, up to 2,000 characters;
- reported citation count: 0 to 2,147,483,647;
- external ids: a map of scheme to value (`null` removes the scheme's ids); papers doi, arxiv,
  openalex, s2; authors orcid, openalex, s2; each value in any form `api.ids` reads (a DOI URL, an ORCID
  iD without hyphens) and stored normalised;
- authors (a paper's byline, in order): up to 1,000 entries, each an `author` (an id of a stored author)
  or a `name` (a new author), with an optional `name_as_written` and `affiliation`; an author once;
- institutions: up to 100 names of up to 500 characters;
- name of an author: 1 to 500 characters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from api.db.writes import ReportedFigures
from api.errors import FieldProblem, InvalidFieldsError, InvalidInputError, Path
from api.ids import Kind, normalise_external_id

MAX_TITLE = 1_000
MAX_ABSTRACT = 100_000
MAX_CATEGORIES = 50
MAX_URL = 2_000
MAX_BYLINE = 1_000
MAX_INSTITUTIONS = 100
MAX_NAME = 500
MAX_SOURCE = 100
MAX_REASON = 2_000
MAX_COUNT = 2**31 - 1
_CATEGORY = re.compile(r"[a-z][a-z-]{0,19}(?:\.[A-Za-z-]{1,20})?", re.ASCII)
_PUBLISHED = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


REPORTED_FIGURES = ("h_index", "i10_index", "citation_count", "paper_count", "novelty", "ai_score")
"""The figures a report may give, as `FiguresReport.of` takes them."""


class Keep(enum.Enum):
    """A field an update does not change."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class BylineEntry:
    """One author of a byline: a stored author (`author`, a global or external id) or a new one (`name`)."""

    author: str | None = None
    name: str | None = None
    name_as_written: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class PaperDraft:
    title: str | Keep = KEEP
    abstract: str | Keep | None = KEEP
    primary_category: str | Keep | None = KEEP
    categories: Sequence[str] | Keep = KEEP
    published: str | Keep | None = KEEP
    code_url: str | Keep | None = KEEP
    reported_citation_count: int | Keep | None = KEEP
    external_ids: Mapping[str, str | None] | Keep = KEEP
    authors: Sequence[BylineEntry] | Keep = KEEP
    institutions: Sequence[str] | Keep = KEEP


@dataclass(frozen=True)
class AuthorDraft:
    name: str | Keep = KEEP
    primary_category: str | Keep | None = KEEP
    external_ids: Mapping[str, str | None] | Keep = KEEP


@dataclass(frozen=True)
class FiguresReport:
    """Figures a source reports for an author, as of a date (at least one figure)."""

    source: str
    as_of: dt.date
    figures: ReportedFigures

    @classmethod
    def of(
        cls,
        source: str,
        as_of: dt.date,
        *,
        h_index: int | None = None,
        i10_index: int | None = None,
        citation_count: int | None = None,
        paper_count: int | None = None,
        novelty: float | None = None,
        ai_score: float | None = None,
    ) -> FiguresReport:
        """A report from the figures as an API reads them (floats for the two fractions)."""

        def exact(value: float | None) -> Decimal | None:
            return Decimal(str(value)) if value is not None else None  # the digits sent, not the binary float

        counts = ReportedFigures(h_index, i10_index, citation_count, paper_count, exact(novelty), exact(ai_score))
        return cls(source, as_of, counts)


@dataclass
class Problems:
    """The problems found so far, by path."""

    found: list[FieldProblem] = field(default_factory=list)

    def add(self, path: Path, message: str) -> None:
        self.found.append(FieldProblem(path, message))

    def raise_any(self) -> None:
        if self.found:
            raise InvalidFieldsError(self.found)


@dataclass(frozen=True)
class CheckedPaper:
    """A paper draft's values as they will be stored; KEEP where the draft does not change a field."""

    columns: dict[str, object]
    external_ids: dict[str, str | None] | Keep
    authors: Sequence[BylineEntry] | Keep
    institutions: list[str] | Keep


@dataclass(frozen=True)
class CheckedAuthor:
    columns: dict[str, object]
    external_ids: dict[str, str | None] | Keep


def _text(problems: Problems, path: Path, value: str, *, limit: int, required: bool) -> str | None:
    """Trimmed; one line (the abstract, and reasons, may hold line breaks and tabs); never a NUL character,
    which PostgreSQL cannot store."""
    text = value.strip()
    multiline = path[0] in {"abstract", "reason"}
    if (_CONTROL if multiline else _LINE_CONTROL).search(text):
        kind = "control characters" if multiline else "line breaks or control characters"
        problems.add(path, f"must not contain {kind} (NUL among them)")
    if not text:
        if required:
            problems.add(path, "must not be empty")
        return None
    if len(text) > limit:
        problems.add(path, f"is longer than {limit:,} characters ({len(text):,})")
    return text


def _category(problems: Problems, path: Path, value: str) -> str:
    text = value.strip()
    if not _CATEGORY.fullmatch(text):
        problems.add(path, f"{text[:40]!r} is not a category in arXiv's form (such as cs.LG or hep-th)")
    return text


def published(problems: Problems, path: Path, value: str) -> tuple[dt.date, str] | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as a date (the period's first day) and its precision."""
    matched = _PUBLISHED.fullmatch(value.strip())
    if matched is None:
        problems.add(path, f"{value[:40]!r} is not a date written YYYY, YYYY-MM or YYYY-MM-DD")
        return None
    year, month, day = matched.groups()
    try:
        date = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        problems.add(path, f"{value[:40]!r} is not a date of the calendar")
        return None
    if not 1000 <= date.year <= dt.datetime.now(dt.UTC).year + 1:
        problems.add(path, f"the year {date.year} is out of range (1000 to next year)")
    return date, "day" if day else "month" if month else "year"


def count(problems: Problems, path: Path, value: int) -> int:
    if not 0 <= value <= MAX_COUNT:
        problems.add(path, f"must be between 0 and {MAX_COUNT:,} (got {value})")
    return value


def _external_ids(problems: Problems, kind: Kind, given: Mapping[str, str | None]) -> dict[str, str | None]:
    checked: dict[str, str | None] = {}
    for scheme, value in given.items():
        path: Path = ("external_ids", scheme)
        if value is None:
            checked[scheme] = None
            continue
        try:
            normalised = normalise_external_id(kind, scheme, value)
        except InvalidInputError as error:
            problems.add(path, str(error))
            continue
        checked[normalised.scheme] = normalised.value
    return checked


def _byline(problems: Problems, entries: Sequence[BylineEntry]) -> Sequence[BylineEntry]:
    if len(entries) > MAX_BYLINE:
        problems.add(("authors",), f"at most {MAX_BYLINE:,} authors (got {len(entries):,})")
    for index, entry in enumerate(entries):
        path: Path = ("authors", index)
        if (entry.author is None) == (entry.name is None):
            problems.add(path, "give either `author` (a stored author's id) or `name` (a new author), not both")
        if entry.name is not None:
            _text(problems, (*path, "name"), entry.name, limit=MAX_NAME, required=True)
        if entry.name_as_written is not None:
            _text(problems, (*path, "name_as_written"), entry.name_as_written, limit=MAX_NAME, required=True)
        if entry.affiliation is not None:
            _text(problems, (*path, "affiliation"), entry.affiliation, limit=MAX_NAME, required=True)
    return entries


def check_paper(draft: PaperDraft, *, creating: bool) -> CheckedPaper:
    """The draft's values as stored, or InvalidFieldsError naming every wrong field."""
    problems = Problems()
    columns: dict[str, object] = {}
    if creating and draft.title is KEEP:
        problems.add(("title",), "is required")
    if not isinstance(draft.title, Keep):
        columns["title"] = _text(problems, ("title",), draft.title, limit=MAX_TITLE, required=True)
    if not isinstance(draft.abstract, Keep):
        abstract = draft.abstract
        columns["abstract"] = (
            None if abstract is None else _text(problems, ("abstract",), abstract, limit=MAX_ABSTRACT, required=False)
        )
    if not isinstance(draft.primary_category, Keep):
        primary = draft.primary_category
        columns["primary_category"] = None if primary is None else _category(problems, ("primary_category",), primary)
    if not isinstance(draft.categories, Keep):
        if len(draft.categories) > MAX_CATEGORIES:
            problems.add(("categories",), f"at most {MAX_CATEGORIES} categories (got {len(draft.categories)})")
        categories = [_category(problems, ("categories", i), c) for i, c in enumerate(draft.categories)]
        columns["categories"] = list(dict.fromkeys(categories))
    if not isinstance(draft.published, Keep):
        when = None if draft.published is None else published(problems, ("published",), draft.published)
        columns["published_on"], columns["published_precision"] = when if when else (None, None)
    if not isinstance(draft.code_url, Keep):
        url = draft.code_url
        if url is not None and (len(url) > MAX_URL or not _URL.fullmatch(url.strip())):
            problems.add(("code_url",), f"{url[:60]!r} is not an http or https URL of at most {MAX_URL:,} characters")
        columns["code_url"] = url.strip() if url is not None else None
        columns["has_code"] = url is not None
    if not isinstance(draft.reported_citation_count, Keep):
        reported = draft.reported_citation_count
        columns["reported_citation_count"] = (
            None if reported is None else count(problems, ("reported_citation_count",), reported)
        )
    external_ids: dict[str, str | None] | Keep = KEEP
    if not isinstance(draft.external_ids, Keep):
        external_ids = _external_ids(problems, "Paper", draft.external_ids)
    authors: Sequence[BylineEntry] | Keep = KEEP
    if not isinstance(draft.authors, Keep):
        authors = _byline(problems, draft.authors)
    institutions: list[str] | Keep = KEEP
    if not isinstance(draft.institutions, Keep):
        if len(draft.institutions) > MAX_INSTITUTIONS:
            problems.add(("institutions",), f"at most {MAX_INSTITUTIONS} (got {len(draft.institutions)})")
        names = [
            _text(problems, ("institutions", i), n, limit=MAX_NAME, required=True)
            for i, n in enumerate(draft.institutions)
        ]
        institutions = list(dict.fromkeys(n for n in names if n))
    problems.raise_any()
    return CheckedPaper(columns, external_ids, authors, institutions)


def check_author(draft: AuthorDraft, *, creating: bool) -> CheckedAuthor:
    problems = Problems()
    columns: dict[str, object] = {}
    if creating and draft.name is KEEP:
        problems.add(("name",), "is required")
    if not isinstance(draft.name, Keep):
        columns["name"] = _text(problems, ("name",), draft.name, limit=MAX_NAME, required=True)
    if not isinstance(draft.primary_category, Keep):
        primary = draft.primary_category
        columns["primary_category"] = None if primary is None else _category(problems, ("primary_category",), primary)
    external_ids: dict[str, str | None] | Keep = KEEP
    if not isinstance(draft.external_ids, Keep):
        external_ids = _external_ids(problems, "Author", draft.external_ids)
    problems.raise_any()
    return CheckedAuthor(columns, external_ids)


def check_report(report: FiguresReport) -> FiguresReport:
    problems = Problems()
    source = _text(problems, ("source",), report.source, limit=MAX_SOURCE, required=True)
    if source is not None and source.lower() == "computed":
        problems.add(("source",), "`computed` names the figures this service computes; name the reporting source")
    if report.as_of > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
        problems.add(("as_of",), f"{report.as_of.isoformat()} is in the future")
    figures = report.figures
    for name in ("h_index", "i10_index", "citation_count", "paper_count"):
        value = getattr(figures, name)
        if value is not None:
            count(problems, (name,), value)
    if figures.novelty is not None and not Decimal(0) <= figures.novelty <= Decimal(1):
        problems.add(("novelty",), f"must be between 0 and 1 (got {figures.novelty})")
    if all(getattr(figures, f.name) is None for f in dataclasses.fields(figures)):
        problems.add(("h_index",), "a report needs at least one figure")
    problems.raise_any()
    return FiguresReport(source or "", report.as_of, figures)


def check_reason(reason: str) -> str:
    """A retraction's or a correction's reason, trimmed: required, shown to everyone."""
    problems = Problems()
    text = _text(problems, ("reason",), reason, limit=MAX_REASON, required=True)
    problems.raise_any()
    return text or ""


def check_name(name: str, field: str) -> str:
    """An author's name given as the input member `field`, trimmed: one line, required."""
    problems = Problems()
    text = _text(problems, (field,), name, limit=MAX_NAME, required=True)
    problems.raise_any()
    return text or ""
