"""Papers: look-up by id, a paper's byline, and every list of papers (filtered, ordered, faceted, paged).

Every list of papers is one `PaperScope` (all papers, an author's, two authors' shared papers, an
institution's, a paper's references, the papers citing a paper) read through the same filters and
orderings. Batched functions answer many parents (authors, papers, author pairs) with one statement: a
LATERAL join per parent. That is what keeps a GraphQL request's statement count bounded by its depth.

Full-text search runs over the folded title (weight A) and abstract (weight B) with PostgreSQL's English
configuration (web-search syntax), ranked by `ts_rank_cd` (RELEVANCE: highest rank first, ties by id).

A search of all papers with no condition but dates takes the inverted table `paper_terms` (migration 0006)
when its query is one lexeme: its index yields the page in relevance order without ranking every match
(`score` is that `ts_rank_cd`, precomputed), and counts the matches in a date range by an index-only
scan. Any other query (several words, a phrase, an exclusion) ranks its matches from
`papers.search_vector`, in the same FROM item; the answers are the same either way. The shape, for a
statement built elsewhere (api/db/compiled.py): `PaperFilter.search_sources(params, window)` gives the
page as the FROM item `r(id, search_rank)` (cursor and limit inside; join `papers p ON p.id = r.id`,
order by TERM_RELEVANCE, no other condition) and the matches as `r(id)` to count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from api.db.keyset import Page, Window
from api.db.listing import ListQuery, Ordering, Params, Parent, SortKey, fetch_counts, fetch_pages, list_query
from api.db.pool import Database
from api.db.records import (
    AUTHOR_COLUMNS,
    PAPER_COLUMNS,
    AuthorRecord,
    AuthorshipRecord,
    FacetCount,
    PaperFacets,
    PaperRecord,
)
from api.errors import InvalidInputError


class PaperScope(Enum):
    ALL = "all"
    AUTHOR = "author"
    COAUTHORED = "coauthored"
    INSTITUTION = "institution"
    REFERENCES = "references"
    CITED_BY = "cited_by"


# FROM and WHERE of each scope, over `x(parent, other)`; the paper is always `p`.
_SCOPES: dict[PaperScope, tuple[str, str]] = {
    PaperScope.ALL: ("papers p", "TRUE"),
    PaperScope.AUTHOR: ("authorships s JOIN papers p ON p.id = s.paper_id", "s.author_id = x.parent"),
    PaperScope.COAUTHORED: (
        "authorships s JOIN authorships s2 ON s2.paper_id = s.paper_id JOIN papers p ON p.id = s.paper_id",
        "s.author_id = x.parent AND s2.author_id = x.other",
    ),
    PaperScope.INSTITUTION: (
        "papers p",
        "p.id IN (SELECT paper_id FROM paper_institutions WHERE institution_id = x.parent "
        "UNION SELECT paper_id FROM authorships WHERE institution_id = x.parent)",
    ),
    PaperScope.REFERENCES: ("citations c JOIN papers p ON p.id = c.cited_paper_id", "c.citing_paper_id = x.parent"),
    PaperScope.CITED_BY: ("citations c JOIN papers p ON p.id = c.citing_paper_id", "c.cited_paper_id = x.parent"),
}


class PaperOrder(Enum):
    NEWEST = "newest"
    OLDEST = "oldest"
    MOST_CITED = "most_cited"
    RELEVANCE = "relevance"
    UPDATED = "updated"


# A paper `p`'s NEWEST sort key: its date, undated papers last. The index papers_newest is on it, and each
# citation carries its citing paper's (citations.citing_newest_key, migration 0007), written with it.
NEWEST_KEY = "coalesce(p.published_on, '-infinity'::date)"

_ID_DESC = SortKey("p.id", descending=True, kind=int, cast="bigint")
_ORDERINGS: dict[PaperOrder, Ordering] = {
    # Undated papers last in both directions of date order.
    PaperOrder.NEWEST: Ordering(
        "papers:newest",
        (SortKey(NEWEST_KEY, True, dt.date, "date"), _ID_DESC),
    ),
    PaperOrder.OLDEST: Ordering(
        "papers:oldest",
        (
            SortKey("coalesce(p.published_on, 'infinity'::date)", False, dt.date, "date"),
            SortKey("p.id", False, int, "bigint"),
        ),
    ),
    PaperOrder.MOST_CITED: Ordering("papers:most_cited", (SortKey("p.citation_count", True, int, "integer"), _ID_DESC)),
    PaperOrder.RELEVANCE: Ordering(
        "papers:relevance",
        (SortKey("ts_rank_cd(p.search_vector, q.query)::float8", True, float, "float8"), _ID_DESC),
    ),
    # The change feed for mirrors: oldest change first, so `after` resumes where a mirror left off.
    PaperOrder.UPDATED: Ordering(
        "papers:updated",
        (SortKey("p.updated_at", False, dt.datetime, "timestamptz"), SortKey("p.id", False, int, "bigint")),
    ),
}


@dataclass(frozen=True)
class PaperFilter:
    """Conditions a paper must meet; None (or empty) means no condition."""

    search: str | None = None
    categories: tuple[str, ...] = ()
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    has_code: bool | None = None
    retracted: bool | None = None
    author_id: int | None = None
    author_external_id: tuple[str, str] | None = None  # (scheme, value): by an author's external id
    institution_id: int | None = None
    min_citations: int | None = None
    updated_since: dt.datetime | None = None

    def where(self, params: Params) -> str:
        conditions = []
        if self.search:
            conditions.append("p.search_vector @@ q.query")
        if self.categories:
            conditions.append(f"p.categories && {params.add(list(self.categories), 'text[]')}")
        if self.published_from is not None:
            conditions.append(f"p.published_on >= {params.add(self.published_from, 'date')}")
        if self.published_to is not None:
            conditions.append(f"p.published_on <= {params.add(self.published_to, 'date')}")
        if self.has_code is not None:
            conditions.append(f"p.has_code = {params.add(self.has_code, 'boolean')}")
        if self.retracted is not None:
            conditions.append(f"(p.retracted_at IS NOT NULL) = {params.add(self.retracted, 'boolean')}")
        if self.author_id is not None:
            author = params.add(self.author_id, "bigint")
            conditions.append(
                f"EXISTS (SELECT 1 FROM authorships fa WHERE fa.paper_id = p.id AND fa.author_id = {author})"
            )
        if self.author_external_id is not None:
            scheme, value = (params.add(part, "text") for part in self.author_external_id)
            conditions.append(
                "EXISTS (SELECT 1 FROM authorships fx JOIN author_external_ids fe ON fe.author_id = fx.author_id"
                f" WHERE fx.paper_id = p.id AND fe.scheme = {scheme} AND fe.value = {value})"
            )
        if self.institution_id is not None:
            institution = params.add(self.institution_id, "bigint")
            conditions.append(
                "(EXISTS (SELECT 1 FROM paper_institutions fi"
                f" WHERE fi.paper_id = p.id AND fi.institution_id = {institution})"
                " OR EXISTS (SELECT 1 FROM authorships fs"
                f" WHERE fs.paper_id = p.id AND fs.institution_id = {institution}))"
            )
        if self.min_citations is not None:
            conditions.append(f"p.citation_count >= {params.add(self.min_citations, 'integer')}")
        if self.updated_since is not None:
            conditions.append(f"p.updated_at >= {params.add(self.updated_since, 'timestamptz')}")
        return " AND ".join(conditions) or "TRUE"

    def query_source(self, params: Params) -> str:
        """The tsquery the search and the relevance order use, as an extra FROM item (or nothing)."""
        if not self.search:
            return ""
        return f", (SELECT websearch_to_tsquery('english', sg_fold({params.add(self.search, 'text')})) AS query) q"

    def by_terms(self) -> bool:
        """Whether the search of all papers can take `paper_terms` (`search_page`, `search_matches`): a search and no
        condition but publication dates."""
        return bool(self.search) and self == PaperFilter(
            search=self.search, published_from=self.published_from, published_to=self.published_to
        )

    def search_matches(self, params: Params) -> str:
        """The papers this filter keeps, as the FROM item `r(id)`, for counting; for a filter where
        `by_terms()` holds. When the query is one lexeme they come from the index of `paper_terms` alone
        (an index-only scan), else from `papers.search_vector`. The condition to add is `TRUE`."""
        return self.search_sources(params, None)[1]

    def search_page(self, params: Params, window: Window) -> str:
        """One page of the papers this filter keeps in RELEVANCE order, `window.first + 1` rows at most
        after the window's cursor, as the FROM item `r(id, search_rank)`; for a filter where `by_terms()`
        holds. `ORDER BY r.search_rank DESC, r.id DESC` (TERM_RELEVANCE) orders it; its cursors are
        those of RELEVANCE. When the query is one lexeme the page is read in order from the index of
        `paper_terms` (`score` is the rank, precomputed), else every match is ranked."""
        return self.search_sources(params, window)[0]

    def search_sources(self, params: Params, window: Window | None) -> tuple[str, str]:
        """`search_page` (empty without a window) and `search_matches`, on the same parameters: one
        statement can hold either or both."""
        assert self.by_terms(), "a search of paper_terms needs a search and no condition but dates"
        query = f"websearch_to_tsquery('english', sg_fold({params.add(self.search, 'text')}))"
        bounds = [
            (op, params.add(value, "date"))
            for op, value in ((">=", self.published_from), ("<=", self.published_to))
            if value is not None
        ]

        def dates(column: str) -> str:
            return "".join(f" AND {column} {op} {value}" for op, value in bounds)

        one_lexeme = f"paper_terms t WHERE t.lexeme = sg_query_lexeme({query}){dates('t.published_on')}"
        any_query = (
            f"papers p WHERE sg_query_lexeme({query}) IS NULL AND p.search_vector @@ {query}{dates('p.published_on')}"
        )
        matches = f"(SELECT t.paper_id AS id FROM {one_lexeme} UNION ALL SELECT p.id FROM {any_query}) r"
        if window is None:
            return "", matches
        limit = int(window.first) + 1
        rank = f"ts_rank_cd(p.search_vector, {query})"
        by_rank = Ordering(TERM_RELEVANCE.name, (SortKey(f"{rank}::float8", True, float, "float8"), _ID_DESC))
        page = (
            f"((SELECT t.paper_id AS id, t.score AS search_rank FROM {one_lexeme}"
            f" AND {_BY_TERM.after_predicate(window, params)} ORDER BY t.score DESC, t.paper_id DESC LIMIT {limit})"
            f" UNION ALL (SELECT p.id, {rank} FROM {any_query} AND {by_rank.after_predicate(window, params)}"
            f" ORDER BY {rank} DESC, p.id DESC LIMIT {limit})) r"
        )
        return page, matches


# RELEVANCE over `PaperFilter.search_page`: the same order and cursors as _ORDERINGS[RELEVANCE].
TERM_RELEVANCE = Ordering(
    "papers:relevance",
    (SortKey("r.search_rank::float8", True, float, "float8"), SortKey("r.id", True, int, "bigint")),
)
_BY_TERM = Ordering(
    "papers:relevance", (SortKey("t.score", True, float, "float8"), SortKey("t.paper_id", True, int, "bigint"))
)


def list_sql(scope: PaperScope, paper_filter: PaperFilter, params: Params) -> tuple[str, str]:
    """FROM and WHERE of the filtered papers of `scope` over `x(parent, other)`; the paper is `p`."""
    source, condition = _SCOPES[scope]
    return source + paper_filter.query_source(params), f"{condition} AND {paper_filter.where(params)}"


# A scope's rows without the papers, for counting a list with no condition: every row of these names a
# paper (foreign keys), so the count is the same without reading each paper (a much-cited paper's citers).
_COUNT_SCOPES: dict[PaperScope, tuple[str, str]] = {
    PaperScope.AUTHOR: ("authorships s", "s.author_id = x.parent"),
    PaperScope.REFERENCES: ("citations c", "c.citing_paper_id = x.parent"),
    PaperScope.CITED_BY: ("citations c", "c.cited_paper_id = x.parent"),
}


def count_sql(
    scope: PaperScope, paper_filter: PaperFilter, params: Params, listed: tuple[str, str] | None = None
) -> tuple[str, str]:
    """FROM and WHERE of the rows to count for the size of a list: fewer tables than `list_sql`'s where
    that counts the same, else `listed` (what `list_sql` gave, its parameters already added) or `list_sql`'s."""
    if paper_filter == PaperFilter() and scope in _COUNT_SCOPES:
        return _COUNT_SCOPES[scope]
    return listed or list_sql(scope, paper_filter, params)


