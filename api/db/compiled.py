"""One SQL statement for a whole read: the response's JSON built inside PostgreSQL.

`compile_read(fields, year)` turns a selection (`api.db.selection`) into a statement whose single value
is the text of the response's `data` object, keys in the order selected. Every object is a
`json_build_object` over its row, every list a `json_agg` in the list's order, every list of papers,
authors or coauthors the same FROM, WHERE, ordering, keyset predicate and cursors the resolver path
reads (`list_sql`, `Ordering`), so that both paths give the same answer by construction. Values are
written as the resolver path writes them: global ids as `api.ids.encode_id`, instants as Python's
`isoformat()` in UTC, external ids' URLs as `ExternalId.url`, figures as `api.db.metrics` shows them.

What it cannot express raises `Unsupported`; the caller then answers by the resolver path. Errors in
the arguments are found before (the GraphQL layer checks them with the resolver path's own rules).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from api.db import authors, coauthors, institutions, papers
from api.db.keyset import Window
from api.db.listing import Ordering, Params
from api.db.metrics import COMPUTED_SOURCE, Variant
from api.db.papers import PaperScope
from api.db.records import AUTHOR_COLUMNS, PAPER_COLUMNS
from api.db.selection import (
    AuthorListArgs,
    CoauthorListArgs,
    Field,
    InstitutionListArgs,
    ObjectRef,
    PaperListArgs,
)

MAX_KEYS = 50
"""json_build_object takes at most 100 arguments: 50 keys."""


class Unsupported(Exception):
    """The selection holds something this compiler does not express; the resolver path answers it."""


def literal(text: str) -> str:
    """A SQL string literal (standard-conforming strings: only the quote is doubled)."""
    return "'" + text.replace("'", "''") + "'"


def global_id(type_name: str, row_id: str) -> str:
    """SQL of `api.ids.encode_id(type_name, row_id)`: unpadded base64url of `Type:number`."""
    return (
        f"rtrim(translate(encode(convert_to({literal(type_name + ':')} || {row_id}, 'UTF8'), 'base64'), "
        "E'+/\\n', '-_'), '=')"
    )


def iso_instant(value: str) -> str:
    """SQL of Python's `isoformat()` of a timestamptz read in UTC (microseconds only when not zero)."""
    utc = f"({value} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {value} IS NULL THEN NULL ELSE to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN date_part('microseconds', {utc})::bigint % 1000000 = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || '+00:00' END"
    )


# `urllib.parse.quote(value, safe="/:;()")`: every other byte outside the unreserved set as %XX.
_DOI_URL = (
    "'https://doi.org/' || CASE WHEN {v} ~ '^[A-Za-z0-9_.~/:;()-]*$' THEN {v} ELSE ("
    "SELECT string_agg(CASE WHEN ch ~ '^[A-Za-z0-9_.~/:;()-]$' THEN ch "
    "ELSE regexp_replace(upper(encode(convert_to(ch, 'UTF8'), 'hex')), '(..)', '%\\1', 'g') END, '' ORDER BY n) "
    "FROM regexp_split_to_table({v}, '') WITH ORDINALITY AS chars(ch, n)) END"
)


def external_url(kind: str, scheme: str, value: str) -> str:
    """SQL of `api.ids.ExternalId.url` for an id of an author or a paper (`kind`)."""
    s2 = (
        f"'https://www.semanticscholar.org/author/' || {value}"
        if kind == "Author"
        else f"CASE WHEN {value} ~ '^[0-9]+$' THEN 'https://api.semanticscholar.org/CorpusID:' || {value} "
        f"ELSE 'https://www.semanticscholar.org/paper/' || {value} END"
    )
    return (
        f"CASE {scheme} WHEN 'doi' THEN {_DOI_URL.format(v=value)} "
        f"WHEN 'arxiv' THEN 'https://arxiv.org/abs/' || {value} "
        f"WHEN 'orcid' THEN 'https://orcid.org/' || {value} "
        f"WHEN 'openalex' THEN 'https://openalex.org/' || {value} "
        f"ELSE {s2} END"
    )


Handler = Callable[["_Statement", Field, str], str]


