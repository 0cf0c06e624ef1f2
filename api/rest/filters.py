"""The parameters of paper and author lists, and their translation into the data layer's filters and orders.

Every list of papers (all papers, an author's, two coauthors' shared papers, an institution's, a paper's
references and citing papers) takes `PAPER_LIST`; every list of authors takes `AUTHOR_LIST`. The checks
are GraphQL's (`api.graphql.inputs`), with errors naming the REST parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.db import authors, list_rules, papers
from api.db.coauthors import CoauthorOrder
from api.db.keyset import Window
from api.db.pool import Database
from api.ids import TypeName
from api.rest.lookup import param_id
from api.rest.params import INT32_MAX, MAX_SEARCH_LENGTH, PAGING, Param, Query

MAX_CATEGORIES = list_rules.MAX_CATEGORIES

_DATE = {"type": "string", "format": "date"}
INSTANT = {"type": "string", "format": "date-time"}
_COUNT = {"type": "integer", "minimum": 0, "maximum": INT32_MAX}
INSTANT_HELP = "a date (midnight UTC) or an ISO 8601 date-time; without an offset, UTC"


def _sort(options: dict[str, str], default: str) -> str:
    return f"Order of the list (default: {default}). " + "; ".join(f"`{k}`: {v}" for k, v in options.items()) + "."


_PAPER_SORTS = {
    "newest": "publication date, newest first, undated papers last",
    "oldest": "publication date, oldest first, undated papers last",
    "most_cited": "stored citation count, highest first",
    "relevance": "full-text rank of `search` (needs `search`)",
    "updated": "last change, oldest first: the change feed for mirrors, with `updated_since`",
}
_AUTHOR_SORTS = {
    "relevance": "best match of `search` first (needs `search`)",
    "name": "by name, accents and case folded",
    "h_index": "computed h-index, highest first; ties by computed citation count, then by id",
    "citations": "computed citation count, highest first; ties by computed h-index, then by id",
    "paper_count": "number of papers, highest first; ties by id",
    "updated": "last change, oldest first: the change feed for mirrors, with `updated_since`",
}
_COAUTHOR_SORTS = {
    "shared_papers": "most shared papers first, then by name",
    "name": "by name, accents and case folded",
    "recent": "most recent collaboration first (last shared year, undated last), then most shared papers",
}

PAPER_LIST: tuple[Param, ...] = (
    Param(
        "search",
        "Full-text search over titles (weighted higher) and abstracts, accent-insensitive, web-search syntax "
        '(words, "phrases", -exclusions, or).',
        {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
    ),
    Param(
        "category",
        f"arXiv category, e.g. `cs.LG`; repeat for several: a paper matches if it has any (at most {MAX_CATEGORIES}).",
        repeatable=True,
    ),
    Param("published_from", "Published on or after this day (YYYY-MM-DD).", _DATE),
    Param("published_to", "Published on or before this day (YYYY-MM-DD).", _DATE),
    Param("has_code", "Only papers with (`true`) or without (`false`) a code link.", {"type": "boolean"}),
    Param("retracted", "Only retracted papers (`true`), or only papers that stand (`false`).", {"type": "boolean"}),
    Param("author", "Only papers by this author (an author id).", {"type": "string"}),
    Param(
        "institution",
        "Only papers named for this institution, by the source or an author's affiliation (an institution id).",
        {"type": "string"},
    ),
    Param("min_citations", "At least this many stored citations.", _COUNT),
    Param("updated_since", f"Changed at or after this instant: {INSTANT_HELP}.", INSTANT),
    Param(
        "sort",
        _sort(_PAPER_SORTS, "`relevance` with `search`, else `newest`"),
        {"type": "string", "enum": list(_PAPER_SORTS)},
    ),
    Param(
        "facets",
        "With `true`, the page carries `facets`: counts of the whole filtered list by category and by year.",
        {"type": "boolean", "default": False},
    ),
    *PAGING,
)

AUTHOR_LIST: tuple[Param, ...] = (
    Param(
        "search",
        "Name or part of a name: accent- and case-insensitive, by prefix, or with typos.",
        {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
    ),
    Param(
        "category",
        f"Primary arXiv category, e.g. `cs.LG`; repeat for several: an author matches any (at most {MAX_CATEGORIES}).",
        repeatable=True,
    ),
    Param(
        "institution",
        "Only authors affiliated with this institution on some paper (an institution id).",
        {"type": "string"},
    ),
    Param("min_h_index", "Computed h-index at least this.", _COUNT),
    Param("min_citations", "Computed citation count at least this.", _COUNT),
    Param("updated_since", f"Changed at or after this instant: {INSTANT_HELP}.", INSTANT),
    Param(
        "sort",
        _sort(_AUTHOR_SORTS, "`relevance` with `search`, else `name`"),
        {"type": "string", "enum": list(_AUTHOR_SORTS)},
    ),
    *PAGING,
)

COAUTHOR_LIST: tuple[Param, ...] = (
    Param("sort", _sort(_COAUTHOR_SORTS, "`shared_papers`"), {"type": "string", "enum": list(_COAUTHOR_SORTS)}),
    *PAGING,
)


@dataclass(frozen=True)
class PaperList:
    """A request for a page of papers: which, in what order, which slice, with facets or not."""

    filter: papers.PaperFilter
    order: papers.PaperOrder
    window: Window
    facets: bool


@dataclass(frozen=True)
class AuthorList:
    """A request for a page of authors: which, in what order, which slice."""

    filter: authors.AuthorFilter
    order: authors.AuthorOrder
    window: Window


def _categories(query: Query) -> tuple[str, ...]:
    return list_rules.categories(query.texts("category"), "category")


async def _id_param(db: Database, query: Query, type_name: TypeName, name: str) -> int | None:
    text = query.text(name)
    if text is None:
        return None
    return await param_id(db, type_name, name, text)


async def paper_list(db: Database, query: Query, max_page_size: int) -> PaperList:
    published_from, published_to = query.date("published_from"), query.date("published_to")
    list_rules.date_range(published_from, published_to, ("published_from", "published_to"))
    data_filter = papers.PaperFilter(
        search=query.search(),
        categories=_categories(query),
        published_from=published_from,
        published_to=published_to,
        has_code=query.boolean("has_code"),
        retracted=query.boolean("retracted"),
        author_id=await _id_param(db, query, "Author", "author"),
        institution_id=await _id_param(db, query, "Institution", "institution"),
        min_citations=query.integer("min_citations"),
        updated_since=query.instant("updated_since"),
    )
    order = list_rules.paper_order(
        query.choice("sort", papers.PaperOrder), data_filter, refusal="`sort=relevance` needs a `search`"
    )
    return PaperList(data_filter, order, query.window(max_page_size), bool(query.boolean("facets")))


async def author_list(db: Database, query: Query, max_page_size: int) -> AuthorList:
    data_filter = authors.AuthorFilter(
        search=query.search(),
        categories=_categories(query),
        institution_id=await _id_param(db, query, "Institution", "institution"),
        min_h_index=query.integer("min_h_index"),
        min_citations=query.integer("min_citations"),
        updated_since=query.instant("updated_since"),
    )
    order = list_rules.author_order(
        query.choice("sort", authors.AuthorOrder), data_filter, refusal="`sort=relevance` needs a `search`"
    )
    return AuthorList(data_filter, order, query.window(max_page_size))


def coauthor_order(query: Query) -> CoauthorOrder:
    return query.choice("sort", CoauthorOrder) or CoauthorOrder.SHARED_PAPERS
