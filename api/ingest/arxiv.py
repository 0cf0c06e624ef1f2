"""Read one record of the arXiv metadata snapshot into a `Work`.

The snapshot (Kaggle's `arxiv-metadata-oai-snapshot`, JSON lines) has one object per paper:

    id              "2212.11867" or, before April 2007, "math/0309136"      -> ids (arxiv:, normalised)
    doi             null, one DOI, or several separated by spaces           -> ids (doi:, each)
    title           hard-wrapped at ~80 columns ("...with\\n  independent")  -> whitespace collapsed
    abstract        starts with two spaces, wrapped; a new paragraph is a
                    line that starts with spaces                            -> paragraphs joined by "\\n"
    authors_parsed  [[last, first, suffix, affiliation...], ...]            -> bylines, positions 1..n
    authors         "A. Author, B. Author and C. Author" (LaTeX accents)    -> bylines, when authors_parsed is absent
    categories      "math.PR math.CA" (space-separated; the first is primary)
    versions        [{"version": "v1", "created": "Thu, 22 Dec 2022 17:01:56 GMT"}, ...]
                    -> published_on: the earliest version's day (UTC), day precision
    update_date     "2022-12-23"                                            -> published_on only without versions
    comments        "17 pages, code repository: https://github.com/..."     -> code_url (also from the abstract)

Not read: `submitter`, `report-no`, `license`, and `journal-ref` (a free-text venue such as "Chinese
Physics C46, (2022) 073106": the model has no venue, and the DOI already identifies the published version).

Names, titles and abstracts may carry TeX accents (`Chru\\'sciel`, `Preu{\\ss}`, `moir\\'{e}`):
`tex_to_unicode` turns the common accent and letter commands into Unicode outside math mode and keeps
every other command as written. Titles and abstracts otherwise stay raw arXiv text (`$x^2$`, `--`).

Pure: a decoded JSON value in, a `Work` out, or `RecordError` whose reason starts with the field at fault.
A record without a title (missing, blank, or without a letter or digit) raises `IncompleteRecord`: the
snapshot's schema has one for every paper, but a title is what a paper cannot be stored without.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from email.utils import parsedate_to_datetime

from api.errors import InvalidInputError
from api.ids import normalise_external_id
from api.ingest import fields
from api.ingest.model import UNTITLED_WORKS, Byline, IncompleteRecord, Institution, PaperId, RecordError, Work, has_text

SOURCE = "arxiv"

# --- TeX accents --------------------------------------------------------------------------------------

_ACCENTS = {
    "'": "\u0301",  # acute
    "`": "\u0300",  # grave
    "^": "\u0302",  # circumflex
    '"': "\u0308",  # diaeresis
    "~": "\u0303",  # tilde
    "=": "\u0304",  # macron
    ".": "\u0307",  # dot above
    "c": "\u0327",  # cedilla
    "v": "\u030c",  # caron
    "H": "\u030b",  # double acute
    "u": "\u0306",  # breve
    "k": "\u0328",  # ogonek
    "r": "\u030a",  # ring above
    "d": "\u0323",  # dot below
    "b": "\u0331",  # macron below
}
_LETTERS = {
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "i": "\u0131",  # dotless i
    "j": "\u0237",  # dotless j
}
# An accent takes one letter (or the dotless \i, \j), bare or braced: \'e \'{e} \' e \c{c} \c c \"{\i}.
# A letter accent (\c, \v, ...) must not run into more letters, or it is another command (\cite, \vec).
_ARGUMENT = r"(?:\{\s*(?P<braced>\\[ij](?![A-Za-z])|[A-Za-z])\s*\}|(?P<bare>\\[ij](?![A-Za-z])|[A-Za-z]))"
_TEX = re.compile(
    rf"\\(?:(?P<symbol>['`^\"~=.])\s*|(?P<letter>[cvHukrdb])(?![A-Za-z])\s*){_ARGUMENT}"
    r"|\\(?P<special>ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])(?:\s*\{\}|[ \t]*)"  # TeX eats spaces after \ss
    r"|\\(?P<escape>[&%_#])"  # not \$: it must stay escaped, or a renderer would open math mode
)
# A brace group with no command or group inside: TeX's grouping ({\"u} after conversion, BibTeX's {B}ayes).
_GROUP = re.compile(r"\{([^{}\\]*)\}")
_COMMAND_BEFORE = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z])\s*$")
_KEPT_OPEN, _KEPT_CLOSE = "\ue000", "\ue001"  # braces of a kept group while the others are unwrapped
# Math mode is left alone: $...$, $$...$$, \(...\), \[...\]. An escaped \$ is matched (and kept) on its own,
# so it never opens math; no leading look-behind, which would make the scan several times slower.
_MATH = re.compile(r"\$\$.+?(?<!\\)\$\$|\$.+?(?<!\\)\$|\\\(.+?\\\)|\\\[.+?\\\]|\\\$", re.DOTALL)


def tex_to_unicode(text: str) -> str:
    """`text` with TeX accents and special letters as Unicode (NFC), outside math mode.

    `Chru\\'sciel` -> Chruściel, `{\\"u}` -> ü, `\\c{c}` -> ç, `Preu{\\ss}` -> Preuß, `\\"{\\i}` -> ï,
    `\\&` -> & (but `\\$` stays: unescaped, it would open math mode). Brace groups left with plain text
    inside are unwrapped (`{B}ayes` -> Bayes) unless they are the argument of a command (`\\textit{all}`
    stays). Unknown commands and math are kept as written.
    """
    if "\\" not in text and "{" not in text:
        return text
    if _TEX.search(text) is None and _GROUP.search(text) is None:
        return text  # nothing to convert, in math or out of it
    pieces: list[str] = []
    start = 0
    for math in _MATH.finditer(text):
        pieces.append(_convert(text[start : math.start()]))
        pieces.append(math.group())
        start = math.end()
    pieces.append(_convert(text[start:]))
    return unicodedata.normalize("NFC", "".join(pieces))


def _convert(text: str) -> str:
    if "\\" in text:
        text = _TEX.sub(_command, text)
    if "{" in text:
        while True:  # inside out: {{\"u}} -> {{ü}} -> {ü} -> ü
            unwrapped = _GROUP.sub(_unwrap, text)
            if unwrapped == text:
                break
            text = unwrapped
        text = text.replace(_KEPT_OPEN, "{").replace(_KEPT_CLOSE, "}")
    return text


def _command(match: re.Match[str]) -> str:
    if match["escape"]:
        return match["escape"]
    if match["special"]:
        return _LETTERS[match["special"]]
    base = match["braced"] or match["bare"]
    if base.startswith("\\"):  # \'\i: the accent goes on an i (a dotless i with an acute is not í)
        base = base[1]
    accent = _ACCENTS[match["symbol"] or match["letter"]]
    return unicodedata.normalize("NFC", base + accent)


def _unwrap(match: re.Match[str]) -> str:
    before = match.string[: match.start()]
    if _COMMAND_BEFORE.search(before) or before.endswith(("^", "_")):
        return _KEPT_OPEN + match[1] + _KEPT_CLOSE  # a command's argument stays braced
    return match[1]


# --- the reader ---------------------------------------------------------------------------------------

_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?", re.ASCII)
_PARAGRAPH = re.compile(r"\n[ \t]+")
_PARENTHESES = re.compile(r"\([^()]*\)")
_NAME_SEPARATORS = re.compile(r",|;|\s+and\s+|\s+&\s+")
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_ET_AL = re.compile(r"[,;]?\s*\bet\.?\s+al\b\.?\s*$", re.IGNORECASE)
_UPDATE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", re.ASCII | re.DOTALL)
_RFC_2822_UTC = re.compile(r"(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) [\d:]{8} (?:GMT|UTC|\+0000)")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_CODE_URL = re.compile(
    r"https?://(?:www\.)?(github\.com|gitlab\.com|bitbucket\.org)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.ASCII
)


def read_arxiv(obj: object) -> Work:
    """One snapshot record as a Work; RecordError naming the field when the record is malformed."""
    if not isinstance(obj, dict):
        fields.unexpected("", "a JSON object (an arXiv metadata record)", obj)
    ids = [_arxiv_id(obj.get("id"))]
    for doi in _dois(obj.get("doi")):
        if doi not in ids:
            ids.append(doi)
    written = _text(obj, "title")
    title = _clean(written or "")
    abstract = _abstract(_text(obj, "abstract"))
    categories = _categories(obj.get("categories"))
    authors, complete = _authors(obj)
    published = _published(obj)
    code_url = _code_url(_text(obj, "comments"), abstract)
    if not has_text(title):  # checked last: a malformed field elsewhere makes the record malformed
        shown = "missing" if written is None else f"{title[:40]!r} has no letter or digit" if title else "empty"
        raise IncompleteRecord(UNTITLED_WORKS, f"title: {shown}")
    return Work(
        source=SOURCE,
        ids=tuple(ids),
        title=title,
        abstract=abstract,
        primary_category=categories[0] if categories else None,
        categories=categories,
        published_on=published,
        published_precision="day" if published is not None else None,
        code_url=code_url,
        authors=authors,
        authors_complete=complete,
    )


def _text(obj: dict[str, object], field: str) -> str | None:
    value = obj.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        fields.unexpected(field, "a string", value)
    return value


def _clean(text: str) -> str:
    """One line: TeX accents converted, whitespace runs (wrapping, indentation) as single spaces."""
    return " ".join(tex_to_unicode(text).split())


def _arxiv_id(value: object) -> PaperId:
    if value is None:
        raise RecordError("id: missing")
    if not isinstance(value, str):
        # A JSON number here is an id a spreadsheet or CSV step has mangled ("0704.0001" -> 704.0001).
        fields.unexpected("id", "a string such as '2212.11867'", value)
    try:
        return PaperId("arxiv", normalise_external_id("Paper", "arxiv", value).value)
    except InvalidInputError as error:
        raise RecordError(f"id: {error}") from None


def _dois(value: object) -> list[PaperId]:
    if value is None:
        return []
    if not isinstance(value, str):
        fields.unexpected("doi", "a string", value)
    found: list[PaperId] = []
    for written in value.split():  # several DOIs are separated by spaces (an article and its erratum)
        try:
            found.append(PaperId("doi", normalise_external_id("Paper", "doi", written).value))
        except InvalidInputError as error:
            raise RecordError(f"doi: {error}") from None
    return found


def _abstract(text: str | None) -> str | None:
    if text is None:
        return None
    paragraphs = (" ".join(part.split()) for part in _PARAGRAPH.split(tex_to_unicode(text).strip()))
    return "\n".join(p for p in paragraphs if p) or None


def _categories(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, str):
        fields.unexpected("categories", "a space-separated string", value)
    found: list[str] = []
    for category in value.split():
        if not _CATEGORY.fullmatch(category):
            raise RecordError(f"categories: {category[:40]!r} is not an arXiv category (e.g. 'math.PR', 'hep-th')")
        if category not in found:
            found.append(category)
    return tuple(found)


def _authors(obj: dict[str, object]) -> tuple[tuple[Byline, ...], bool]:
    """The bylines, and whether they are the whole author list."""
    parsed = obj.get("authors_parsed")
    if parsed is not None:
        if not isinstance(parsed, list):
            fields.unexpected("authors_parsed", "a list of [last, first, suffix] lists", parsed)
        return _parsed_authors(parsed), True
    written = _text(obj, "authors")
    if written is None:
        return (), False
    return _written_authors(written)


def _parsed_authors(parsed: list[object]) -> tuple[Byline, ...]:
    bylines: list[Byline] = []
    for index, entry in enumerate(parsed):
        if not isinstance(entry, list):
            fields.unexpected(f"authors_parsed[{index}]", "a list [last, first, suffix]", entry)
        if not all(isinstance(part, str) for part in entry):
            raise RecordError(f"authors_parsed[{index}]: expected strings [last, first, suffix], found {entry!r:.60}")
        last, first, suffix = [*entry[:3], "", "", ""][:3]
        # each part apart: TeX eats the spaces after a control word, so "Strau\\ss" + " Jr." would run together
        name = " ".join(part for part in map(_clean, (first, last, suffix)) if part)
        if not has_text(name):
            continue  # an empty entry (a stray separator in the authors string): no one to credit
        if len(entry) > 3:
            affiliations = [text for text in map(_clean, entry[3:]) if text]
            institutions = tuple(Institution(name=a) for a in dict.fromkeys(affiliations))
            bylines.append(Byline(name, len(bylines) + 1, (), institutions, "; ".join(affiliations) or None))
        else:
            bylines.append(Byline(name, len(bylines) + 1))
    return tuple(bylines)


def _written_authors(written: str) -> tuple[tuple[Byline, ...], bool]:
    """Names from the `authors` string: "A, B and C", affiliations in parentheses dropped."""
    text = " ".join(written.split())
    while True:  # nested "((1) MIT, (2) CERN)" goes from the inside out
        stripped = _PARENTHESES.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    et_al = _ET_AL.search(text)
    if et_al:  # "G. Aad, B. Abbott et al.": the list is cut short
        text = text[: et_al.start()]
    names: list[str] = []
    for part in _NAME_SEPARATORS.split(text):
        name = _clean(part)
        if not has_text(name):
            continue
        if name.lower() in _SUFFIXES and names:
            names[-1] = f"{names[-1]} {name}"  # "John Smith, Jr." is one person
        else:
            names.append(name)
    return tuple(Byline(name=name, position=i) for i, name in enumerate(names, 1)), not et_al and bool(names)


def _published(obj: dict[str, object]) -> dt.date | None:
    """The first version's day (UTC): when the paper appeared on arXiv. `update_date` only without versions."""
    versions = obj.get("versions")
    if versions is not None:
        if not isinstance(versions, list):
            fields.unexpected("versions", "a list of {version, created} objects", versions)
        days = [_version_day(index, version) for index, version in enumerate(versions)]
        if days:
            return min(days)  # versions[0] is v1 in the snapshot; the minimum does not rely on the order
    updated = _text(obj, "update_date")
    if updated is None:
        return None
    match = _UPDATE_DATE.fullmatch(updated.strip())
    try:
        if match is None:
            raise ValueError(updated)
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise RecordError(f"update_date: {updated[:40]!r} is not a date (YYYY-MM-DD)") from None