class _Statement:
    """Builds one statement: the parameters it binds and the aliases it gives its rows."""

    def __init__(self, year: int) -> None:
        self.params = Params()
        self._aliases = itertools.count(1)
        self._year = year
        self._year_param: str | None = None

    def alias(self) -> str:
        return f"t{next(self._aliases)}"

    def year(self) -> str:
        """The current UTC year, bound once (the year m-quotient and counts by year run to)."""
        if self._year_param is None:
            self._year_param = self.params.add(self._year, "integer")
        return self._year_param

    def object(self, type_name: str, fields: Sequence[Field], row: str, handlers: dict[str, Handler]) -> str:
        """A JSON object of the selected `fields` of the row `row` of `type_name`."""
        if len(fields) > MAX_KEYS:
            raise Unsupported(f"more than {MAX_KEYS} keys in one object")
        pairs = []
        for selected in fields:
            if selected.name == "__typename":
                value = literal(type_name)
            else:
                handler = handlers.get(selected.name)
                if handler is None:
                    raise Unsupported(f"{type_name}.{selected.name}")
                value = handler(self, selected, row)
            pairs.append(f"{literal(selected.key)}, {value}")
        return f"json_build_object({', '.join(pairs)})"

    # --- lists ---------------------------------------------------------------------------------------------

    def connection(
        self,
        type_name: str,
        field: Field,
        *,
        rows: str,
        ordering: Ordering,
        window: Window,
        node: Callable[[Sequence[Field], str], str],
        total: str | None,
        facets: Callable[[Field], str] | None = None,
    ) -> str:
        """A connection (`edges`, `nodes`, `pageInfo`, `totalCount`, `facets`) over the page `rows` (a
        SELECT of at most first + 1 rows with their keys k0..kn, in `ordering`)."""
        page = self.alias()
        first = int(window.first)
        on_page = f"FILTER (WHERE {page}.row_n <= {first})"
        after = "NULL::text" if window.after is None else self.params.add(window.after, "text")
        needs_rows = needs_cursors = False
        pairs = []
        for selected in field.fields:
            if selected.name == "__typename":
                value = literal(type_name)
            elif selected.name == "totalCount":
                if total is None:
                    raise Unsupported(f"{type_name}.totalCount")
                value = total
            elif selected.name == "facets" and facets is not None:
                value = facets(selected)
            elif selected.name == "nodes":
                needs_rows = True
                value = f"coalesce(json_agg({node(selected.fields, page)} ORDER BY {page}.row_n) {on_page}, '[]')"
            elif selected.name == "edges":
                needs_rows = True
                needs_cursors = needs_cursors or any(f.name == "cursor" for f in selected.fields)
                edge = self._edge(type_name, selected, page, node)
                value = f"coalesce(json_agg({edge} ORDER BY {page}.row_n) {on_page}, '[]')"
            elif selected.name == "pageInfo":
                needs_rows = needs_cursors = True
                value = self._page_info(selected, page, first, after)
            else:
                raise Unsupported(f"{type_name}.{selected.name}")
            pairs.append(f"{literal(selected.key)}, {value}")
        built = f"json_build_object({', '.join(pairs)})"
        if not needs_rows:
            return f"(SELECT {built})"
        cursor = ordering.cursor("r") if needs_cursors else "NULL::text"
        return (
            f"(SELECT {built} FROM (SELECT r.*, {cursor} AS cursor, "
            f"row_number() OVER (ORDER BY {ordering.order_by('r')}) AS row_n FROM ({rows}) r) {page})"
        )

    def _edge(self, type_name: str, field: Field, page: str, node: Callable[[Sequence[Field], str], str]) -> str:
        edge_type = type_name.removesuffix("Connection") + "Edge"
        pairs = []
        for selected in field.fields:
            if selected.name == "__typename":
                value = literal(edge_type)
            elif selected.name == "cursor":
                value = f"{page}.cursor"
            elif selected.name == "node":
                value = node(selected.fields, page)
            else:
                raise Unsupported(f"{edge_type}.{selected.name}")
            pairs.append(f"{literal(selected.key)}, {value}")
        return f"json_build_object({', '.join(pairs)})"

    def _page_info(self, field: Field, page: str, first: int, after: str) -> str:
        on_page = f"FILTER (WHERE {page}.row_n <= {first})"
        pairs = []
        for selected in field.fields:
            name = selected.name
            if name == "__typename":
                value = "'PageInfo'"
            elif name == "hasNextPage":
                value = f"count(*) > {first}"
            elif name == "hasPreviousPage":
                value = f"{after} IS NOT NULL"
            elif name == "startCursor":
                value = f"(array_agg({page}.cursor ORDER BY {page}.row_n) {on_page})[1]"
            elif name == "endCursor":
                value = f"coalesce((array_agg({page}.cursor ORDER BY {page}.row_n DESC) {on_page})[1], {after})"
            else:
                raise Unsupported(f"PageInfo.{name}")
            pairs.append(f"{literal(selected.key)}, {value}")
        return f"json_build_object({', '.join(pairs)})"

    def paper_list(self, field: Field, scope: PaperScope, parent: str, other: str = "0") -> str:
        args = field.args
        if not isinstance(args, PaperListArgs):
            raise Unsupported("paper list without its arguments")
        ordering = papers.ordering_for(args.order, args.filter, scope)
        parents = f"(SELECT {parent}::bigint AS parent, {other}::bigint AS other) x"
        columns, limit = _paper_columns(field), _limit(args.window)
        if args.order is papers.PaperOrder.RELEVANCE and papers.by_terms(scope, args.filter):
            # A search of all papers: the page and the total as list_papers and count_papers read them
            # (paper_terms), on the same parameters (so that either may be left out).
            ordering = papers.TERM_RELEVANCE
            page, matches = args.filter.search_sources(self.params, args.window)
            rows = ordering.page_sql(columns, f"{parents}, {page} JOIN papers p ON p.id = r.id", "TRUE", limit)
            total = f"(SELECT count(*) FROM {parents}, {matches})"
        else:
            source, condition = papers.list_sql(scope, args.filter, self.params)
            after = ordering.after_predicate(args.window, self.params)
            rows = ordering.page_sql(columns, f"{parents}, {source}", f"{condition} AND {after}", limit)
            counted, condition = papers.count_sql(scope, args.filter, self.params, (source, condition))
            total = f"(SELECT count(*) FROM {parents}, {counted} WHERE {condition})"

        def facets(selected: Field) -> str:  # its own parameters, added only when facets are asked
            source, condition = papers.list_sql(scope, args.filter, self.params)
            matched = f"SELECT p.categories, p.published_year FROM {parents}, {source} WHERE {condition}"
            return self._facets(selected, matched)

        return self.connection(
            "PaperConnection",
            field,
            rows=rows,
            ordering=ordering,
            window=args.window,
            node=lambda fields, row: self.object("Paper", fields, row, PAPER),
            total=total,
            facets=facets,
        )

    def _facets(self, field: Field, matched: str) -> str:
        pairs = []
        for selected in field.fields:
            if selected.name == "__typename":
                value = "'PaperFacets'"
            elif selected.name == "categories":
                counts = "SELECT c AS value, count(*) AS n FROM matched, unnest(matched.categories) AS c GROUP BY c"
                value = self._facet_counts(selected, counts, "f.n DESC, f.value")
            elif selected.name == "years":
                counts = (
                    "SELECT published_year AS year, published_year::text AS value, count(*) AS n FROM matched "
                    "WHERE published_year IS NOT NULL GROUP BY published_year"
                )
                value = self._facet_counts(selected, counts, "f.year DESC")
            else:
                raise Unsupported(f"PaperFacets.{selected.name}")
            pairs.append(f"{literal(selected.key)}, {value}")
        return f"(WITH matched AS ({matched}) SELECT json_build_object({', '.join(pairs)}))"

    def _facet_counts(self, field: Field, counts: str, order: str) -> str:
        pairs = []
        for selected in field.fields:
            value = {"__typename": "'FacetCount'", "value": "f.value", "count": "f.n"}.get(selected.name)
            if value is None:
                raise Unsupported(f"FacetCount.{selected.name}")
            pairs.append(f"{literal(selected.key)}, {value}")
        built = f"json_build_object({', '.join(pairs)})"
        return f"(SELECT coalesce(json_agg({built} ORDER BY {order}), '[]') FROM ({counts}) f)"

    def author_list(self, field: Field, scope: authors.AuthorScope, parent: str) -> str:
        args = field.args
        if not isinstance(args, AuthorListArgs):
            raise Unsupported("author list without its arguments")
        ordering = authors.ordering_for(args.order, args.filter)
        parents = f"(SELECT {parent}::bigint AS parent, 0::bigint AS other) x"
        source, condition = authors.list_sql(scope, args.filter, self.params)
        after = ordering.after_predicate(args.window, self.params)
        rows = ordering.page_sql(
            AUTHOR_COLUMNS, f"{parents}, {source}", f"{condition} AND {after}", _limit(args.window)
        )
        return self.connection(
            "AuthorConnection",
            field,
            rows=rows,
            ordering=ordering,
            window=args.window,
            node=lambda fields, row: self.object("Author", fields, row, AUTHOR),
            total=f"(SELECT count(*) FROM {parents}, {source} WHERE {condition})",
        )

    def coauthor_list(self, field: Field, author: str) -> str:
        args = field.args
        if not isinstance(args, CoauthorListArgs):
            raise Unsupported("coauthor list without its arguments")
        ordering = coauthors.ordering_for(args.order)
        after = ordering.after_predicate(args.window, self.params)
        rows = ordering.page_sql(
            f"{coauthors.EDGE_COLUMNS}, {author} AS of_author",
            f"(SELECT {author} AS author_id) x CROSS JOIN LATERAL {coauthors.SHARED_SOURCE}",
            after,
            _limit(args.window),
        )
        return self.connection(
            "CoauthorConnection",
            field,
            rows=rows,
            ordering=ordering,
            window=args.window,
            node=lambda fields, row: self.object("Coauthor", fields, row, COAUTHOR),
            total=coauthors.count_sql(author),
        )

    def institution_list(self, field: Field) -> str:
        args = field.args
        if not isinstance(args, InstitutionListArgs):
            raise Unsupported("institution list without its arguments")
        ordering = institutions.BY_NAME
        condition = institutions.search_condition(args.search, self.params)
        after = ordering.after_predicate(args.window, self.params)
        rows = ordering.page_sql(
            "i.id, i.name, i.country_code", "institutions i", f"{condition} AND {after}", _limit(args.window)
        )
        return self.connection(
            "InstitutionConnection",
            field,
            rows=rows,
            ordering=ordering,
            window=args.window,
            node=lambda fields, row: self.object("Institution", fields, row, INSTITUTION),
            total=f"(SELECT count(*) FROM institutions i WHERE {condition})",
        )

    # --- objects by id -------------------------------------------------------------------------------------

    def row_id(self, ref: ObjectRef) -> str:
        """SQL of the row number `ref` names (NULL when an external id names nothing)."""
        if ref.row is not None:
            row = self.params.add(ref.row, "bigint")
            redirects = _REDIRECTS.get(ref.type_name)
            if redirects is None:
                return row
            # an id merged into another row names the survivor (api.db.corrections)
            return f"coalesce((SELECT new_id FROM {redirects} WHERE old_id = {row}), {row})"
        if ref.external is None or ref.type_name == "Institution":
            raise Unsupported("an id without a row or an external id")
        table, owner = (
            ("author_external_ids", "author_id") if ref.type_name == "Author" else ("paper_external_ids", "paper_id")
        )
        scheme = self.params.add(ref.external.scheme, "text")
        value = self.params.add(ref.external.value, "text")
        return f"(SELECT {owner} FROM {table} WHERE scheme = {scheme} AND value = {value})"

    def one(self, field: Field, ref: ObjectRef) -> str:
        """The object `ref` names, or null."""
        fields = field.by_type.get(ref.type_name, ()) if field.by_type else field.fields
        row = self.alias()
        table, columns, handlers = _TABLES[ref.type_name]
        built = self.object(ref.type_name, fields, row, handlers)
        return f"(SELECT {built} FROM (SELECT {columns} FROM {table} WHERE id = {self.row_id(ref)}) {row})"

    def many(self, field: Field, refs: Sequence[ObjectRef]) -> str:
        """The objects `refs` name, in the order asked, null for an id naming nothing: one pass over the
        ids (unnest WITH ORDINALITY), each type's rows joined where the id names that type."""
        if not refs:
            return "'[]'::json"
        if all(ref.row is not None and ref.type_name == refs[0].type_name for ref in refs):
            return self._many_rows(field, refs[0].type_name, [ref.row for ref in refs])
        kinds = self.params.add([ref.type_name for ref in refs], "text[]")
        rows = self.params.add([ref.row for ref in refs], "bigint[]")
        schemes = self.params.add([ref.external.scheme if ref.external else None for ref in refs], "text[]")
        values = self.params.add([ref.external.value if ref.external else None for ref in refs], "text[]")
        x = self.alias()
        joins, cases = [], []
        for type_name in sorted({ref.type_name for ref in refs}):
            row = self.alias()
            table, columns, handlers = _TABLES[type_name]
            fields = field.by_type.get(type_name, ()) if field.by_type else field.fields
            if type_name == "Institution":
                named = f"{x}.row_id"
            else:  # a global id (merged ones name the survivor), else the external id looked up
                ids, owner = (
                    ("author_external_ids", "author_id")
                    if type_name == "Author"
                    else ("paper_external_ids", "paper_id")
                )
                by_row = _redirected(type_name, f"{x}.row_id")
                named = (
                    f"coalesce({by_row}, (SELECT {owner} FROM {ids} WHERE scheme = {x}.scheme AND value = {x}.value))"
                )
            joins.append(
                f"LEFT JOIN LATERAL (SELECT {columns} FROM {table} WHERE {x}.kind = {literal(type_name)} "
                f"AND id = {named}) {row} ON true"
            )
            cases.append(f"WHEN {row}.id IS NOT NULL THEN {self.object(type_name, fields, row, handlers)}")
        return (
            f"(SELECT json_agg(CASE {' '.join(cases)} END ORDER BY {x}.n) "
            f"FROM unnest({kinds}, {rows}, {schemes}, {values}) WITH ORDINALITY AS {x}(kind, row_id, scheme, value, n) "
            f"{' '.join(joins)})"
        )

    def _many_rows(self, field: Field, type_name: str, row_ids: list[int | None]) -> str:
        """`many` where every id is a global id of one type (a batch look-up's usual request): one array
        to bind and a plain join, no external ids to resolve."""
        rows = self.params.add(row_ids, "bigint[]")
        x, row = self.alias(), self.alias()
        table, columns, handlers = _TABLES[type_name]
        fields = field.by_type.get(type_name, ()) if field.by_type else field.fields
        built = self.object(type_name, fields, row, handlers)
        return (
            f"(SELECT json_agg(CASE WHEN {row}.id IS NOT NULL THEN {built} END ORDER BY {x}.n) "
            f"FROM unnest({rows}) WITH ORDINALITY AS {x}(row_id, n) "
            f"LEFT JOIN LATERAL (SELECT {columns} FROM {table} WHERE id = {_redirected(type_name, f'{x}.row_id')}) "
            f"{row} ON true)"
        )


