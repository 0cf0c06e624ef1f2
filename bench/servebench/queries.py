"""The five queries, as each system is asked them, and each answer brought to one shape for comparison.

Every system answers the same question for the same input: Scholar Graph (`ours`) over its GraphQL and
REST APIs, PostGraphile 5 (`postgraphile`) over the tables and the functions of
bench/postgraphile/functions.sql, and the raw app (`raw`, bench/servebench/raw_app.py) with one SQL
statement per request. `normalise(query, system, answer)` turns an answer into the canonical form
(row numbers for ids, ISO dates, datetimes in UTC): two systems agree on an input when their canonical
forms are equal, ids, order and values alike. An answer carrying GraphQL errors, or lacking what was
asked, raises `AnswerError`.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

SYSTEMS = ("ours", "postgraphile", "raw", "ours-2w")
SYSTEM_NAMES = {
    "ours": "Scholar Graph",
    "postgraphile": "PostGraphile 5",
    "raw": "raw SQL app",
    "ours-2w": "Scholar Graph, 2 workers",
}
# Systems asked and answering exactly as another (the same service run differently).
SAME_AS = {"ours-2w": "ours"}


class AnswerError(Exception):
    """An answer that is not one: GraphQL errors, an HTTP error, or a shape other than the one asked for."""


@dataclass(frozen=True)
class Request:
    """One HTTP request, as the correctness check sends it and as wrk replays it."""

    method: str
    path: str
    body: bytes | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json"} if self.body is not None else {}


def compact(text: str) -> str:
    """A GraphQL document on one line, whitespace runs collapsed (what the benchmark sends)."""
    return " ".join(text.split())


def graphql(document: str, variables: Mapping[str, Any]) -> Request:
    body = json.dumps({"query": compact(document), "variables": variables}, separators=(",", ":"))
    return Request("POST", "/graphql", body.encode())


def global_id(type_name: str, row: int) -> str:
    """Scholar Graph's global id (api.ids.encode_id)."""
    return base64.urlsafe_b64encode(f"{type_name}:{row}".encode()).decode().rstrip("=")


def row_of(value: Any) -> int:
    """The row number an id names, whichever system wrote it: a global id, a BigInt string or a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        try:
            decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        except (ValueError, UnicodeDecodeError) as error:
            raise AnswerError(f"not an id: {value!r}") from error
        kind, _, number = decoded.partition(":")
        if kind in ("Author", "Paper") and number.isdigit():
            return int(number)
    raise AnswerError(f"not an id: {value!r}")


_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)$")


def canonical_datetimes(value: Any) -> Any:
    """`value` with every string that is a date and time with an offset rewritten as ISO 8601 in UTC with
    microseconds: 2026-12-06T19:15:01.34Z and 2026-12-06 19:15:01.34+00 name the same instant."""
    if isinstance(value, dict):
        return {key: canonical_datetimes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical_datetimes(item) for item in value]
    if isinstance(value, str) and _DATETIME.match(value):
        text = value.replace(" ", "T").replace("Z", "+00:00")
        if re.search(r"[+-]\d{2}$", text):
            text += ":00"
        return dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


# --- the inputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """Q4's input: one word, and the first day of the publication dates to keep."""

    word: str
    published_from: str  # ISO date


Input = int | tuple[int, ...] | Search


# --- Q1 profile ----------------------------------------------------------------------------------------

OURS_PROFILE = """
query Profile($id: ID!) {
  author(id: $id) {
    id name
    metrics { hIndex citationCount paperCount i10Index gIndex source asOf }
    computedMetrics { hIndex citationCount paperCount i10Index gIndex }
    papers(first: 20) { nodes { id title publishedOn authors { id name } } }
    coauthors(first: 10) { nodes { sharedPaperCount author { id name } } }
  }
}"""

POSTGRAPHILE_PROFILE = """
query Profile($id: BigInt!) {
  authorByRowId(rowId: $id) {
    rowId name
    metrics { hIndex citationCount paperCount i10Index gIndex source asOf }
    authorComputedMetricByAuthorId { hIndex citationCount paperCount i10Index gIndex }
    newestPapers(first: 20) {
      nodes { rowId title publishedOn authorshipsByPaperId(orderBy: LIST_ORDER_ASC) { nodes { authorByAuthorId { rowId name } } } }
    }
    topCoauthors(first: 10) { nodes { sharedPaperCount authorId name } }
  }
}"""  # noqa: E501