def _version_day(index: int, version: object) -> dt.date:
    field = f"versions[{index}].created"
    if not isinstance(version, dict):
        fields.unexpected(f"versions[{index}]", "an object {version, created}", version)
    created = version.get("created")
    if not isinstance(created, str):
        fields.unexpected(field, "a date string", created)
    usual = _RFC_2822_UTC.fullmatch(created)  # the snapshot's own form, read without the email parser
    if usual is not None and usual[2] in _MONTHS:
        try:
            return dt.date(int(usual[3]), _MONTHS[usual[2]], int(usual[1]))
        except ValueError:
            pass  # no such day: the parser below says so
    try:
        moment = parsedate_to_datetime(created)
    except (TypeError, ValueError, IndexError):
        raise RecordError(f"{field}: {created[:40]!r} is not an RFC 2822 date (e.g. 'Thu, 22 Dec 2022')") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def _code_url(comments: str | None, abstract: str | None) -> str | None:
    """The first repository link (GitHub, GitLab, Bitbucket) in the comments, else in the abstract."""
    for text in (comments, abstract):
        if text:
            match = _CODE_URL.search(text)
            if match:
                repository = match[3].removesuffix(".git").rstrip(".")
                if repository:
                    return f"https://{match[1]}/{match[2]}/{repository}"
    return None