_REDIRECTS = {"Author": "author_redirects", "Paper": "paper_redirects"}


def _redirected(type_name: str, row_id: str) -> str:
    """SQL of the row `row_id` stands for now: itself, or the row it was merged into."""
    redirects = _REDIRECTS.get(type_name)
    if redirects is None:
        return row_id
    return f"coalesce((SELECT new_id FROM {redirects} WHERE old_id = {row_id}), {row_id})"


def _limit(window: Window) -> str:
    """A page reads one row more than it shows: that row only tells that a next page exists."""
    return str(int(window.first) + 1)


# --- fields of each type --------------------------------------------------------------------------------

# The paper columns each field reads (the others read only the id): a page of papers carries only what
# its nodes show, so that sorting the citing papers of a much-cited paper does not carry their abstracts.
_PAPER_FIELD_COLUMNS = {
    "title": "title",
    "abstract": "abstract",
    "primaryCategory": "primary_category",
    "categories": "categories",
    "publishedOn": "published_on",
    "publishedPrecision": "published_precision",
    "hasCode": "has_code",
    "codeUrl": "code_url",
    "citationCount": "citation_count",
    "reportedCitationCount": "reported_citation_count",
    "authorsComplete": "authors_complete",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "retractedAt": "retracted_at",
    "retractionReason": "retraction_reason",
}