_FIGURES = ("hIndex", "citationCount", "paperCount", "i10Index", "gIndex")
_RAW_FIGURES = ("h_index", "citation_count", "paper_count", "i10_index", "g_index")


def _figures(metrics: Mapping[str, Any] | None, names: Sequence[str]) -> list[Any]:
    if metrics is None:
        raise AnswerError("figures missing")
    return [metrics[name] for name in names]


def _byline(authors: Sequence[Mapping[str, Any]], id_key: str = "id") -> list[list[Any]]:
    return [[row_of(author[id_key]), author["name"]] for author in authors]


def _pg_byline(paper: Mapping[str, Any]) -> list[list[Any]]:
    return [
        [row_of(node["authorByAuthorId"]["rowId"]), node["authorByAuthorId"]["name"]]
        for node in paper["authorshipsByPaperId"]["nodes"]
    ]


def _paper_item(paper: Mapping[str, Any], byline: list[list[Any]], id_key: str, date_key: str) -> list[Any]:
    return [row_of(paper[id_key]), paper["title"], paper[date_key], byline]


def _profile_ours(data: Any) -> Any:
    author = data["author"]
    if author is None:
        return None
    return {
        "id": row_of(author["id"]),
        "name": author["name"],
        "metrics": [*_figures(author["metrics"], _FIGURES), author["metrics"]["source"], author["metrics"]["asOf"]],
        "computed": _figures(author["computedMetrics"], _FIGURES),
        "papers": [_paper_item(p, _byline(p["authors"]), "id", "publishedOn") for p in author["papers"]["nodes"]],
        "coauthors": [
            [row_of(c["author"]["id"]), c["author"]["name"], c["sharedPaperCount"]]
            for c in author["coauthors"]["nodes"]
        ],
    }


def _profile_postgraphile(data: Any) -> Any:
    author = data["authorByRowId"]
    if author is None:
        return None
    return {
        "id": row_of(author["rowId"]),
        "name": author["name"],
        "metrics": [*_figures(author["metrics"], _FIGURES), author["metrics"]["source"], author["metrics"]["asOf"]],
        "computed": _figures(author["authorComputedMetricByAuthorId"], _FIGURES),
        "papers": [_paper_item(p, _pg_byline(p), "rowId", "publishedOn") for p in author["newestPapers"]["nodes"]],
        "coauthors": [
            [row_of(c["authorId"]), c["name"], c["sharedPaperCount"]] for c in author["topCoauthors"]["nodes"]
        ],
    }


def _profile_raw(data: Any) -> Any:
    if data is None:
        return None
    return {
        "id": data["id"],
        "name": data["name"],
        "metrics": [*_figures(data["metrics"], _RAW_FIGURES), data["metrics"]["source"], data["metrics"]["as_of"]],
        "computed": _figures(data["computed"], _RAW_FIGURES),
        "papers": [_paper_item(p, _byline(p["authors"]), "id", "published_on") for p in data["papers"]],
        "coauthors": [[c["id"], c["name"], c["shared_paper_count"]] for c in data["coauthors"]],
    }


# --- Q2 metrics of 100 authors -------------------------------------------------------------------------

OURS_METRICS = """
query Metrics($ids: [ID!]!) {
  authorsByIds(ids: $ids) { id computedMetrics { hIndex citationCount paperCount } }
}"""

POSTGRAPHILE_METRICS = """
query Metrics($ids: [BigInt]!) {
  sgPostgraphileAuthorsByIds(ids: $ids) {
    nodes { rowId authorComputedMetricByAuthorId { hIndex citationCount paperCount } }
  }
}"""

_THREE = ("hIndex", "citationCount", "paperCount")


def _metrics_ours(data: Any) -> Any:
    return [
        None if a is None else [row_of(a["id"]), *_figures(a["computedMetrics"], _THREE)] for a in data["authorsByIds"]
    ]


def _metrics_postgraphile(data: Any) -> Any:
    return [
        [row_of(a["rowId"]), *_figures(a["authorComputedMetricByAuthorId"], _THREE)]
        for a in data["sgPostgraphileAuthorsByIds"]["nodes"]
    ]


def _metrics_raw(data: Any) -> Any:
    return [None if a is None else [a["id"], a["h_index"], a["citation_count"], a["paper_count"]] for a in data]


# --- Q3 paper page -------------------------------------------------------------------------------------

OURS_PAPER = """
query PaperPage($id: ID!) {
  paper(id: $id) {
    id title abstract publishedOn citationCount
    authors { id name }
    citedBy(first: 20) { totalCount nodes { id title publishedOn authors { id name } } }
  }
}"""

