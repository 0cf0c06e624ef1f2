"""The bulk writer every format shares: normalised records (api/ingest/model.py) into the database.

`write_records` reads records as they come (any iterable, sync or async), cuts them into batches and
writes each batch with a fixed number of set-based statements (api/db/bulk.py): COPY into staging
tables, one look-up of candidates, decisions made here, COPY of the decisions, upserts. Memory stays
that of one batch. The whole import is one transaction: it commits whole or not at all, so an import
that fails or is killed changes nothing and can simply be run again.

Identity, the same whichever order or batch records arrive in:

- Papers: the stored paper any of the record's ids (DOI, arXiv, OpenAlex, Semantic Scholar, and the
  ids the source merged into it) names; else the oldest stored paper with the same title key
  (`sg_name_key`) and year (either year unknown matches any; a record with a DOI or an arXiv id never
  matches a paper with another one by title). Records of one batch sharing an id, or a title key and year, are
  one paper. A record whose ids name two stored papers proves them one work: they are merged into the
  older, every id kept, the other's id redirecting to it.
- Authors: the stored author any id (ORCID, OpenAlex, Semantic Scholar) names; else, by folded name,
  an author of the same paper, else a coauthor of one of the record's authors matched by id; else a
  new author. Name matches never take an author with a different id of a scheme the byline has.
  A byline entry with ids that also matches an id-less author of the same paper by name merges that
  author into it (the same person, first stored from a source without ids).
- Fields merge by the write policy every writer shares (api/db/write_policy.py): what the source gives
  wins, what it lacks is kept, categories accumulate, `authors_complete` and a code link once known stay;
  an author new to the store takes the best spelling of the names its mentions give.

References with ids become citations when one of the ids names a stored paper, else they wait in
`pending_references` until such a paper arrives (in this import or a later one); a work's `cited_by`
ids likewise (`pending_cited_by`). References given only as text are counted in the summary
(`skipped["text_references"]`) and not stored. A person's institutions are not stored (the schema has
no author affiliation beyond the byline's).

After the last batch, citation counts are refreshed for the papers whose citations changed, and computed
metrics for the authors touched (of papers written, of the papers they cite, of papers cited anew).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Callable,
    Generator,
    Hashable,
    Iterable,
    Mapping,
    Sequence,
    Set,
)
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from api.db import bulk
from api.db.bulk_load import SetAside
from api.db.import_lock import LockWait
from api.db.pool import Connection, Database
from api.db.records import Row
from api.db.write_policy import best_spelling, fold_papers
from api.errors import IngestError
from api.ingest.ahead import read_ahead
from api.ingest.limits import MAX_COUNT, MAX_ID_CHARS, MAX_NAME_BYTES, MAX_TEXT_BYTES, MAX_TITLE_BYTES
from api.ingest.model import Institution, Person, RecordError, Work

Record = Work | Person

BATCH_SIZE = 5000

PAPER_SCHEMES = frozenset({"doi", "arxiv", "openalex", "s2"})
AUTHOR_SCHEMES = frozenset({"orcid", "openalex", "s2"})


@dataclass
class ImportSummary:
    """What an import did. `read` and `rejected` count records by kind ("works", "persons"); `inserted`
    and `updated` count rows by table (an update only when a value changed); `merged` counts stored
    papers and authors merged into another; `skipped` counts what was read but not stored; `batches` the
    batches written."""

    read: Counter[str] = field(default_factory=Counter)
    inserted: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    merged: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    batches: int = 0

    def as_dict(self) -> dict[str, dict[str, int]]:
        parts = ("read", "inserted", "updated", "merged", "rejected", "skipped")
        return {part: {k: n for k, n in sorted(getattr(self, part).items()) if n} for part in parts}

    def changed_nothing(self) -> bool:
        return not any((+self.inserted, +self.updated, +self.merged))


ProgressCallback = Callable[[ImportSummary], None]
RejectCallback = Callable[[Record, str], None]


# --- checking a record --------------------------------------------------------------------------------


def check_record(record: Record) -> None:
    """Raise RecordError, with the reason, when a record cannot be stored as it is. What a reader made is
    first fitted to these limits where the data model allows (api/ingest/limits.py, `fit_record`)."""
    if isinstance(record, Work):
        _check_work(record, "")
    else:
        _check_person(record)


def _check_text(label: str, text: str | None, max_bytes: int = MAX_TEXT_BYTES) -> None:
    if text is None:
        return
    if "\x00" in text:
        raise RecordError(f"{label} contains a NUL character")
    if len(text) * 4 > max_bytes and len(text.encode()) > max_bytes:
        raise RecordError(f"{label} is longer than {max_bytes} bytes")


def _check_name(label: str, name: str) -> None:
    _check_text(label, name, MAX_NAME_BYTES)
    if not any(c.isalnum() for c in name):
        raise RecordError(f"{label} {name[:80]!r} has no letter or digit")


def _check_ids(label: str, ids: Iterable[Any], schemes: frozenset[str]) -> None:
    for given in ids:
        if given.scheme not in schemes:
            raise RecordError(f"{label}: unknown id scheme {str(given.scheme)[:20]!r}")
        if not isinstance(given.value, str) or not given.value.strip():
            raise RecordError(f"{label}: an empty {given.scheme} id")
        if len(given.value) > MAX_ID_CHARS or "\x00" in given.value:
            raise RecordError(f"{label}: the {given.scheme} id {given.value[:40]!r}… is not an id")


def _check_count(label: str, value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_COUNT:
        raise RecordError(f"{label} {value} is out of range")


def _check_work(work: Work, where: str) -> None:
    if work.ids_only:
        _check_alias(where, work.ids, work.merged_ids, PAPER_SCHEMES)
        return
    if not work.title.strip():
        raise RecordError(f"{where}the title is empty")
    _check_text(f"{where}the title", work.title, MAX_TITLE_BYTES)
    if not any(c.isalnum() for c in work.title):
        raise RecordError(f"{where}the title {work.title[:80]!r} has no letter or digit")
    for label, text in (("abstract", work.abstract), ("code URL", work.code_url),
                        ("primary category", work.primary_category)):  # fmt: skip
        _check_text(f"{where}the {label}", text)
    for category in work.categories:
        _check_text(f"{where}a category", category, MAX_NAME_BYTES)
    _check_ids(f"{where}the paper's ids", (*work.ids, *work.merged_ids), PAPER_SCHEMES)
    _check_count(f"{where}the reported citation count", work.reported_citation_count)
    for number, byline in enumerate(work.authors, start=1):
        label = f"{where}author {number}"
        _check_name(f"{label}'s name", byline.name)
        if byline.position is not None and not 1 <= byline.position <= 100_000:
            raise RecordError(f"{label}'s position {byline.position} is not a byline position (1, 2, …)")
        _check_ids(f"{label}'s ids", byline.ids, AUTHOR_SCHEMES)
        _check_text(f"{label}'s affiliation", byline.affiliation)
        for institution in byline.institutions:
            _check_text(f"{label}'s institution", institution.name)
    for number, reference in enumerate(work.references, start=1):
        _check_ids(f"{where}reference {number}", reference.ids, PAPER_SCHEMES)
    _check_ids(f"{where}the citing papers' ids", work.cited_by, PAPER_SCHEMES)


def _check_alias(where: str, ids: Sequence[Any], merged_ids: Sequence[Any], schemes: frozenset[str]) -> None:
    if not ids or not merged_ids:
        raise RecordError(f"{where}a merged-ids record needs the id merged into and the merged id")
    _check_ids(f"{where}the merged ids", (*ids, *merged_ids), schemes)


def _check_person(person: Person) -> None:
    if person.ids_only:
        _check_alias("", person.ids, person.merged_ids, AUTHOR_SCHEMES)
        return
    _check_name("the author's name", person.name)
    _check_ids("the author's ids", (*person.ids, *person.merged_ids), AUTHOR_SCHEMES)
    figures = person.reported
    if figures is not None:
        _check_text("the reported figures' source", figures.source, MAX_NAME_BYTES)
        if not figures.source.strip():
            raise RecordError("the reported figures have no source")
        for label in ("h_index", "i10_index", "citation_count", "paper_count"):
            _check_count(f"the reported {label}", getattr(figures, label))
        mean = figures.two_year_mean_citedness
        if mean is not None and not (mean.is_finite() and mean >= 0):
            raise RecordError(f"the reported two-year mean citedness {mean} is out of range")
    for number, work in enumerate(person.works, start=1):
        _check_work(work, f"paper {number}: ")


# --- normalising the small things ---------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+")
_ROR = re.compile(r"[0-9a-z]+")
_OPENALEX_INSTITUTION = re.compile(r"I\d+")
_COUNTRY = re.compile(r"[A-Z]{2}")


def fold(text: str) -> str:
    """Accents off, case folded, punctuation and spacing collapsed: close to the database's sg_name_key,
    used only to match names inside one record and institutions inside one batch."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(part for part in _NON_WORD.split(bare) if part)