def _paper_columns(connection: Field) -> str:
    """The columns of `p` the nodes of a paper connection read, the id first."""
    nodes = [f for s in connection.fields if s.name == "nodes" for f in s.fields]
    nodes += [f for s in connection.fields if s.name == "edges" for e in s.fields if e.name == "node" for f in e.fields]
    wanted = dict.fromkeys(["id", *(_PAPER_FIELD_COLUMNS[f.name] for f in nodes if f.name in _PAPER_FIELD_COLUMNS)])
    return ", ".join(f"p.{column}" for column in wanted)


def _column(name: str) -> Handler:
    return lambda _s, _f, row: f"{row}.{name}"


def _instant(name: str) -> Handler:
    return lambda _s, _f, row: iso_instant(f"{row}.{name}")


def _external_ids(kind: str) -> Handler:
    table, owner = ("author_external_ids", "author_id") if kind == "Author" else ("paper_external_ids", "paper_id")

    def build(s: _Statement, field: Field, row: str) -> str:
        e = s.alias()
        values = {
            "scheme": f"{e}.scheme",
            "value": f"{e}.value",
            "url": external_url(kind, f"{e}.scheme", f"{e}.value"),
            "__typename": "'ExternalId'",
        }
        pairs = []
        for selected in field.fields:
            if selected.name not in values:
                raise Unsupported(f"ExternalId.{selected.name}")
            pairs.append(f"{literal(selected.key)}, {values[selected.name]}")
        return (
            f"(SELECT coalesce(json_agg(json_build_object({', '.join(pairs)}) ORDER BY {e}.scheme, {e}.value), '[]') "
            f"FROM {table} {e} WHERE {e}.{owner} = {row}.id)"
        )

    return build


