"""What every source format is read into before it is written: one normalised shape per kind of record.

Each format module (arxiv, semanticscholar, crossref, openalex) turns one input record (a JSON object of
a dump line or an API response) into these records, or raises `RecordError` with the reason; the bulk
writer (api/ingest/bulk.py) writes them, resolving identities and citations across sources. Nothing
here touches the database.

Malformed is not the same as incomplete. A record the source's own schema allows but that lacks what
Scholar Graph must store (a work without a title, an author without a name) is not damage: a reader
raises `IncompleteRecord` for it (or, for one item of a batch, lists a `Skipped` in its place), and the
import leaves it out under every error policy, counted by `kind` in the summary's `skipped` and listed
in the reject file. What a record lacks but the store can do without (a date, a byline entry without a
name, an institution without a name) is read as absent, and the record is imported. What it holds but
the store cannot keep as given is left out of it, counted and listed the same way, as a `Skipped` after
the record: by the reader when only the source tells (an ORCID iD failing its check digit, a figure out
of range), else by fitting the record to the store's limits (api/ingest/limits.py: control characters,
a title or a name too long).

Identifiers are `(scheme, value)` pairs normalised with api.ids (DOI lower-case, arXiv without version,
ORCID hyphenated, OpenAlex upper-case letter, Semantic Scholar as given).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Precision = Literal["day", "month", "year"]
PaperScheme = Literal["doi", "arxiv", "openalex", "s2"]
AuthorScheme = Literal["orcid", "openalex", "s2"]


class RecordError(ValueError):
    """One input record cannot be read; the reason says what is wrong with it, for a person."""


UNTITLED_WORKS = "untitled_works"
UNNAMED_AUTHORS = "unnamed_authors"
OVERLONG_TITLES = "overlong_titles"  # imported, the title cut (api/ingest/limits.py)
OVERLONG_NAMES = "overlong_names"  # a byline entry, or an author record, left out (api/ingest/limits.py)
INVALID_ORCIDS = "invalid_orcids"  # an ORCID iD failing its check digit, left out of the author (readers)
OUT_OF_RANGE_FIGURES = "out_of_range_figures"  # a reported figure read as absent (readers)


class IncompleteRecord(Exception):
    """A record valid in its source's schema that lacks what must be stored: left out, counted under `kind`
    (`UNTITLED_WORKS`, `UNNAMED_AUTHORS`), with `reason` naming the field."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class Skipped:
    """What was left out, counted under `kind`: in a reader's list of records, an item of a batch left out
    (as IncompleteRecord would for a record, or a Crossref item that is not a paper), so that the batch's
    other items are read; or a part left out of a record that is imported (a title cut to fit the store, an
    ORCID iD that fails its check digit, a reported figure out of range)."""

    kind: str
    reason: str


def has_text(text: str | None) -> bool:
    """Whether `text` has a letter or a digit: what a stored title or name needs."""
    return text is not None and any(c.isalnum() for c in text)


@dataclass(frozen=True)
class PaperId:
    scheme: PaperScheme
    value: str


@dataclass(frozen=True)
class AuthorId:
    scheme: AuthorScheme
    value: str


@dataclass(frozen=True)
class Institution:
    name: str
    country_code: str | None = None
    ror: str | None = None  # https://ror.org/… id, when the source gives one
    openalex: str | None = None  # I… id


@dataclass(frozen=True)
class Byline:
    """One author on a paper, as the source gives it."""

    name: str
    position: int | None  # 1-based place in the full byline; None when the source does not say
    ids: tuple[AuthorId, ...] = ()
    institutions: tuple[Institution, ...] = ()
    affiliation: str | None = None  # the raw affiliation text, when given


@dataclass(frozen=True)
class Reference:
    """A work this paper cites: by ids when known, else only as text (kept, not resolvable)."""

    ids: tuple[PaperId, ...] = ()
    text: str | None = None


@dataclass(frozen=True)
class YearCounts:
    """One year of an author's reported series (OpenAlex `counts_by_year`): papers published, citations received."""

    year: int
    paper_count: int | None = None
    citation_count: int | None = None


@dataclass(frozen=True)
class ReportedFigures:
    """An author's figures as a source reports them (from its own corpus), as of a date."""

    source: str
    as_of: dt.date
    h_index: int | None = None
    i10_index: int | None = None
    citation_count: int | None = None
    paper_count: int | None = None
    two_year_mean_citedness: Decimal | None = None
    # Oldest year first, only the years the source lists (OpenAlex: the last ten, zero years left out).
    counts_by_year: tuple[YearCounts, ...] = ()


@dataclass(frozen=True)
class Work:
    """A paper as one source describes it."""

    source: str  # "arxiv", "semanticscholar", "crossref", "openalex"
    ids: tuple[PaperId, ...]
    title: str
    abstract: str | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    published_on: dt.date | None = None
    published_precision: Precision | None = None
    code_url: str | None = None
    authors: tuple[Byline, ...] = ()
    authors_complete: bool = True
    references: tuple[Reference, ...] = ()
    reported_citation_count: int | None = None
    cited_by: tuple[PaperId, ...] = ()  # works the source says cite this one (S2 `citations`)
    merged_ids: tuple[PaperId, ...] = field(default=())  # ids the source retired in favour of this work
    # True for a record that only ties ids together (an OpenAlex merged_ids row): `ids` name the surviving
    # work, `merged_ids` the retired ones; the title is empty and nothing else is known, so update nothing else.
    ids_only: bool = False


@dataclass(frozen=True)
class Person:
    """An author as one source describes them (an S2 author response, an OpenAlex author)."""

    source: str
    ids: tuple[AuthorId, ...]
    name: str
    alternative_names: tuple[str, ...] = ()
    institutions: tuple[Institution, ...] = ()
    reported: ReportedFigures | None = None
    works: tuple[Work, ...] = ()  # papers the response lists for the author (S2 `papers`)
    merged_ids: tuple[AuthorId, ...] = ()
    ids_only: bool = False  # as Work.ids_only: a merged_ids row, the name is empty
    # DBLP's keys for this person as S2 links them (`externalIds.DBLP`): DBLP person names, which may carry a
    # homonym number ("Wei Wang 0001"); kept apart from ids, which api.ids has no scheme for.
    dblp_names: tuple[str, ...] = ()


Record = Work | Person
"""One normalised input record."""

Read = list[Record | Skipped]
"""What a reader makes of one input value: its records, and the items of a batch it left out."""