POSTGRAPHILE_PAPER = """
query PaperPage($id: BigInt!) {
  paperByRowId(rowId: $id) {
    rowId title abstract publishedOn citationCount
    authorshipsByPaperId(orderBy: LIST_ORDER_ASC) { nodes { authorByAuthorId { rowId name } } }
    citationsByCitedPaperId { totalCount }
    newestCiting(first: 20) {
      nodes { rowId title publishedOn authorshipsByPaperId(orderBy: LIST_ORDER_ASC) { nodes { authorByAuthorId { rowId name } } } }
    }
  }
}"""  # noqa: E501


def _paper_ours(data: Any) -> Any:
    paper = data["paper"]
    if paper is None:
        return None
    return {
        "paper": [row_of(paper["id"]), paper["title"], paper["abstract"], paper["publishedOn"], paper["citationCount"]],
        "authors": _byline(paper["authors"]),
        "citing_count": paper["citedBy"]["totalCount"],
        "citing": [_paper_item(p, _byline(p["authors"]), "id", "publishedOn") for p in paper["citedBy"]["nodes"]],
    }


def _paper_postgraphile(data: Any) -> Any:
    paper = data["paperByRowId"]
    if paper is None:
        return None
    return {
        "paper": [
            row_of(paper["rowId"]),
            paper["title"],
            paper["abstract"],
            paper["publishedOn"],
            paper["citationCount"],
        ],
        "authors": _pg_byline(paper),
        "citing_count": paper["citationsByCitedPaperId"]["totalCount"],
        "citing": [_paper_item(p, _pg_byline(p), "rowId", "publishedOn") for p in paper["newestCiting"]["nodes"]],
    }


def _paper_raw(data: Any) -> Any:
    if data is None:
        return None
    return {
        "paper": [data["id"], data["title"], data["abstract"], data["published_on"], data["citation_count"]],
        "authors": _byline(data["authors"]),
        "citing_count": data["citing_count"],
        "citing": [_paper_item(p, _byline(p["authors"]), "id", "published_on") for p in data["citing"]],
    }


# --- Q4 search -----------------------------------------------------------------------------------------

OURS_SEARCH = """
query Search($q: String!, $from: Date!) {
  papers(search: $q, filter: { publishedFrom: $from }, first: 20) {
    totalCount
    nodes { id title publishedOn authors { id name } }
  }
}"""

POSTGRAPHILE_SEARCH = """
query Search($q: String!, $from: Date!) {
  sgPostgraphileSearchPapers(query: $q, publishedFrom: $from, first: 20) {
    totalCount
    nodes { rowId title publishedOn authorshipsByPaperId(orderBy: LIST_ORDER_ASC) { nodes { authorByAuthorId { rowId name } } } }
  }
}"""  # noqa: E501


def _search_ours(data: Any) -> Any:
    found = data["papers"]
    return {
        "total": found["totalCount"],
        "papers": [_paper_item(p, _byline(p["authors"]), "id", "publishedOn") for p in found["nodes"]],
    }


def _search_postgraphile(data: Any) -> Any:
    found = data["sgPostgraphileSearchPapers"]
    return {
        "total": found["totalCount"],
        "papers": [_paper_item(p, _pg_byline(p), "rowId", "publishedOn") for p in found["nodes"]],
    }


def _search_raw(data: Any) -> Any:
    return {
        "total": data["total"],
        "papers": [_paper_item(p, _byline(p["authors"]), "id", "published_on") for p in data["papers"]],
    }


# --- Q5 REST author ------------------------------------------------------------------------------------


def _rest_author(data: Any) -> Any:
    """The REST resource as it is, its id as a row number and its datetimes in one form."""
    if not isinstance(data, dict) or "id" not in data:
        raise AnswerError("not an author resource")
    return canonical_datetimes({**data, "id": row_of(data["id"])})


# --- the table of queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    key: str
    title: str
    description: str
    requests: Mapping[str, Callable[[Any], Request]]  # per system: the request for an input
    normalisers: Mapping[str, Callable[[Any], Any]]  # per system: the answer's data, canonical
    graphql: bool = True

    def request(self, system: str, given: Any) -> Request:
        return self.requests[system](given)


def _ids(given: tuple[int, ...]) -> list[str]:
    return [global_id("Author", row) for row in given]