# Figures of a metrics set, each as the SQL over the computed row `m` (author_computed_metrics, possibly
# absent: zeros then) and the newest reported row `r` (possibly absent), for `metrics` (the figures shown).
def _m_quotient(s: _Statement) -> str:
    years = f"greatest({s.year()} - m.first_year, 0) + 1"
    return f"CASE WHEN m.first_year IS NULL THEN NULL ELSE m.h_index::float8 / ({years}) END"


def _counts_by_year(s: _Statement, field: Field) -> str:
    y = s.alias()
    values = {
        "year": f"{y}.year",
        "paperCount": "coalesce(e.papers, 0)",
        "citationCount": "coalesce(e.citations, 0)",
        "__typename": "'YearCount'",
    }
    pairs = []
    for selected in field.fields:
        if selected.name not in values:
            raise Unsupported(f"YearCount.{selected.name}")
        pairs.append(f"{literal(selected.key)}, {values[selected.name]}")
    stored = "jsonb_to_recordset(m.counts_by_year) AS e(year int, papers int, citations int)"
    return (
        f"(SELECT coalesce(json_agg(json_build_object({', '.join(pairs)}) ORDER BY {y}.year), '[]') "
        f"FROM generate_series((SELECT min(year) FROM jsonb_to_recordset(m.counts_by_year) AS b(year int)), "
        f"greatest((SELECT max(year) FROM jsonb_to_recordset(m.counts_by_year) AS b(year int)), {s.year()})) "
        f"AS {y}(year) LEFT JOIN {stored} ON e.year = {y}.year)"
    )


