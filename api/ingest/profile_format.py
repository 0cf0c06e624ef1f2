"""Parse a researcher profile page scraped from a paper-discovery site (the bundled seed's format).

The page is a header (name, primary category code, reported metrics), an ``N Papers`` line, then one
block per paper: ``CVJul 9, 2024Code``, the title, a blank line, the byline, the abstract.

Pure: text in, a ``Profile`` out, or ``InputFormatError`` naming the 1-based line and the problem. The
importer decides what to store; nothing here touches a database or a file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from api.errors import InputFormatError

# The site shows arXiv subject classes without their archive; all are cs.* except ML (stat.ML).
_CS_CODES = (
    "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL "
    "RO SC SD SE SI SY"
)
_CATEGORIES = {code: f"cs.{code}" for code in _CS_CODES.split()} | {"ML": "stat.ML"}
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MONTH = "|".join(_MONTHS)

# Strict on purpose: an abstract runs until the next line of exactly this shape, so a loose pattern
# would cut abstracts in two.
_PAPER_HEADER = re.compile(rf"([A-Z]{{2}})({_MONTH}) (\d{{1,2}})(?:, (\d{{4}}))?(Code)?")
# A short line that starts like a header but fails the strict shape ("CVSept 9, 2024") would silently
# merge two papers; refuse it instead.
_NEAR_HEADER = re.compile(rf"[A-Z]{{2}}(?:{_MONTH})[a-z]*\.?\s*\d")
_INT = r"\d{1,3}(?:,\d{3})+|\d+"
_DEC = r"\d+(?:\.\d+)?"
# Number then whitespace then "Papers" is the count line; the papers *metric* runs together ("18papers").
_COUNT_LINE = re.compile(rf"({_INT})\s+papers?", re.IGNORECASE)
# (field, label, value): a metric line is label+value or value+label, optionally spaced.
_METRICS = (
    ("h_index", r"h-?\s?index", _INT),
    ("paper_count", r"papers?", _INT),
    ("citation_count", r"citations?", _INT),
    ("novelty", r"novelty", rf"{_DEC}\s*%"),
    ("ai_score", r"ai\s*score", _DEC),
)
_ET_AL = re.compile(r"(.*?),?\s*\bet\s+al\.?", re.IGNORECASE)
# Characters no personal name carries; their presence means we are reading prose or data, not a byline.
_NOT_IN_NAMES = re.compile(r"[\d:;!?()\[\]{}<>$\\/@#%&*=+\"|~^_]")
# Short words of English prose that never stand alone in a personal name ("de", "van" are not here).
_PROSE_WORDS = frozenset({"a", "an", "and", "are", "for", "in", "is", "of", "our", "the", "this", "to", "we"})
_MAX_BYLINE_NAMES = 3


@dataclass(frozen=True)
class ReportedFigures:
    """Metrics as the site reports them (from its wider corpus), never recomputed here."""

    h_index: int | None
    paper_count: int | None
    citation_count: int | None
    novelty: Decimal | None  # a fraction: "Novelty59%" -> Decimal("0.59")
    ai_score: Decimal | None  # "AI Score59" -> Decimal("59")


@dataclass(frozen=True)
class ProfilePaper:
    line: int  # 1-based line of the paper's header line
    primary_category: str  # arXiv code, e.g. "cs.CV"
    published_on: date
    year_inferred: bool  # the header showed no year
    has_code: bool  # the "Code" badge
    title: str
    byline: tuple[str, ...]  # names as written, in order, at most three (NFC)
    byline_truncated: bool  # the byline ended with "et al."
    affiliation_tag: str | None  # " · uw" -> "uw"
    abstract: str  # raw (LaTeX kept), surrounding whitespace stripped


@dataclass(frozen=True)
class Profile:
    name: str
    primary_category: str
    reported: ReportedFigures
    declared_paper_count: int  # from the "N Papers" line
    papers: tuple[ProfilePaper, ...]


def arxiv_category(code: str) -> str | None:
    """The arXiv category for a site code: "LG" -> "cs.LG", "ML" -> "stat.ML", unknown -> None."""
    return _CATEGORIES.get(code)


def parse_profile(text: str, *, as_of: date, path: str = "<profile>") -> Profile:
    """Parse a whole profile page; ``as_of`` is the snapshot date that year-less dates are read against."""
    lines = _split_lines(text, path)
    n = len(lines)
    i = _next_nonblank(lines, 0, n)
    if i == n:
        raise InputFormatError(path, 1, "empty file: expected a profile page starting with the name")
    first = lines[i].strip()
    if first[0] in "{[<":
        raise InputFormatError(path, i + 1, "this looks like JSON or markup, not a profile page")
    if not _looks_like_name(first) or first in _CATEGORIES:
        raise InputFormatError(path, i + 1, f"expected the researcher's name, found {_quote(first)}")
    name = _clean(first)

    i = _next_nonblank(lines, i + 1, n)
    if i == n:
        raise InputFormatError(path, n, "missing the primary category line (e.g. 'LG') after the name")
    primary = _category(lines[i].strip(), i + 1, path)

    found: dict[str, tuple[str, int]] = {}  # field -> (number as written, line)
    i = _next_nonblank(lines, i + 1, n)
    while True:
        if i == n or _PAPER_HEADER.fullmatch(lines[i].strip()):
            raise InputFormatError(path, min(i + 1, n), "missing the 'N Papers' line before the papers")
        count = _COUNT_LINE.fullmatch(lines[i].strip())
        if count is not None:
            break
        field, number = _metric(lines[i].strip(), i + 1, path)
        if field in found:
            raise InputFormatError(path, i + 1, f"{field} given twice (first on line {found[field][1]})")
        found[field] = (number, i + 1)
        i = _next_nonblank(lines, i + 1, n)
    count_line = i + 1
    declared = int(count.group(1).replace(",", ""))

    # Blocks run from one strict header line to the next; nothing but blank lines may precede the first.
    starts = [j for j in range(count_line, n) if _PAPER_HEADER.fullmatch(lines[j].strip())]
    stray = _next_nonblank(lines, count_line, starts[0] if starts else n)
    if stray < (starts[0] if starts else n):
        reason = f"expected a paper header ('CVJul 9, 2024'), found {_quote(lines[stray].strip())}"
        raise InputFormatError(path, stray + 1, reason)
    papers = tuple(_paper(lines, start, end, as_of, path) for start, end in pairwise([*starts, n]))
    if len(papers) != declared:
        raise InputFormatError(
            path, count_line, f"the page declares {declared} papers but {len(papers)} paper blocks follow"
        )
    reported = ReportedFigures(
        h_index=_integer(found, "h_index"),
        paper_count=_integer(found, "paper_count"),
        citation_count=_integer(found, "citation_count"),
        novelty=None if "novelty" not in found else Decimal(found["novelty"][0].rstrip("% ")) / 100,
        ai_score=None if "ai_score" not in found else Decimal(found["ai_score"][0]),
    )
    return Profile(name, primary, reported, declared, papers)


def _split_lines(text: str, path: str) -> list[str]:
    # Only \n, \r\n, \r break lines: str.splitlines would also split on \x0c, \u2028 and skew line numbers.
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputFormatError(path, line, "binary data (NUL byte): not a text profile page")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


def _next_nonblank(lines: list[str], i: int, end: int) -> int:
    while i < end and not lines[i].strip():
        i += 1
    return i


def _clean(s: str) -> str:
    # NFC so "é" typed two ways compares equal; collapsed whitespace so stray tabs never split identities.
    return " ".join(unicodedata.normalize("NFC", s).split())


def _quote(s: str) -> str:
    return repr(s if len(s) <= 60 else s[:57] + "...")


def _category(code: str, line: int, path: str) -> str:
    category = arxiv_category(code)
    if category is None:
        raise InputFormatError(path, line, f"unknown arXiv category code {_quote(code)}")
    return category


def _metric(s: str, line: int, path: str) -> tuple[str, str]:
    for field, label, value in _METRICS:
        label_first = re.fullmatch(rf"(?:{label})\s*:?\s*(.*)", s, re.IGNORECASE)
        m = label_first or re.fullmatch(rf"(.*?)\s*(?:{label})", s, re.IGNORECASE)
        if m is None:
            continue
        number = m.group(1)
        if not re.fullmatch(value, number):
            raise InputFormatError(path, line, f"garbled number {_quote(number)} for {field} in {_quote(s)}")
        if field == "novelty" and Decimal(number.rstrip("% ")) > 100:
            raise InputFormatError(path, line, f"novelty {number} is above 100%")
        return field, number
    raise InputFormatError(path, line, f"unknown metric line {_quote(s)}")


def _integer(found: dict[str, tuple[str, int]], field: str) -> int | None:
    return int(found[field][0].replace(",", "")) if field in found else None  # "1,234" was validated


def _paper(lines: list[str], start: int, end: int, as_of: date, path: str) -> ProfilePaper:
    header = _PAPER_HEADER.fullmatch(lines[start].strip())
    assert header is not None  # start was chosen because it matches
    code, month, day, year, badge = header.groups()
    category = _category(code, start + 1, path)
    published, inferred = _paper_date(month, int(day), year, as_of, start + 1, path)

    t = start + 1
    if t >= end or not lines[t].strip():
        raise InputFormatError(path, t + 1, "missing title: expected it on the line after the paper header")
    # Titles are one line; without the blank line a wrapped title would be read as the byline.
    if t + 1 < end and lines[t + 1].strip():
        raise InputFormatError(path, t + 2, "expected a blank line after the title (titles are one line)")
    b = _next_nonblank(lines, t + 1, end)
    if b >= end:
        raise InputFormatError(path, min(t + 3, len(lines)), "missing byline after the title")
    names, truncated, tag = _byline(lines[b].strip(), b + 1, path)

    for j in range(b + 1, end):
        s = lines[j].strip()
        if len(s) <= 40 and _NEAR_HEADER.match(s):
            reason = f"malformed paper header {_quote(s)}; expected e.g. 'CVJul 9, 2024'"
            raise InputFormatError(path, j + 1, reason)
    abstract = "\n".join(lines[b + 1 : end]).strip()
    if not abstract:
        raise InputFormatError(path, min(b + 2, len(lines)), "missing abstract after the byline")
    return ProfilePaper(
        line=start + 1,
        primary_category=category,
        published_on=published,
        year_inferred=inferred,
        has_code=badge is not None,
        title=_clean(lines[t]),
        byline=names,
        byline_truncated=truncated,
        affiliation_tag=tag,
        abstract=abstract,
    )


def _paper_date(month: str, day: int, year: str | None, as_of: date, line: int, path: str) -> tuple[date, bool]:
    shown = f"{month} {day}" + (f", {year}" if year else "")
    try:
        date(2000, _MONTHS[month], day)  # a leap year: only days that exist in no year fail here
    except ValueError:
        raise InputFormatError(path, line, f"invalid date {shown!r}: no such day") from None
    if year is not None:
        try:
            published = date(int(year), _MONTHS[month], day)
        except ValueError:
            raise InputFormatError(path, line, f"invalid date {shown!r}: no such day") from None
        # A date after the snapshot means as_of is wrong, and with it every year-less date.
        if published.year < 1900 or published > as_of:
            raise InputFormatError(path, line, f"date {shown!r} is implausible for a page captured {as_of}")
        return published, False
    # The site drops the year for dates within the past year: this year, or last year if still to come.
    for candidate in (as_of.year, as_of.year - 1):
        try:
            published = date(candidate, _MONTHS[month], day)
        except ValueError:
            continue
        if published <= as_of:
            return published, True
    raise InputFormatError(path, line, f"no {shown} within the year before the capture date {as_of}")


def _byline(s: str, line: int, path: str) -> tuple[tuple[str, ...], bool, str | None]:
    tag: str | None = None
    if "\u00b7" in s:
        s, _, raw_tag = s.rpartition("\u00b7")
        tag = _clean(raw_tag)
        if not tag or "\u00b7" in s:
            raise InputFormatError(path, line, "malformed affiliation tag: expected 'names · tag'")
    et_al = _ET_AL.fullmatch(s.strip())
    names_part = et_al.group(1) if et_al else s
    names = tuple(_clean(part) for part in names_part.split(","))
    if any(not name for name in names):
        raise InputFormatError(path, line, "empty author name in byline")
    if not all(_looks_like_name(name) for name in names):
        raise InputFormatError(
            path, line, f"expected the byline (author names separated by commas), found {_quote(s.strip())}"
        )
    if len(names) > _MAX_BYLINE_NAMES:
        raise InputFormatError(path, line, f"byline lists {len(names)} names; the format shows at most three")
    return names, et_al is not None, tag


def _looks_like_name(name: str) -> bool:
    # Tells a byline from the abstract after a missing one: prose is long, punctuated, has "and", "the",
    # and words ending in a full stop, while in names only initials ("X.", "Jr.") end that way.
    words = name.split()
    if not words or len(words) > 8 or len(name) > 100 or _NOT_IN_NAMES.search(name):
        return False
    return not _PROSE_WORDS.intersection(words) and all(not w.endswith(".") or len(w) <= 4 for w in words)