QUERIES: tuple[Query, ...] = (
    Query(
        "q1",
        "Q1 profile",
        "one author by id: reported (shown) and computed figures, the 20 newest papers with their bylines' "
        "names, the 10 top coauthors with shared paper counts",
        {
            "ours": lambda row: graphql(OURS_PROFILE, {"id": global_id("Author", row)}),
            "postgraphile": lambda row: graphql(POSTGRAPHILE_PROFILE, {"id": str(row)}),
            "raw": lambda row: Request("GET", f"/q1?id={row}"),
        },
        {"ours": _profile_ours, "postgraphile": _profile_postgraphile, "raw": _profile_raw},
    ),
    Query(
        "q2",
        "Q2 metrics of 100",
        "computed h-index, citations and papers of 100 authors by id, in the order asked",
        {
            "ours": lambda rows: graphql(OURS_METRICS, {"ids": _ids(rows)}),
            "postgraphile": lambda rows: graphql(POSTGRAPHILE_METRICS, {"ids": [str(row) for row in rows]}),
            "raw": lambda rows: Request("GET", "/q2?ids=" + ",".join(map(str, rows))),
        },
        {"ours": _metrics_ours, "postgraphile": _metrics_postgraphile, "raw": _metrics_raw},
    ),
    Query(
        "q3",
        "Q3 paper page",
        "one paper by id with its byline, its citing count and the 20 newest citing papers with their bylines' names",
        {
            "ours": lambda row: graphql(OURS_PAPER, {"id": global_id("Paper", row)}),
            "postgraphile": lambda row: graphql(POSTGRAPHILE_PAPER, {"id": str(row)}),
            "raw": lambda row: Request("GET", f"/q3?id={row}"),
        },
        {"ours": _paper_ours, "postgraphile": _paper_postgraphile, "raw": _paper_raw},
    ),
    Query(
        "q4",
        "Q4 search",
        "full-text search for one common title word, published since a date: the 20 most relevant papers "
        "with their bylines' names, and the total",
        {
            "ours": lambda s: graphql(OURS_SEARCH, {"q": s.word, "from": s.published_from}),
            "postgraphile": lambda s: graphql(POSTGRAPHILE_SEARCH, {"q": s.word, "from": s.published_from}),
            "raw": lambda s: Request("GET", f"/q4?q={quote(s.word)}&from={s.published_from}"),
        },
        {"ours": _search_ours, "postgraphile": _search_postgraphile, "raw": _search_raw},
    ),
    Query(
        "q5",
        "Q5 REST author",
        "GET /v1/authors/{id}: one author with every set of figures (shown, computed and its two variants, "
        "reported), counts by year with the zero years filled in",
        {
            "ours": lambda row: Request("GET", f"/v1/authors/{global_id('Author', row)}"),
            "raw": lambda row: Request("GET", f"/v1/authors/{row}"),
        },
        {"ours": _rest_author, "raw": _rest_author},
        graphql=False,
    ),
)

QUERIES = tuple(
    dataclasses.replace(
        query,
        requests={**query.requests, **{s: query.requests[o] for s, o in SAME_AS.items() if o in query.requests}},
        normalisers={
            **query.normalisers,
            **{s: query.normalisers[o] for s, o in SAME_AS.items() if o in query.normalisers},
        },
    )
    for query in QUERIES
)
BY_KEY = {query.key: query for query in QUERIES}


def normalise(query: Query, system: str, answer: Any) -> Any:
    """The canonical form of a system's answer to `query`; AnswerError if it is no answer."""
    if query.graphql and system != "raw":
        if not isinstance(answer, dict) or answer.get("errors") or not isinstance(answer.get("data"), dict):
            errors = answer.get("errors") if isinstance(answer, dict) else answer
            raise AnswerError(f"GraphQL errors: {json.dumps(errors)[:300]}")
        answer = answer["data"]
    try:
        return query.normalisers[system](answer)
    except (KeyError, TypeError, IndexError) as error:
        raise AnswerError(f"unexpected shape: {type(error).__name__} {error}") from error


def first_difference(left: Any, right: Any, path: str = "") -> str | None:
    """Where two canonical answers first differ ("papers[3][1]: 'A' != 'B'"), or None when equal."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            if key not in left or key not in right:
                return f"{path}.{key}: present in only one answer"
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        for i, (a, b) in enumerate(zip(left, right, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(left) != len(right):
            return f"{path}: {len(left)} items != {len(right)} items"
        return None
    # JSON has one kind of number (1 and 1.0 agree), but true is no 1 and "1" no number.
    if (
        left != right
        or isinstance(left, bool) != isinstance(right, bool)
        or isinstance(left, str) != isinstance(right, str)
    ):
        return f"{path or 'answer'}: {left!r:.80} != {right!r:.80}"
    return None