_FIGURES = {
    "hIndex": "h_index",
    "citationCount": "citation_count",
    "paperCount": "paper_count",
    "i10Index": "i10_index",
}


def _metrics_object(s: _Statement, field: Field, values: Callable[[str, Field], str]) -> str:
    pairs = []
    for selected in field.fields:
        value = "'AuthorMetrics'" if selected.name == "__typename" else values(selected.name, selected)
        pairs.append(f"{literal(selected.key)}, {value}")
    return f"json_build_object({', '.join(pairs)})"


def _shown_metrics(s: _Statement, field: Field, row: str) -> str:
    """`metrics`: the newest reported set, each figure it lacks from the computed set (`metrics.preferred`)."""

    def value(name: str, selected: Field) -> str:
        if name in _FIGURES:
            return f"coalesce(r.{_FIGURES[name]}, m.{_FIGURES[name]}, 0)"
        simple = {
            "gIndex": "coalesce(m.g_index, 0)",
            "twoYearMeanCitedness": "m.two_year_mean_citedness",
            "novelty": "r.novelty::float8",
            "aiScore": "r.ai_score::float8",
            "source": f"coalesce(r.source, {literal(COMPUTED_SOURCE)})",
            "asOf": "r.as_of",
            # A reported set never has a g-index, so the computed set always fills in and tells its time.
            "computedAt": iso_instant("m.computed_at"),
        }
        if name in simple:
            return simple[name]
        if name == "mQuotient":
            return _m_quotient(s)
        if name == "countsByYear":
            return _counts_by_year(s, selected)
        raise Unsupported(f"AuthorMetrics.{name}")

    built = _metrics_object(s, field, value)
    return (
        f"(SELECT {built} FROM (SELECT 1) AS one "
        f"LEFT JOIN author_computed_metrics m ON m.author_id = {row}.id "
        f"LEFT JOIN LATERAL (SELECT * FROM author_reported_metrics rm WHERE rm.author_id = {row}.id "
        f"ORDER BY rm.as_of DESC, rm.recorded_at DESC, rm.source LIMIT 1) r ON true)"
    )


def _computed_metrics(s: _Statement, field: Field, row: str) -> str:
    if not isinstance(field.args, Variant):
        raise Unsupported("computedMetrics without its variant")
    variant = field.args
    prefix = {Variant.ALL: "", Variant.LAST_5_YEARS: "last5_", Variant.WITHOUT_SELF_CITATIONS: "noself_"}[variant]

    def value(name: str, selected: Field) -> str:
        if name in _FIGURES:
            return f"coalesce(m.{prefix}{_FIGURES[name]}, 0)"
        if name == "gIndex":
            return f"coalesce(m.{prefix}g_index, 0)"
        if name == "source":
            return literal(COMPUTED_SOURCE)
        if name == "computedAt":
            return iso_instant("m.computed_at")
        if name in ("novelty", "aiScore", "asOf"):
            return "NULL"
        if variant is not Variant.ALL:
            if name in ("mQuotient", "twoYearMeanCitedness"):
                return "NULL"
            if name == "countsByYear":
                return "'[]'::json"
        elif name == "mQuotient":
            return _m_quotient(s)
        elif name == "twoYearMeanCitedness":
            return "m.two_year_mean_citedness"
        elif name == "countsByYear":
            return _counts_by_year(s, selected)
        raise Unsupported(f"AuthorMetrics.{name}")

    built = _metrics_object(s, field, value)
    return f"(SELECT {built} FROM (SELECT 1) AS one LEFT JOIN author_computed_metrics m ON m.author_id = {row}.id)"