def _query(scope: PaperScope, parents: Sequence[Parent], paper_filter: PaperFilter) -> ListQuery:
    return list_query(parents, lambda params: list_sql(scope, paper_filter, params))


def by_terms(scope: PaperScope, paper_filter: PaperFilter) -> bool:
    """Whether a list reads `PaperFilter.search_page` and `search_matches` (all papers, a search, dates at most)."""
    return scope is PaperScope.ALL and paper_filter.by_terms()


def _term_query(parents: Sequence[Parent], paper_filter: PaperFilter, window: Window | None) -> ListQuery:
    """All papers matching a search (and dates): one page of them with a window, else all of them."""

    def build(params: Params) -> tuple[str, str]:
        if window is None:
            return paper_filter.search_matches(params), "TRUE"
        return f"{paper_filter.search_page(params, window)} JOIN papers p ON p.id = r.id", "TRUE"

    return list_query(parents, build)


# NEWEST over the citations of a paper: the same order and cursors, read from the citing paper's key as
# its citation carries it (migration 0007), so that the index on (cited_paper_id, citing_newest_key DESC,
# citing_paper_id DESC) yields the page in order.
_NEWEST_CITING = Ordering(
    _ORDERINGS[PaperOrder.NEWEST].name,
    (
        SortKey("c.citing_newest_key", True, dt.date, "date"),
        SortKey("c.citing_paper_id", True, int, "bigint"),
    ),
)