def _ror(value: str | None) -> str | None:
    if not value:
        return None
    tail = value.strip().lower().rstrip("/").rsplit("/", 1)[-1]
    return f"https://ror.org/{tail}" if _ROR.fullmatch(tail) else None


def _openalex_institution(value: str | None) -> str | None:
    if not value:
        return None
    tail = value.strip().rstrip("/").rsplit("/", 1)[-1].upper()
    return tail if _OPENALEX_INSTITUTION.fullmatch(tail) else None


def _country(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().upper()
    return code if _COUNTRY.fullmatch(code) else None


class _Components:
    """Union-find over small integers; the root of a set is its lowest member. Each set carries two
    flags, OR-ed on union: whether it holds a stored row, and whether it holds an external id; and the
    exclusive ids (a paper's DOIs and arXiv ids) its members hold, united on union."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.stored: list[bool] = []
        self.ided: list[bool] = []
        self.exclusive: list[frozenset[IdKey]] = []

    def add(self, *, stored: bool = False, ided: bool = False, exclusive: frozenset[IdKey] = frozenset()) -> int:
        self.parent.append(len(self.parent))
        self.stored.append(stored)
        self.ided.append(ided)
        self.exclusive.append(exclusive)
        return len(self.parent) - 1

    def exclusive_of(self, node: int) -> frozenset[IdKey]:
        return self.exclusive[self.find(node)]

    def hold(self, node: int, keys: frozenset[IdKey]) -> None:
        """Add `keys` to the exclusive ids of `node`'s set."""
        root = self.find(node)
        self.exclusive[root] = self.exclusive[root] | keys

    def find(self, node: int) -> int:
        parent = self.parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.stored[ra] = self.stored[ra] or self.stored[rb]
        self.ided[ra] = self.ided[ra] or self.ided[rb]
        if self.exclusive[rb]:
            self.exclusive[ra] = self.exclusive[ra] | self.exclusive[rb]

    def union_sharing(self, keyed: Iterable[tuple[int, Iterable[Hashable]]]) -> None:
        """Union the nodes that share any key: (node, its keys) pairs."""
        first: dict[Hashable, int] = {}
        for node, keys in keyed:
            for key in keys:
                other = first.setdefault(key, node)
                if other != node:
                    self.union(other, node)

    def stored_node(self, nodes: dict[int, int], row_id: int, exclusive: frozenset[IdKey] = frozenset()) -> int:
        """The node standing for the stored row `row_id` in `nodes` (row id -> node), added on first use
        (holding `exclusive`, the row's exclusive ids)."""
        node = nodes.get(row_id)
        if node is None:
            node = nodes[row_id] = self.add(stored=True, exclusive=exclusive)
        return node


# --- a batch, flattened into staging rows -------------------------------------------------------------

IdKey = tuple[str, str]


def _id_keys(ids: Iterable[Any]) -> tuple[IdKey, ...]:
    return tuple(dict.fromkeys((given.scheme, given.value) for given in ids))


class _Fields(NamedTuple):
    """What the decisions read of a work beyond its staged rows: the fields merged into its paper (named
    as Work's: a `write_policy.PaperView`). A batch keeps these rather than the Work itself, so that it
    crosses from the reading process cheaply (api/ingest/reading_process.py)."""

    title: str
    abstract: str | None
    primary_category: str | None
    categories: tuple[str, ...]
    published_on: dt.date | None
    published_precision: str | None
    code_url: str | None
    authors_complete: bool
    reported_citation_count: int | None
    ids_only: bool


class Batch:
    """One batch of records as rows of the staging tables, plus what the decisions need."""

    def __init__(self) -> None:
        self.works: list[_Fields] = []
        self.years: list[int | None] = []
        self.work_ids: list[tuple[IdKey, ...]] = []
        self.mention_w: list[int | None] = []
        self.mention_names: list[str] = []
        self.mention_ids: list[tuple[IdKey, ...]] = []
        self.person_names: dict[int, str] = {}  # a person's own mention -> the person's name
        self.alias_mentions: set[int] = set()  # the mentions of ids-only persons (merged-ids rows)
        self.links: list[tuple[int, int]] = []  # (a person's mention, that person's byline mention)
        self.rows: dict[str, list[tuple[Any, ...]]] = {
            table: []
            for table in (
                "bulk_work",
                "bulk_work_id",
                "bulk_mention",
                "bulk_mention_id",
                "bulk_paper_institution",
                "bulk_reference",
                "bulk_cited_by",
                "bulk_reported",
            )
        }
        self.deferred_references: list[tuple[int, str, str]] = []  # (w, scheme, value): references of one id
        self.institutions: list[Institution] = []
        self._institution_of: dict[tuple[str | None, ...], int] = {}
        self._index_of_given: dict[Institution, int | None] = {}
        self.read: Counter[str] = Counter()  # records read into this batch, by kind, rejected ones included
        self.rejected: Counter[str] = Counter()
        self.text_references = 0
        self.unknown_merge_targets = 0  # merged-ids rows whose target is neither stored nor in the batch
        self.units = 0  # records and the works persons list: what the batch size counts

    @property
    def size(self) -> int:
        return len(self.works)

    # records

    def add(self, record: Record) -> None:
        if isinstance(record, Work):
            self._add_work(record)
            self.units += 1
        else:
            self._add_person(record)
            self.units += 1 + len(record.works)

    def _add_work(self, work: Work) -> list[int]:
        w = len(self.works)
        self.works.append(
            _Fields(
                work.title, work.abstract, work.primary_category, work.categories, work.published_on,
                work.published_precision, work.code_url, work.authors_complete, work.reported_citation_count,
                work.ids_only,
            )
        )  # fmt: skip
        year = work.published_on.year if work.published_on is not None else None
        self.years.append(year)
        ids = _id_keys((*work.ids, *work.merged_ids))
        self.work_ids.append(ids)
        self.rows["bulk_work"].append((w, work.title, year))
        work_id_rows = self.rows["bulk_work_id"]
        for scheme, value in ids:
            work_id_rows.append((w, scheme, value))
        mentions = []
        for byline in work.authors:
            institution = None
            for number, given in enumerate(byline.institutions):
                i = self._institution(given)
                if i is None:
                    continue
                if institution is None and number == 0:
                    institution = i
                else:
                    self.rows["bulk_paper_institution"].append((w, i))
            mentions.append(
                self._mention(w, byline.name, byline.position, byline.affiliation, institution, _id_keys(byline.ids))
            )
        reference_rows = self.rows["bulk_reference"]
        deferred = self.deferred_references
        for r, reference in enumerate(work.references):
            cited = reference.ids
            if len(cited) == 1:
                deferred.append((w, cited[0].scheme, cited[0].value))
                continue
            if not cited:
                self.text_references += 1
            for scheme, value in _id_keys(cited):
                reference_rows.append((w, r, scheme, value))
        for scheme, value in _id_keys(work.cited_by):
            self.rows["bulk_cited_by"].append((w, scheme, value))
        return mentions

    def _mention(
        self, w: int | None, name: str, position: int | None, affiliation: str | None, institution: int | None,
        ids: tuple[IdKey, ...],
    ) -> int:  # fmt: skip
        m = len(self.mention_w)
        self.mention_w.append(w)
        self.mention_names.append(name)
        self.mention_ids.append(ids)
        self.rows["bulk_mention"].append((m, w, name, position, affiliation, institution))
        for scheme, value in ids:
            self.rows["bulk_mention_id"].append((m, scheme, value))
        return m

    def _add_person(self, person: Person) -> None:
        ids = _id_keys((*person.ids, *person.merged_ids))
        own = self._mention(None, person.name, None, None, None, ids)
        if person.ids_only:
            self.alias_mentions.add(own)
            return
        self.person_names[own] = person.name
        figures = person.reported
        if figures is not None:
            self.rows["bulk_reported"].append(
                (own, figures.source, figures.as_of, figures.h_index, figures.i10_index, figures.citation_count,
                 figures.paper_count, figures.two_year_mean_citedness)
            )  # fmt: skip
        names = {fold(person.name), *(fold(name) for name in person.alternative_names)}
        wanted = set(ids)
        for work in person.works:
            mentions = self._add_work(work)
            found = next((m for m in mentions if wanted & set(self.mention_ids[m])), None)
            if found is None:
                found = next((m for m in mentions if fold(self.mention_names[m]) in names), None)
            if found is None:  # the work does not list the person: an author all the same, place unknown
                found = self._mention(len(self.works) - 1, person.name, None, None, None, ())
            # The byline entry carries the person's ids, so that matching by name respects them.
            extra = tuple(key for key in ids if key not in self.mention_ids[found])
            if extra:
                self.mention_ids[found] = self.mention_ids[found] + extra
                for scheme, value in extra:
                    self.rows["bulk_mention_id"].append((found, scheme, value))
            self.links.append((own, found))

    def _institution(self, given: Institution) -> int | None:
        # the same institution is given on many bylines of a batch: normalised once
        if given in self._index_of_given:
            return self._index_of_given[given]
        found = self._index_of_given[given] = self._normal_institution(given)
        return found

    def _normal_institution(self, given: Institution) -> int | None:
        name = given.name.strip()
        if not name or not any(c.isalnum() for c in name) or len(name.encode()) > MAX_NAME_BYTES:
            return None
        normal = Institution(
            name=name, country_code=_country(given.country_code), ror=_ror(given.ror),
            openalex=_openalex_institution(given.openalex),
        )  # fmt: skip
        key = (normal.name, normal.country_code, normal.ror, normal.openalex)
        found = self._institution_of.get(key)
        if found is None:
            found = self._institution_of[key] = len(self.institutions)
            self.institutions.append(normal)
        return found

    def institution_rows(self) -> list[tuple[Any, ...]]:
        """One row per distinct institution given, each with its batch component's name and ids, so that the
        database finds them all as one. Institutions are one when they share a ROR or OpenAlex id; one
        without ids is the first of its folded name; two with different ids stay two, whatever their names."""
        components = _Components()
        first: dict[tuple[str, str], int] = {}
        for i, institution in enumerate(self.institutions):
            components.add()
            keys = []
            if institution.ror:
                keys.append(("ror", institution.ror))
            if institution.openalex:
                keys.append(("openalex", institution.openalex))
            name = ("name", fold(institution.name))
            if keys:
                first.setdefault(name, i)  # an institution with ids names the name for those without
            else:
                keys.append(name)  # two with different ids are two, however alike their names
            for key in keys:
                other = first.setdefault(key, i)
                if other != i:
                    components.union(other, i)
        merged: dict[int, list[Institution]] = {}
        for i, institution in enumerate(self.institutions):
            merged.setdefault(components.find(i), []).append(institution)
        rows: list[tuple[Any, ...]] = []
        for i in range(len(self.institutions)):
            group = merged[components.find(i)]
            rows.append(
                (i, group[0].name, _first(g.country_code for g in group), _first(g.ror for g in group),
                 _first(g.openalex for g in group))
            )  # fmt: skip
        return rows


def _first(values: Iterable[str | None]) -> str | None:
    return next((value for value in values if value is not None), None)


# --- deciding which records are which paper -----------------------------------------------------------


@dataclass
class _PaperPlan:
    paper_rows: list[tuple[Any, ...]]
    work_papers: list[int]  # w -> paper id
    merges: list[tuple[int, int]]


# A work has at most one id of each of these schemes: two different ones name two works.
_EXCLUSIVE_SCHEMES = frozenset({"doi", "arxiv"})


def _different_ids(a: frozenset[IdKey], b: frozenset[IdKey]) -> bool:
    """Whether two works have, for some exclusive scheme, ids that differ (and none in common)."""
    if not a or not b or a & b:
        return False
    return bool({scheme for scheme, _ in a} & {scheme for scheme, _ in b})


def _exclusive_keys(texts: Sequence[str] | None) -> frozenset[IdKey]:
    """Exclusive ids written 'scheme:value' (as the match query returns them)."""
    return frozenset((scheme, value) for scheme, _, value in (text.partition(":") for text in texts or ()))


def _plan_papers(batch: Batch, matches: Sequence[Row]) -> tuple[_Components, dict[int, int]]:
    """Union the batch's records into papers: shared ids, stored papers named by id, title key and year
    within the batch, then the stored paper found by title for a paper found no other way.

    Ids are strong evidence: records sharing one are one paper. A title is weak evidence: it joins two
    papers only if their DOIs and arXiv ids, all of those gathered so far on each side (its records' and
    those of the stored papers it holds), do not conflict. So a title match is never transitive across
    conflicting ids: a record without ids titled "Introduction" joins one of two "Introduction" papers
    with different DOIs, never both."""
    n = batch.size
    components = _Components()
    for ids in batch.work_ids:
        components.add(exclusive=frozenset((s, v) for s, v in ids if s in _EXCLUSIVE_SCHEMES))
    node_of_paper: dict[int, int] = {}
    components.union_sharing(enumerate(batch.work_ids))
    title_keys: list[str] = [""] * n
    by_title: list[int | None] = [None] * n
    by_title_exclusive: list[frozenset[IdKey]] = [frozenset()] * n
    matched = [False] * n
    for row in matches:
        w = row["w"]
        title_keys[w] = row["title_key"]
        by_title[w] = row["by_title"]
        by_title_exclusive[w] = _exclusive_keys(row["by_title_exclusive"])
        for paper_id in row["by_id"] or ():
            matched[w] = True
            components.union(w, components.stored_node(node_of_paper, paper_id))
        if row["by_id"]:
            components.hold(w, _exclusive_keys(row["by_id_exclusive"]))
    # Within the batch, by title key and a compatible year; never two records both found by id (their
    # ids decide), never two papers with different DOIs or arXiv ids.
    seen: dict[str, list[int]] = {}
    for w in range(n):
        title_key = title_keys[w]
        if not title_key:
            continue
        earlier = seen.setdefault(title_key, [])
        for other in earlier:
            if (
                (batch.years[w] is None or batch.years[other] is None or batch.years[w] == batch.years[other])
                and not (matched[w] and matched[other])
                and not _different_ids(components.exclusive_of(w), components.exclusive_of(other))
            ):
                components.union(other, w)
                break
        else:
            earlier.append(w)
    # A paper found no other way: the stored paper with its title, unless what the paper holds by now
    # conflicts with it (the query checked the record's own ids only).
    for w in range(n):
        candidate = by_title[w]
        if candidate is None or components.stored[components.find(w)]:
            continue
        node = components.stored_node(node_of_paper, candidate, by_title_exclusive[w])
        if not _different_ids(components.exclusive_of(w), components.exclusive_of(node)):
            components.union(w, node)
    return components, node_of_paper


@dataclass
class Clusters:
    """Which of a batch's records are one paper (or which mentions one author), before any id is issued:
    each cluster's members by its root, the stored rows it holds (ascending: the first survives, the others
    merge into it), and the members that describe it (not merged-ids rows: a cluster of those alone is
    nothing to create)."""

    members: dict[int, list[int]]
    stored_of: dict[int, list[int]]
    described: dict[int, list[int]]

    @property
    def new_count(self) -> int:
        """How many new rows the clusters need: those holding no stored row, described by some member."""
        return sum(1 for root in self.members if root not in self.stored_of and self.described[root])


def _clusters(components: _Components, node_of_row: dict[int, int], count: int, aliases: Set[int]) -> Clusters:
    stored_of: dict[int, list[int]] = {}
    for row_id, node in sorted(node_of_row.items()):
        stored_of.setdefault(components.find(node), []).append(row_id)
    members: dict[int, list[int]] = {}
    for item in range(count):
        members.setdefault(components.find(item), []).append(item)
    described = {root: [item for item in items if item not in aliases] for root, items in members.items()}
    return Clusters(members=members, stored_of=stored_of, described=described)


def cluster_papers(batch: Batch, matches: Sequence[Mapping[str, Any]]) -> Clusters:
    """The batch's records grouped into papers, given the match query's rows (`bulk.match_papers`); no
    database needed (see `_plan_papers` for the rule)."""
    components, node_of_paper = _plan_papers(batch, matches)
    aliases = {w for w, fields in enumerate(batch.works) if fields.ids_only}
    return _clusters(components, node_of_paper, batch.size, aliases)


def assign_papers(batch: Batch, clusters: Clusters, new_ids: Sequence[int]) -> _PaperPlan:
    """Each cluster its paper id (the oldest stored one it holds, else the next of `new_ids`, which holds
    `clusters.new_count` ids, ascending), the rows to write and the merges to make; no database needed."""
    issued = iter(new_ids)
    work_papers = [0] * batch.size  # 0: the record names no paper (an unknown merge target)
    paper_rows: list[tuple[Any, ...]] = []
    merges: list[tuple[int, int]] = []
    for root, ws in clusters.members.items():
        found = clusters.stored_of.get(root)
        works = [batch.works[w] for w in clusters.described[root]]
        if found:
            paper_id, is_new = found[0], False
            merges.extend((other, paper_id) for other in found[1:])
        elif works:
            paper_id, is_new = next(issued), True
        else:
            batch.unknown_merge_targets += len(ws)
            continue
        for w in ws:
            work_papers[w] = paper_id
        if works:
            paper_rows.append((paper_id, is_new, *fold_papers(works)))
    return _PaperPlan(paper_rows=paper_rows, work_papers=work_papers, merges=merges)


async def _decide_papers(connection: Connection, batch: Batch, matches: Sequence[Row]) -> _PaperPlan:
    clusters = cluster_papers(batch, matches)
    return assign_papers(batch, clusters, await bulk.allocate_ids(connection, "papers", clusters.new_count))


# --- deciding which byline entries are which author ---------------------------------------------------


@dataclass
class _AuthorPlan:
    mention_authors: list[tuple[int, int]]
    author_rows: list[tuple[Any, ...]]
    merges: list[tuple[int, int]]
    new_author_schemes: list[frozenset[str]]  # per new author, the schemes of the ids it gets


def cluster_authors(batch: Batch, work_papers: Sequence[int], matches: Sequence[Mapping[str, Any]]) -> Clusters:
    """The batch's mentions grouped into authors, given the papers their records were put on and the match
    query's rows (`bulk.match_authors`); no database needed. The rule, in order: the same ids, the same
    person; a person record and its byline entries; stored authors named by id; by name, a stored author
    of the same paper, else a stored coauthor of an author matched by id; within the batch, by name on
    another record of the same paper, then among the coauthors of an author with ids on both records."""
    count = len(batch.mention_w)
    components = _Components()
    for m in range(count):
        components.add(ided=bool(batch.mention_ids[m]))
    node_of_author: dict[int, int] = {}
    # 1. the same ids, the same person; a person and their byline entries
    components.union_sharing(enumerate(batch.mention_ids))
    for own, byline in batch.links:
        components.union(own, byline)
    # 2. stored authors named by id
    name_keys: list[str] = [""] * count
    for row in matches:
        name_keys[row["m"]] = row["name_key"] or ""
        for author_id in row["by_id"] or ():
            components.union(row["m"], components.stored_node(node_of_author, author_id))
    # 3. by name on the same stored paper; else a stored coauthor of an author matched by id
    for row in matches:
        same_paper = row["same_paper"]
        if same_paper is None:
            continue
        if not components.stored[components.find(row["m"])] or row["same_paper_idless"]:
            components.union(row["m"], components.stored_node(node_of_author, same_paper))
    for row in matches:
        coauthor = row["coauthor"]
        if coauthor is not None and not components.stored[components.find(row["m"])]:
            components.union(row["m"], components.stored_node(node_of_author, coauthor))

    def free(m: int) -> bool:
        root = components.find(m)
        return not components.stored[root] and not components.ided[root]

    # 4. within the batch, by name on the same paper (another record of it)
    buckets: dict[tuple[int, str], list[int]] = {}
    for m, w in enumerate(batch.mention_w):
        if w is not None and name_keys[m]:
            buckets.setdefault((work_papers[w], name_keys[m]), []).append(m)
    for ms in buckets.values():
        if len(ms) < 2:
            continue
        rep = next((m for m in ms if not free(m)), ms[0])
        for m in ms:
            if m != rep and free(m) and batch.mention_w[m] != batch.mention_w[rep]:
                components.union(rep, m)
    # 5. within the batch, by name among the coauthors of an author with ids on both records
    anchors: dict[int, set[int]] = {}
    for m, w in enumerate(batch.mention_w):
        if w is not None and components.ided[components.find(m)]:
            anchors.setdefault(w, set()).add(components.find(m))
    met: dict[tuple[int, str], int] = {}
    for m, w in enumerate(batch.mention_w):
        if w is None or not name_keys[m] or w not in anchors or not free(m):
            continue
        for anchor in sorted(anchors[w]):
            other = met.setdefault((anchor, name_keys[m]), m)
            if other != m and batch.mention_w[other] != w:
                components.union(other, m)

    return _clusters(components, node_of_author, count, batch.alias_mentions)


def assign_authors(batch: Batch, clusters: Clusters, new_ids: Sequence[int]) -> _AuthorPlan:
    """Each cluster its author id (the oldest stored one it holds, else the next of `new_ids`), its name,
    and the merges to make; no database needed. A new author is named by its person record, else by the
    best spelling of its mentions' names."""
    issued = iter(new_ids)
    mention_authors: list[tuple[int, int]] = []
    author_rows: list[tuple[Any, ...]] = []
    merges: list[tuple[int, int]] = []
    new_author_schemes: list[frozenset[str]] = []
    for root, ms in clusters.members.items():
        person = next((batch.person_names[m] for m in ms if m in batch.person_names), None)
        found = clusters.stored_of.get(root)
        if found:
            author_id = found[0]
            merges.extend((other, author_id) for other in found[1:])
            if person is not None:
                author_rows.append((author_id, False, person))
        elif clusters.described[root]:
            author_id = next(issued)
            names = [batch.mention_names[m] for m in clusters.described[root]]
            name = person if person is not None else (names[0] if len(names) == 1 else best_spelling(names))
            author_rows.append((author_id, True, name))
            new_author_schemes.append(frozenset(scheme for m in ms for scheme, _ in batch.mention_ids[m]))
        else:
            batch.unknown_merge_targets += len(ms)
            continue
        mention_authors.extend((m, author_id) for m in ms)
    return _AuthorPlan(
        mention_authors=mention_authors, author_rows=author_rows, merges=merges, new_author_schemes=new_author_schemes
    )


async def _decide_authors(
    connection: Connection, batch: Batch, work_papers: Sequence[int], matches: Sequence[Row]
) -> _AuthorPlan:
    clusters = cluster_authors(batch, work_papers, matches)
    return assign_authors(batch, clusters, await bulk.allocate_ids(connection, "authors", clusters.new_count))


# --- the import ---------------------------------------------------------------------------------------


async def _write_batch(
    connection: Connection, batch: Batch, stats: bulk.BulkStats, set_aside: SetAside | None, universal: set[str]
) -> None:
    """Write one batch. `universal`: the author id schemes every stored author holds (`bulk_universal_scheme`),
    kept in step with that table here."""
    await bulk.clear_batch(connection)
    for table, rows in batch.rows.items():
        await bulk.copy(connection, table, rows)
    await bulk.copy(connection, "bulk_institution", batch.institution_rows())

    papers = await _decide_papers(connection, batch, await bulk.match_papers(connection))
    await bulk.copy(connection, "bulk_paper", papers.paper_rows)
    await bulk.copy(connection, "bulk_work_paper", [(w, p) for w, p in enumerate(papers.work_papers) if p])
    if papers.merges:
        await bulk.copy(connection, "bulk_paper_merge", papers.merges)
        await bulk.merge_papers(connection, stats, set_aside)
    await bulk.write_papers(connection, stats)
    work_papers = papers.work_papers
    await bulk.copy(
        connection,
        "bulk_deferred_reference",
        ((work_papers[w], scheme, value) for w, scheme, value in batch.deferred_references if work_papers[w]),
    )
    await bulk.attach_paper_ids(connection, stats)
    await bulk.link_pending(connection, stats)

    authors = await _decide_authors(connection, batch, papers.work_papers, await bulk.match_authors(connection))
    await bulk.copy(connection, "bulk_mention_author", authors.mention_authors)
    await bulk.copy(connection, "bulk_author", authors.author_rows)
    if authors.merges:
        await bulk.copy(connection, "bulk_author_merge", authors.merges)
        await bulk.merge_authors(connection, stats, set_aside)
    await bulk.write_authors(connection, stats)
    await bulk.attach_author_ids(connection, stats)
    # a scheme some new author lacks is no longer one every stored author holds
    lacking = {scheme for scheme in universal if any(scheme not in held for held in authors.new_author_schemes)}
    if lacking:
        universal -= lacking
        await bulk.drop_universal_schemes(connection, lacking)
    await bulk.write_institutions(connection, stats)
    await bulk.write_authorships(connection, stats)
    await bulk.link_paper_institutions(connection, stats)
    await bulk.write_citations(connection, stats)
    await bulk.write_reported(connection, stats)


class Cutter:
    """Records into batches of about `batch_size` units: each record checked, counted, and on failing
    the check passed to `on_reject` (or, without it, the import fails)."""

    def __init__(self, batch_size: int, on_reject: RejectCallback | None) -> None:
        self.batch_size = batch_size
        self.on_reject = on_reject
        self.batch = Batch()
        self.number = 0

    def add(self, record: Record) -> Batch | None:
        """Take a record; return the batch it completed, if it did."""
        self.number += 1
        kind = "works" if isinstance(record, Work) else "persons"
        self.batch.read[kind] += 1
        try:
            check_record(record)
        except RecordError as error:
            if self.on_reject is None:
                raise IngestError(f"record {self.number} ({_describe(record)}): {error}") from error
            self.batch.rejected[kind] += 1
            self.on_reject(record, str(error))
            return None
        self.batch.add(record)
        if self.batch.units < self.batch_size:
            return None
        full, self.batch = self.batch, Batch()
        return full

    def rest(self) -> Batch | None:
        """The last batch: records, or only rejected ones to count."""
        return self.batch if self.batch.units or self.batch.read else None


def cut_into_batches(records: Iterable[Record], cutter: Cutter) -> Generator[Batch, None, None]:
    """The batches `cutter` cuts `records` into, the last one (records, or only rejected ones) included."""
    for record in records:
        full = cutter.add(record)
        if full is not None:
            yield full
    rest = cutter.rest()
    if rest is not None:
        yield rest


async def _cut_async(records: AsyncIterable[Record], cutter: Cutter) -> AsyncGenerator[Batch, None]:
    async for record in records:
        full = cutter.add(record)
        if full is not None:
            yield full
    rest = cutter.rest()
    if rest is not None:
        yield rest


async def write_records(
    db: Database,
    records: AsyncIterable[Record] | Iterable[Record],
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
    on_reject: RejectCallback | None = None,
    bulk_load: bool | None = None,
    on_lock_wait: LockWait | None = None,
) -> ImportSummary:
    """Write every record, in batches of about `batch_size` papers, in one transaction.

    A record that cannot be stored (`check_record`) is passed to `on_reject` with the reason and skipped,
    or, without `on_reject`, fails the import (IngestError; nothing is written). `on_progress` is called
    with the summary so far after each batch. Returns the summary.

    Records given as a plain (blocking) iterable are read, checked and cut into batches in a worker
    thread one batch ahead of the writing (api/ingest/ahead.py), so parsing overlaps the database's
    work; `records` and `on_reject` then run in that thread. (An import of files reads them in a process
    of its own instead: api/ingest/reading_process.py, through `write_batches`.)

    `bulk_load` (default: when the database is empty) sets foreign keys and secondary indexes aside
    for the import and rebuilds them at its end (api/db/bulk_load.py). `on_lock_wait` is told who holds
    the import lock when another import does, before this one waits for it (api/db/import_lock.py).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    cutter = Cutter(batch_size, on_reject)

    def batches() -> AsyncGenerator[Batch, None]:
        if isinstance(records, AsyncIterable):
            return _cut_async(records, cutter)
        return read_ahead(cut_into_batches(records, cutter))

    return await write_batches(db, batches, on_progress=on_progress, bulk_load=bulk_load, on_lock_wait=on_lock_wait)


async def write_batches(
    db: Database,
    batches: Callable[[], AsyncGenerator[Batch, None]],
    *,
    on_progress: ProgressCallback | None = None,
    bulk_load: bool | None = None,
    on_lock_wait: LockWait | None = None,
) -> ImportSummary:
    """Write the batches `batches()` yields (called once the import holds its lock), in one transaction;
    see `write_records`."""
    summary = ImportSummary()
    stats = bulk.BulkStats(inserted=summary.inserted, updated=summary.updated, merged=summary.merged)
    async with db.transaction() as connection:
        set_aside = await bulk.begin_import(connection, bulk_load=bulk_load, on_lock_wait=on_lock_wait)
        universal = await bulk.universal_schemes(connection)
        async with aclosing(batches()) as stream:
            async for batch in stream:
                await _finish_batch(connection, batch, stats, summary, on_progress, set_aside, universal)
        await bulk.finish_import(connection, set_aside, stats)
    return summary


async def _finish_batch(
    connection: Connection,
    batch: Batch,
    stats: bulk.BulkStats,
    summary: ImportSummary,
    on_progress: ProgressCallback | None,
    set_aside: SetAside | None,
    universal: set[str],
) -> None:
    summary.read.update(batch.read)
    summary.rejected.update(batch.rejected)
    if batch.units:
        await _write_batch(connection, batch, stats, set_aside, universal)
        summary.batches += 1
        # After batches 1, 2, 4, 8, …: the tables have doubled, the plans of the next look-ups may change.
        if summary.batches & (summary.batches - 1) == 0:
            await bulk.analyze(connection)
    summary.skipped["text_references"] += batch.text_references
    summary.skipped["unknown_merge_targets"] += batch.unknown_merge_targets
    if on_progress is not None:
        on_progress(summary)


def _describe(record: Record) -> str:
    if isinstance(record, Work):
        return f"work {record.title[:60]!r}"
    return f"person {record.name[:60]!r}"