def _reported_metrics(s: _Statement, field: Field, row: str) -> str:
    def value(name: str, selected: Field) -> str:
        if name in _FIGURES:
            return f"m.{_FIGURES[name]}"
        simple = {
            "novelty": "m.novelty::float8",
            "aiScore": "m.ai_score::float8",
            "source": "m.source",
            "asOf": "m.as_of",
            "countsByYear": "'[]'::json",
        }
        if name in simple:
            return simple[name]
        if name in ("gIndex", "mQuotient", "twoYearMeanCitedness", "computedAt"):
            return "NULL"
        raise Unsupported(f"AuthorMetrics.{name}")

    built = _metrics_object(s, field, value)
    return (
        f"(SELECT coalesce(json_agg({built} ORDER BY m.as_of DESC, m.recorded_at DESC, m.source), '[]') "
        f"FROM author_reported_metrics m WHERE m.author_id = {row}.id)"
    )


def _byline(s: _Statement, field: Field, row: str, *, as_authorships: bool) -> str:
    a = s.alias()
    if as_authorships:
        authorship = {
            "position": f"{a}.position",
            "nameAsWritten": f"{a}.name_as_written",
            "affiliation": f"{a}.affiliation",
            "__typename": "'Authorship'",
        }
        pairs = []
        for selected in field.fields:
            if selected.name == "author":
                value = s.object("Author", selected.fields, a, AUTHOR)
            elif selected.name in authorship:
                value = authorship[selected.name]
            else:
                raise Unsupported(f"Authorship.{selected.name}")
            pairs.append(f"{literal(selected.key)}, {value}")
        item = f"json_build_object({', '.join(pairs)})"
    else:
        item = s.object("Author", field.fields, a, AUTHOR)
    return (
        f"(SELECT coalesce(json_agg({item} ORDER BY {a}.list_order), '[]') FROM ("
        f"SELECT s.list_order, s.position, s.name_as_written, s.affiliation, {AUTHOR_COLUMNS} "
        f"FROM authorships s JOIN authors a ON a.id = s.author_id WHERE s.paper_id = {row}.id) {a})"
    )


def _paper_institutions(s: _Statement, field: Field, row: str) -> str:
    i = s.alias()
    built = s.object("Institution", field.fields, i, INSTITUTION)
    return (
        f"(SELECT coalesce(json_agg({built} ORDER BY {i}.name_key, {i}.id), '[]') FROM institutions {i} "
        f"WHERE {i}.id IN (SELECT institution_id FROM paper_institutions WHERE paper_id = {row}.id "
        f"UNION SELECT institution_id FROM authorships WHERE paper_id = {row}.id AND institution_id IS NOT NULL))"
    )


AUTHOR: dict[str, Handler] = {
    "id": lambda _s, _f, row: global_id("Author", f"{row}.id"),
    "name": _column("name"),
    "primaryCategory": _column("primary_category"),
    "externalIds": _external_ids("Author"),
    "createdAt": _instant("created_at"),
    "updatedAt": _instant("updated_at"),
    "metrics": _shown_metrics,
    "computedMetrics": _computed_metrics,
    "reportedMetrics": _reported_metrics,
    "papers": lambda s, f, row: s.paper_list(f, PaperScope.AUTHOR, f"{row}.id"),
    "coauthors": lambda s, f, row: s.coauthor_list(f, f"{row}.id"),
}