def ordering_for(order: PaperOrder, paper_filter: PaperFilter, scope: PaperScope = PaperScope.ALL) -> Ordering:
    """The ordering of a list of `scope`; the same order, whatever the scope, as the same cursors."""
    if order is PaperOrder.RELEVANCE and not paper_filter.search:
        raise InvalidInputError("ordering papers by RELEVANCE needs a `search`")
    if order is PaperOrder.NEWEST and scope is PaperScope.CITED_BY:
        return _NEWEST_CITING
    return _ORDERINGS[order]


async def list_papers(
    db: Database,
    scope: PaperScope,
    parents: Sequence[Parent],
    paper_filter: PaperFilter,
    order: PaperOrder,
    window: Window,
) -> dict[Parent, Page[PaperRecord]]:
    """One page of each parent's papers, filtered and ordered: one statement for all the parents."""
    ordering = ordering_for(order, paper_filter, scope)
    if order is PaperOrder.RELEVANCE and by_terms(scope, paper_filter):
        # The window's cursor and limit are inside the FROM item: the outer query orders its rows.
        query, ordering = _term_query(parents, paper_filter, window), TERM_RELEVANCE
        window = Window(first=window.first)
    else:
        query = _query(scope, parents, paper_filter)
    return await fetch_pages(
        db, query, parents, columns=PAPER_COLUMNS, ordering=ordering, window=window, convert=PaperRecord.from_row
    )


