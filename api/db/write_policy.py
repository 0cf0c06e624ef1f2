"""The write policy every writer shares: how a source's view of a paper merges into the stored one, and which
spelling of a name an author shows.

Two writers store papers: the bulk writer (api/db/bulk.py, fed by api/ingest/bulk.py) and the
single-record writer (api/db/writes.py, fed by the profile importer). Both merge with the rule below,
written once here: in SQL for a stored row (`merged_paper_sql`), and in Python for several records of one
paper met in one batch, before any is stored (`fold_papers`). tests/db/test_write_policy.py checks that
folding records in Python and merging them one by one in SQL give the same row.

A source's fields merged into a stored paper:

- title: the source's (every record has one);
- abstract, primary category, code URL, reported citation count: the source's when it gives one, else the
  stored one;
- categories: the source's first, then the stored ones it lacks, each once;
- publication date and its precision: the source's when it gives a date, else the stored ones;
- has_code: true once a code URL is known; authors_complete: true once any source gave a complete byline.

A name's spelling: of the spellings seen for one person, the one with the most accented letters, then the
longest, then the first in code point order (`best_spelling`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

# The columns of `papers` a source writes, in the order of every statement and row here.
PAPER_FIELDS = (
    "title",
    "abstract",
    "primary_category",
    "categories",
    "published_on",
    "published_precision",
    "code_url",
    "has_code",
    "authors_complete",
    "reported_citation_count",
)


def merged_paper_sql(source: Mapping[str, str], stored: str = "") -> str:
    """The SQL row (a parenthesised list in `PAPER_FIELDS` order) a stored paper becomes when a source is
    merged in: `source` maps each field to the SQL expression of the source's value, `stored` prefixes the
    stored row's columns (`"p."`, or `""` in an UPDATE of the table itself)."""
    s = {name: source[name] for name in PAPER_FIELDS}
    p = {name: stored + name for name in PAPER_FIELDS}
    return f"""(
    {s["title"]},
    coalesce({s["abstract"]}, {p["abstract"]}),
    coalesce({s["primary_category"]}, {p["primary_category"]}),
    ARRAY(SELECT c FROM unnest({s["categories"]} || {p["categories"]}) WITH ORDINALITY AS u(c, i)
          GROUP BY c ORDER BY min(i)),
    coalesce({s["published_on"]}, {p["published_on"]}),
    CASE WHEN {s["published_on"]} IS NULL THEN {p["published_precision"]} ELSE {s["published_precision"]} END,
    coalesce({s["code_url"]}, {p["code_url"]}),
    {p["has_code"]} OR {s["has_code"]},
    {p["authors_complete"]} OR {s["authors_complete"]},
    coalesce({s["reported_citation_count"]}, {p["reported_citation_count"]})
)"""


class PaperView(Protocol):
    """What a record says of a paper (a Work, or the fields a batch keeps of one)."""

    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str | None: ...
    @property
    def primary_category(self) -> str | None: ...
    @property
    def categories(self) -> Sequence[str]: ...
    @property
    def published_on(self) -> dt.date | None: ...
    @property
    def published_precision(self) -> str | None: ...
    @property
    def code_url(self) -> str | None: ...
    @property
    def authors_complete(self) -> bool: ...
    @property
    def reported_citation_count(self) -> int | None: ...


def fold_papers(views: Sequence[PaperView]) -> tuple[Any, ...]:
    """The row (in `PAPER_FIELDS` order) that records of one paper make, merged in order as
    `merged_paper_sql` merges each into the row the ones before made. A date without a precision is a day."""
    last = views[-1]
    if len(views) == 1:  # the common case, without the merging
        categories = list(dict.fromkeys(last.categories))
        abstract, primary, code_url = last.abstract, last.primary_category, last.code_url
        cited = last.reported_citation_count
        dated = last if last.published_on is not None else None
        complete = last.authors_complete
    else:
        categories = []
        for view in views:
            categories = list(dict.fromkeys([*view.categories, *categories]))
        abstract = _last(view.abstract for view in views)
        primary = _last(view.primary_category for view in views)
        code_url = _last(view.code_url for view in views)
        cited = _last(view.reported_citation_count for view in views)
        dated = next((view for view in reversed(views) if view.published_on is not None), None)
        complete = any(view.authors_complete for view in views)
    published_on = dated.published_on if dated is not None else None
    precision = (dated.published_precision or "day") if dated is not None else None
    return (last.title, abstract, primary, categories, published_on, precision, code_url, code_url is not None,
            complete, cited)  # fmt: skip


def _last(values: Iterable[Any]) -> Any:
    found = None
    for value in values:
        if value is not None:
            found = value
    return found


def _accents(name: str) -> int:
    return sum(1 for c in unicodedata.normalize("NFD", name) if unicodedata.combining(c))


def best_spelling(names: Iterable[str]) -> str:
    """The spelling with the most accented letters, then the longest, then the first in code point order."""
    return min(names, key=lambda name: (-_accents(name), -len(name), name))