PAPER: dict[str, Handler] = {
    "id": lambda _s, _f, row: global_id("Paper", f"{row}.id"),
    "title": _column("title"),
    "abstract": _column("abstract"),
    "primaryCategory": _column("primary_category"),
    "categories": lambda _s, _f, row: f"to_json({row}.categories)",
    "externalIds": _external_ids("Paper"),
    "publishedOn": _column("published_on"),
    "publishedPrecision": lambda _s, _f, row: f"upper({row}.published_precision)",
    "hasCode": _column("has_code"),
    "codeUrl": _column("code_url"),
    "citationCount": _column("citation_count"),
    "reportedCitationCount": _column("reported_citation_count"),
    "authorsComplete": _column("authors_complete"),
    "authors": lambda s, f, row: _byline(s, f, row, as_authorships=False),
    "authorships": lambda s, f, row: _byline(s, f, row, as_authorships=True),
    "institutions": _paper_institutions,
    "references": lambda s, f, row: s.paper_list(f, PaperScope.REFERENCES, f"{row}.id"),
    "citedBy": lambda s, f, row: s.paper_list(f, PaperScope.CITED_BY, f"{row}.id"),
    "createdAt": _instant("created_at"),
    "updatedAt": _instant("updated_at"),
    "retractedAt": _instant("retracted_at"),
    "retractionReason": _column("retraction_reason"),
}

INSTITUTION: dict[str, Handler] = {
    "id": lambda _s, _f, row: global_id("Institution", f"{row}.id"),
    "name": _column("name"),
    "countryCode": _column("country_code"),
    "authors": lambda s, f, row: s.author_list(f, authors.AuthorScope.INSTITUTION, f"{row}.id"),
    "papers": lambda s, f, row: s.paper_list(f, PaperScope.INSTITUTION, f"{row}.id"),
}

COAUTHOR: dict[str, Handler] = {
    "author": lambda s, f, row: s.object("Author", f.fields, row, AUTHOR),
    "sharedPaperCount": _column("n"),
    "firstSharedYear": _column("first_year"),
    "lastSharedYear": _column("last_year"),
    "sharedPapers": lambda s, f, row: s.paper_list(f, PaperScope.COAUTHORED, f"{row}.of_author", f"{row}.id"),
}

_TABLES: dict[str, tuple[str, str, dict[str, Handler]]] = {
    "Author": ("authors a", AUTHOR_COLUMNS, AUTHOR),
    "Paper": ("papers p", PAPER_COLUMNS, PAPER),
    "Institution": ("institutions i", "i.id, i.name, i.country_code, i.name_key", INSTITUTION),
}


def _ref(field: Field) -> ObjectRef:
    if not isinstance(field.args, ObjectRef):
        raise Unsupported(f"Query.{field.name} without its id")
    return field.args


def _refs(field: Field) -> tuple[ObjectRef, ...]:
    if not isinstance(field.args, tuple):
        raise Unsupported(f"Query.{field.name} without its ids")
    return field.args


QUERY: dict[str, Handler] = {
    "author": lambda s, f, _row: s.one(f, _ref(f)),
    "paper": lambda s, f, _row: s.one(f, _ref(f)),
    "institution": lambda s, f, _row: s.one(f, _ref(f)),
    "node": lambda s, f, _row: s.one(f, _ref(f)),
    "authorsByIds": lambda s, f, _row: s.many(f, _refs(f)),
    "papersByIds": lambda s, f, _row: s.many(f, _refs(f)),
    "nodes": lambda s, f, _row: s.many(f, _refs(f)),
    "authors": lambda s, f, _row: s.author_list(f, authors.AuthorScope.ALL, "0"),
    "papers": lambda s, f, _row: s.paper_list(f, PaperScope.ALL, "0"),
    "institutions": lambda s, f, _row: s.institution_list(f),
}


def compile_read(fields: Sequence[Field], year: int) -> tuple[str, list[object]]:
    """The statement answering the root selection `fields`, and its parameters; `year` is the current UTC
    year (bound, so that a response never mixes two years). Raises Unsupported, or the resolver path's
    own InvalidInputError for an argument it refuses (a cursor from another list, RELEVANCE without a
    search)."""
    statement = _Statement(year)
    data = statement.object("Query", fields, "", QUERY)
    return _used_only(f"SELECT {data}::text", statement.params.values)


_PLACEHOLDER = re.compile(r"\$(\d+)")


def _used_only(sql: str, values: list[object]) -> tuple[str, list[object]]:
    """The statement with the parameters it does not use dropped and the others renumbered: a part built
    and then left out (the page of a list of which only `totalCount` is selected) added its parameters,
    and PostgreSQL refuses a parameter it cannot type. Placeholders are the only `$n` in the text: values
    are never written into it."""
    used = sorted({int(n) for n in _PLACEHOLDER.findall(sql)})
    if len(used) == len(values):
        return sql, values
    number = {old: new for new, old in enumerate(used, start=1)}
    return _PLACEHOLDER.sub(lambda m: f"${number[int(m.group(1))]}", sql), [values[old - 1] for old in used]