async def count_papers(
    db: Database, scope: PaperScope, parents: Sequence[Parent], paper_filter: PaperFilter
) -> dict[Parent, int]:
    """How many papers each parent's filtered list holds, exactly."""
    if by_terms(scope, paper_filter):
        return await fetch_counts(db, _term_query(parents, paper_filter, None))
    return await fetch_counts(db, list_query(parents, lambda params: count_sql(scope, paper_filter, params)))


async def paper_facets(
    db: Database, scope: PaperScope, parents: Sequence[Parent], paper_filter: PaperFilter
) -> dict[Parent, PaperFacets]:
    """Counts of each parent's filtered papers by category (every category of a paper) and by year."""
    query = _query(scope, parents, paper_filter)
    rows = await db.fetch(
        f"""
        SELECT x.parent, x.other, f.facet, f.value, f.n
        FROM {query.parents}
        CROSS JOIN LATERAL (
            WITH matched AS (SELECT p.categories, p.published_year FROM {query.source} WHERE {query.condition})
            SELECT 'category' AS facet, c AS value, count(*) AS n FROM matched, unnest(matched.categories) AS c
            GROUP BY c
            UNION ALL
            SELECT 'year', published_year::text, count(*) FROM matched WHERE published_year IS NOT NULL
            GROUP BY published_year
        ) f
        ORDER BY x.parent, x.other, f.facet, f.n DESC, f.value
        """,
        *query.params.values,
    )
    categories: dict[Parent, list[FacetCount]] = defaultdict(list)
    years: dict[Parent, list[FacetCount]] = defaultdict(list)
    for row in rows:
        target = categories if row["facet"] == "category" else years
        target[(row["parent"], row["other"])].append(FacetCount(value=row["value"], count=int(row["n"])))
    return {
        parent: PaperFacets(
            categories=categories[parent], years=sorted(years[parent], key=lambda f: int(f.value), reverse=True)
        )
        for parent in parents
    }


async def papers_by_ids(db: Database, ids: Sequence[int]) -> dict[int, PaperRecord]:
    """The papers the ids name, keyed by the id asked: an id merged into another paper names the survivor."""
    if not ids:
        return {}
    rows = await db.fetch(
        f"""
        SELECT asked.id AS asked, {PAPER_COLUMNS}
        FROM unnest($1::bigint[]) AS asked (id)
        JOIN papers p ON p.id = coalesce((SELECT r.new_id FROM paper_redirects r WHERE r.old_id = asked.id), asked.id)
        """,
        list(ids),
    )
    return {row["asked"]: PaperRecord.from_row(row) for row in rows}


async def authorships_of_papers(db: Database, paper_ids: Sequence[int]) -> dict[int, list[AuthorshipRecord]]:
    """Each paper's authors in byline order (known positions first, then authors placed after them)."""
    rows = await db.fetch(
        f"""
        SELECT s.paper_id, s.position, s.name_as_written, s.affiliation, {AUTHOR_COLUMNS}
        FROM authorships s JOIN authors a ON a.id = s.author_id
        WHERE s.paper_id = ANY($1::bigint[])
        ORDER BY s.paper_id, s.list_order
        """,
        list(paper_ids),
    )
    grouped: dict[int, list[AuthorshipRecord]] = {paper_id: [] for paper_id in paper_ids}
    for row in rows:
        grouped[row["paper_id"]].append(
            AuthorshipRecord(
                paper_id=row["paper_id"],
                author=AuthorRecord.from_row(row),
                position=row["position"],
                name_as_written=row["name_as_written"],
                affiliation=row["affiliation"],
            )
        )
    return grouped
