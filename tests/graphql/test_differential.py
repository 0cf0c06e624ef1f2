"""The compiled path answers exactly as the resolver path (the reference): the same status, Content-Type,
data, errors and null propagation, on a database holding a bit of everything (tests/rich_data.py).

Inputs, each sent to both apps (tests/differential.py):
- every contract query (tests/contract/queries, the repository's copy of the contract) verbatim,
  with check.py's variables and more, `papers_page` walked page by page;
- every GraphQL operation in README.md and docs/*.md with its documented variables (as
  tests/test_doc_examples.py finds them), and the query the docs' JavaScript sends;
- the serving benchmark's queries (bench/servebench/queries.py `OURS_*`) on several inputs;
- requests written to fail or to sit on an edge: invalid arguments, malformed and unknown ids and
  cursors, limits exceeded, request errors, introspection;
- every list in every ordering walked page by page with the reference's cursors;
- generated operations over the whole schema and variations of all the above (tests/query_generator.py),
  driven by hypothesis with a fixed number of derandomized examples.

Run alone: `.venv/bin/python -m pytest tests/graphql/test_differential.py` (about a minute). The
coverage of the compiled path (which queries it answers, in how many statements) is asserted apart,
in test_compiled_coverage.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from differential import (
    GRAPHQL_RESPONSE,
    Answer,
    Differential,
    Request,
    answer_difference,
    first_difference,
    open_unreachable,
)
from differential_inputs import (
    EMBEDDED_QUERIES,
    GRAPHQL_RUNS,
    GRAPHQL_SCHEMA,
    HYPOTHESIS,
    OWNER_ID,
    bench_requests,
    context_of,
    contract,
    contract_requests,
    given_requests,
)
from graphql import (
    GraphQLObjectType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    is_abstract_type,
    parse,
    visit,
)
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from query_generator import HypothesisChooser, RandomChooser, choice, generate, vary

from api.graphql.compiler import RESOLVER_ROOT_FIELDS
from api.graphql.schema import MAX_ALIASES, MAX_TOKENS
from api.ids import encode_id

# graphql-core abandons the coroutines of a field's siblings when an error nulls out their parent (null
# propagation): they are never awaited, and Python reports that when it collects them, at a moment of its
# choosing (in whichever test runs then). Those reports only are ignored here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <coroutine object:pytest.PytestUnraisableExceptionWarning"
)

GENERATED_EXAMPLES = 150
VARIATION_EXAMPLES = 100


# --- the contract --------------------------------------------------------------------------------------------


def test_contract_queries_agree(differential: Differential) -> None:
    requests = contract_requests(differential)
    for request in requests:
        differential.check(request)
    for accept in ("application/json", GRAPHQL_RESPONSE):
        differential.check(Request(contract("profile"), {"search": "louis bethune"}, label="profile", accept=accept))
        differential.check(Request(contract("profile"), {"search": "louis"}, label="profile over GET", method="GET"))


@pytest.mark.parametrize("search", ["louis bethune", "pierre ablin", "zoe"])
def test_the_contract_papers_page_walk_agrees(differential: Differential, search: str) -> None:
    after: str | None = None
    for page in range(30):
        request = Request(contract("papers_page"), {"search": search, "first": 5, "after": after}, label=f"page {page}")
        reference, _ = differential.check(request)
        info = reference.data["authors"]["nodes"][0]["papers"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]


# --- the docs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", GRAPHQL_RUNS, ids=lambda run: run.name)
def test_doc_queries_agree(differential: Differential, example: Any) -> None:
    for accept in ("application/json", GRAPHQL_RESPONSE):
        differential.check(Request(example.block.text, example.variables, label=example.name, accept=accept))


@pytest.mark.parametrize("embedded", EMBEDDED_QUERIES, ids=lambda pair: pair[0].where)
def test_queries_the_docs_code_sends_agree(differential: Differential, embedded: Any) -> None:
    block, query = embedded
    for variables in ({"id": OWNER_ID, "after": None}, {"id": differential.rich.samples.rich_author_ids[1]}):
        differential.check(Request(query, variables, label=block.where))


# --- the benchmark's queries -----------------------------------------------------------------------------------


def test_benchmark_queries_agree(differential: Differential) -> None:
    for request in bench_requests(differential):
        differential.check(request)


# --- requests at the edges ---------------------------------------------------------------------------------------

PAPER = "{ id title }"
_DEEP = "{ papers(first: 1) { nodes " * 7 + "{ id }" + " } }" * 7

SPECIAL: dict[str, tuple[str, dict[str, Any] | None]] = {
    "relevance without search (papers)": ("{ papers(orderBy: RELEVANCE, first: 2) { nodes { id } } }", None),
    "relevance without search (authors)": ("{ authors(orderBy: RELEVANCE, first: 2) { totalCount } }", None),
    "relevance without search, nested": (
        '{ author(id: "QXV0aG9yOjE") { name papers(orderBy: RELEVANCE) { totalCount } } }',
        None,
    ),
    "first above the limit": ("{ papers(first: 101) { nodes { id } } }", None),
    "first negative, nested": ('{ author(id: "QXV0aG9yOjE") { id coauthors(first: -1) { totalCount } } }', None),
    "first as a variable above the limit": ("query ($n: Int!) { authors(first: $n) { totalCount } }", {"n": 1000}),
    "malformed cursor": ('{ papers(first: 2, after: "not-a-cursor") { nodes { id } } }', None),
    "cursor of another ordering": (
        # a NEWEST cursor (the docs') given to a MOST_CITED list
        "query ($after: String) { papers(orderBy: MOST_CITED, first: 2, after: $after) { nodes { id } } }",
        {"after": "WyJwYXBlcnM6bmV3ZXN0IiwiMjAyNS0xMi0wOSIsNF0"},
    ),
    "malformed id": ('{ author(id: "not-an-id") { name } }', None),
    "id of another type": ('{ paper(id: "QXV0aG9yOjE") { title } }', None),
    "unknown ids everywhere": (
        '{ node(id: "QXV0aG9yOjk5OTk5OQ") { id } author(id: "QXV0aG9yOjk5OTk5OQ") { id } '
        'paper(id: "UGFwZXI6OTk5OTk5") { id } institution(id: "SW5zdGl0dXRpb246OTk5OTk5") { id } }',
        None,
    ),
    "nodes: good, unknown, malformed, of each type": (
        "query ($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Author { name } ... on Paper { title } "
        "... on Institution { name } } }",
        {"ids": ["QXV0aG9yOjE", "UGFwZXI6MQ", "SW5zdGl0dXRpb246MQ", "QXV0aG9yOjk5OTk5OQ", "", "bad", "QXV0aG9yOjE"]},
    ),
    "authorsByIds with a paper id (null and error at its position)": (
        'query { authorsByIds(ids: ["QXV0aG9yOjE", "UGFwZXI6MQ", "orcid:0000-0002-1825-0097"]) { id name } }',
        None,
    ),
    "papersByIds with more than 1,000 ids": (
        "query ($ids: [ID!]!) { papersByIds(ids: $ids) { id } }",
        {"ids": ["UGFwZXI6MQ"] * 1001},
    ),
    "null propagation: non-null field under an error": (
        '{ author(id: "QXV0aG9yOjE") { name papers(first: 500) { nodes { id } } coauthors(first: 2) { totalCount } } }',
        None,
    ),
    "null propagation in a list": (
        '{ papersByIds(ids: ["UGFwZXI6MQ", "bad"]) { id authors { name papers(first: 101) { totalCount } } } }',
        None,
    ),
    "search longer than 500 characters": ("query ($s: String) { papers(search: $s) { totalCount } }", {"s": "x" * 501}),
    "search with NUL": ("query ($s: String) { authors(search: $s) { totalCount } }", {"s": "a\u0000b"}),
    "empty search": ('{ papers(search: "", first: 3) { totalCount nodes { id } } }', None),
    "51 categories": (
        "query ($c: [String!]) { papers(filter: {categories: $c}) { totalCount } }",
        {"c": ["cs.LG"] * 51},
    ),
    "publishedFrom after publishedTo": (
        '{ papers(filter: {publishedFrom: "2024-01-01", publishedTo: "2020-01-01"}) { totalCount } }',
        None,
    ),
    "negative minCitations": ("{ papers(filter: {minCitations: -1}) { totalCount } }", None),
    "malformed date (variable)": (
        "query ($d: Date) { papers(filter: {publishedFrom: $d}) { totalCount } }",
        {"d": "2024-13-45"},
    ),
    "malformed date (literal)": ('{ papers(filter: {publishedFrom: "yesterday"}) { totalCount } }', None),
    "malformed datetime": ('{ authors(filter: {updatedSince: "soon"}) { totalCount } }', None),
    "filter by an external author id": (
        '{ papers(filter: {authorId: "orcid:0000-0002-1825-0097"}) { totalCount nodes { id } } }',
        None,
    ),
    "filter by a malformed institution id": ('{ authors(filter: {institutionId: "x"}) { totalCount } }', None),
    "every variant": (
        '{ author(id: "QXV0aG9yOjE") { a: computedMetrics { hIndex gIndex mQuotient twoYearMeanCitedness '
        "countsByYear { year paperCount citationCount } computedAt source asOf } "
        "b: computedMetrics(variant: LAST_5_YEARS) { hIndex citationCount paperCount mQuotient countsByYear { year } } "
        "c: computedMetrics(variant: WITHOUT_SELF_CITATIONS) { hIndex citationCount i10Index } "
        "metrics { hIndex novelty aiScore source asOf computedAt } reportedMetrics { hIndex source asOf novelty } } }",
        None,
    ),
    "depth above the limit": (_DEEP, None),
    "aliases above the limit": ("{ " + " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1)) + " }", None),
    "tokens above the limit": ("{ " + " ".join("__typename" for _ in range(MAX_TOKENS)) + " }", None),
    "depth at the limit": ("{ papers(first: 1) { nodes " * 5 + "{ authors { name } }" + " } }" * 5, None),
    "syntax error": ("{ papers(first: 1) { nodes { id }", None),
    "unknown field": ("{ papers { nodes { id isbn } } }", None),
    "unknown argument": ("{ papers(last: 2) { totalCount } }", None),
    "wrong argument type": ('{ papers(first: "ten") { totalCount } }', None),
    "missing required variable": ("query ($id: ID!) { author(id: $id) { name } }", {}),
    "variable of the wrong type": ("query ($first: Int!) { papers(first: $first) { totalCount } }", {"first": "2"}),
    "null for a non-null variable": ("query ($id: ID!) { node(id: $id) { id } }", {"id": None}),
    "unused variable": ("query ($x: Int) { papers { totalCount } }", {"x": 1}),
    "mutation": ('mutation { addPaper(title: "x") { id } }', None),
    "subscription": ("subscription { papers { totalCount } }", None),
    "introspection": ("{ __schema { queryType { name } types { name kind } } }", None),
    "introspection beside data": (
        '{ __type(name: "Paper") { fields { name } } papers(first: 1) { nodes { id } } }',
        None,
    ),
    "typename only": ("{ __typename }", None),
    "fragment cycle": ("{ papers { ...A } } fragment A on PaperConnection { totalCount ...A }", None),
    "fields that conflict": ("{ papers(first: 1) { totalCount } papers(first: 2) { totalCount } }", None),
    "skip and include with variables": (
        "query ($s: Boolean!, $i: Boolean!) { papers(first: 2) { totalCount @skip(if: $s) nodes @include(if: $i) { id "
        "title @skip(if: $i) } pageInfo @include(if: $s) { endCursor } } }",
        {"s": True, "i": False},
    ),
    "empty page and its cursors": (
        "{ papers(first: 0) { totalCount edges { cursor } nodes { id } pageInfo { hasNextPage hasPreviousPage "
        "startCursor endCursor } facets { categories { value count } years { value count } } } }",
        None,
    ),
    # The resolver path once crashed on this one (500): the error under `a` cancelled `a.authors`, whose
    # DataLoader future `b.authors` shared, and the CancelledError ended the request.
    "an error beside a shared DataLoader future": (
        '{ a: paper(id: "UGFwZXI6MQ") { citedBy(first: -1) { totalCount } authors { name } } '
        'b: paper(id: "UGFwZXI6MQ") { authors { name } } }',
        None,
    ),
    "node by external ids": (
        '{ a: node(id: "doi:10.1234/ABC") { id } b: node(id: "https://arxiv.org/abs/2407.06723v2") { id } '
        'c: node(id: "s2:1") { id } d: node(id: "openalex:W2741809807") { __typename id } }',
        None,
    ),
}


SPECIAL_REQUESTS = [Request(query, variables, label=name) for name, (query, variables) in SPECIAL.items()]


@pytest.mark.parametrize("name", list(SPECIAL))
def test_requests_at_the_edges_agree(differential: Differential, name: str) -> None:
    query, variables = SPECIAL[name]
    for accept in ("application/json", GRAPHQL_RESPONSE):
        differential.check(Request(query, variables, label=name, accept=accept))


def test_an_error_beside_a_shared_loader_result_spares_the_rest(differential: Differential) -> None:
    """Each field waits on a shield of a loader's shared result: an error in one field cancels only it."""
    answer = differential.reference(Request(*SPECIAL["an error beside a shared DataLoader future"]))
    assert answer.status == 200
    assert answer.body["data"]["a"] is None
    assert [error["path"] for error in answer.body["errors"]] == [["a", "citedBy"]]
    assert answer.body["data"]["b"]["authors"]


def test_requests_the_view_refuses_agree(differential: Differential) -> None:
    """Requests refused before execution: several operations without a name, an unknown name, no query,
    a mutation over GET."""
    two = "query A { papers(first: 1) { totalCount } } query B { authors(first: 1) { totalCount } }"
    for accept in ("application/json", GRAPHQL_RESPONSE):
        differential.check(Request(two, label="two operations, no name", accept=accept))
        differential.check(Request(two, operation_name="B", label="two operations, B", accept=accept))
        differential.check(Request(two, operation_name="C", label="two operations, unknown C", accept=accept))
        differential.check(Request("   ", label="blank query", accept=accept))
        differential.check(Request("mutation { x }", label="mutation over GET", method="GET", accept=accept))
    differential.check(Request("{ papers { totalCount } }", label="unacceptable Accept", accept="text/plain"))


def test_an_unreachable_database_is_answered_alike(differential: Differential) -> None:
    """With the database unreachable: the same errors (DATABASE_UNAVAILABLE), nulls and Retry-After."""
    # Few: each read waits for its one retry (api/db/pool.py READ_RETRY_DELAY_S) before failing.
    requests = [*given_requests(differential)[:40:8], *SPECIAL_REQUESTS[:4]]
    requests += [generate(RandomChooser(seed), context_of(differential)) for seed in range(4)]
    outages = 0
    with open_unreachable(differential.rich) as unreachable:
        for request in requests:
            reference, _ = unreachable.check(request)
            codes = {(error.get("extensions") or {}).get("code") for error in reference.errors}
            if "DATABASE_UNAVAILABLE" in codes:
                assert reference.retry_after == "2", request.describe()
                outages += 1
    assert outages >= len(requests) // 2, outages


# --- paging -----------------------------------------------------------------------------------------------------


PAGE = "totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
COAUTHOR_PAGE = (
    "totalCount edges { cursor node { sharedPaperCount firstSharedYear lastSharedYear author { id } } } "
    "pageInfo { hasNextPage endCursor }"
)


def _walks(differential: Differential) -> list[tuple[str, str]]:
    """(name, operation taking $after) of every list in several orderings; the list is aliased `c`."""
    samples = differential.rich.samples
    author, paper = samples.rich_author_ids[0], samples.cited_paper_ids[0]
    inria, p19 = encode_id("Institution", 3), encode_id("Paper", 19)
    lists: list[tuple[str, str]] = []
    for order in ("NEWEST", "OLDEST", "MOST_CITED", "UPDATED"):
        lists.append((f"papers {order}", f"c: papers(orderBy: {order}, first: 25, after: $after) {{ {PAGE} }}"))
        lists.append(
            (
                f"author papers {order}",
                f'author(id: "{author}") {{ c: papers(orderBy: {order}, first: 7, after: $after) {{ {PAGE} }} }}',
            )
        )
        lists.append(
            (
                f"citedBy {order}",
                f'paper(id: "{paper}") {{ c: citedBy(orderBy: {order}, first: 50, after: $after) {{ {PAGE} }} }}',
            )
        )
    lists.append(("papers RELEVANCE", f'c: papers(search: "learning", first: 9, after: $after) {{ {PAGE} }}'))
    for order in ("NAME", "H_INDEX", "CITATIONS", "PAPER_COUNT", "UPDATED"):
        lists.append((f"authors {order}", f"c: authors(orderBy: {order}, first: 25, after: $after) {{ {PAGE} }}"))
    lists.append(("authors RELEVANCE", f'c: authors(search: "mar", first: 10, after: $after) {{ {PAGE} }}'))
    for order in ("SHARED_PAPERS", "NAME", "RECENT"):
        coauthors = f"c: coauthors(orderBy: {order}, first: 6, after: $after) {{ {COAUTHOR_PAGE} }}"
        lists.append((f"coauthors {order}", f'author(id: "{author}") {{ {coauthors} }}'))
    shared = f"c: sharedPapers(first: 1, after: $after) {{ {PAGE} }}"
    lists += [
        ("shared papers", f'author(id: "{OWNER_ID}") {{ coauthors(first: 1) {{ nodes {{ {shared} }} }} }}'),
        ("references", f'paper(id: "{p19}") {{ c: references(first: 1, after: $after) {{ {PAGE} }} }}'),
        ("institutions", f"c: institutions(first: 25, after: $after) {{ {PAGE} }}"),
        ("institution authors", f'institution(id: "{inria}") {{ c: authors(first: 2, after: $after) {{ {PAGE} }} }}'),
        ("institution papers", f'institution(id: "{inria}") {{ c: papers(first: 2, after: $after) {{ {PAGE} }} }}'),
    ]
    return [(name, f"query ($after: String) {{ {selection} }}") for name, selection in lists]


def _connection(value: Any) -> Any:
    """The object under the first key `c` in an answer."""
    if isinstance(value, dict):
        if "c" in value:
            return value["c"]
        for item in value.values():
            found = _connection(item)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = _connection(item)
            if found is not None:
                return found
    return None


WALK_PAGES = 6


def test_paging_walks_agree(differential: Differential) -> None:
    """Every list in every ordering walked with the reference's cursors; each page compared."""
    for name, query in _walks(differential):
        after: str | None = None
        for number in range(WALK_PAGES):
            reference, _ = differential.check(Request(query, {"after": after}, label=f"{name}, page {number}"))
            connection = _connection(reference.data)
            assert connection is not None, (name, reference.body)
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]


# --- generated ---------------------------------------------------------------------------------------------------


@settings(HYPOTHESIS, max_examples=GENERATED_EXAMPLES)
@given(data=st.data())
def test_generated_queries_agree(differential: Differential, data: st.DataObject) -> None:
    request = generate(HypothesisChooser(data), context_of(differential))
    note(request.describe())
    reference, _ = differential.check(request)
    event(outcome(reference))


@settings(HYPOTHESIS, max_examples=VARIATION_EXAMPLES)
@given(data=st.data())
def test_variations_of_given_queries_agree(differential: Differential, data: st.DataObject) -> None:
    chooser = HypothesisChooser(data)
    base = choice(chooser, given_requests(differential))
    request = vary(chooser, context_of(differential), base)
    note(request.describe())
    reference, _ = differential.check(request)
    event(outcome(reference))


def outcome(answer: Answer) -> str:
    """What kind of answer a generated request got (`--hypothesis-show-statistics` counts them)."""
    if answer.status != 200:
        return f"HTTP {answer.status}"
    if not answer.errors:
        return "data without errors"
    return "data and errors" if answer.data is not None else "errors only"


# --- the generator itself ----------------------------------------------------------------------------------------


def _reachable(schema: Any, *, skip_roots: frozenset[str]) -> list[GraphQLObjectType]:
    """The object types the query type reaches, but through the root fields `skip_roots`."""
    found: dict[str, GraphQLObjectType] = {}
    pending = [schema.query_type]
    while pending:
        type_ = pending.pop()
        if type_.name in found or type_.name.startswith("__"):
            continue
        found[type_.name] = type_
        for name, field in type_.fields.items():
            if type_ is schema.query_type and name in skip_roots:
                continue
            target = get_named_type(field.type)
            candidates = schema.get_possible_types(target) if is_abstract_type(target) else [target]
            pending += [t for t in candidates if isinstance(t, GraphQLObjectType)]
    return list(found.values())


def test_the_generator_reaches_every_field_and_argument(differential: Differential) -> None:
    """Over a few hundred generated operations, every field of every type and every argument is selected,
    and fragments, directives, aliases and variables all occur: the generated inputs cover the schema
    (a field added to it is generated too)."""
    fields: set[str] = set()
    arguments: set[str] = set()
    seen: dict[str, int] = {"fragment ": 0, "... on ": 0, "@skip": 0, "@include": 0, "$": 0, "__typename": 0}
    type_info = TypeInfo(GRAPHQL_SCHEMA)

    class Collect(Visitor):
        def enter_field(self, *_: Any) -> None:
            parent, field_def = type_info.get_parent_type(), type_info.get_field_def()
            if parent is not None and field_def is not None and isinstance(parent, GraphQLObjectType):
                name = next((n for n, f in parent.fields.items() if f is field_def), None)
                if name:
                    fields.add(f"{parent.name}.{name}")

        def enter_argument(self, node: Any, *_: Any) -> None:
            parent, field_def = type_info.get_parent_type(), type_info.get_field_def()
            if parent is not None and field_def is not None:
                arguments.add(node.name.value)

    for seed in range(400):
        request = generate(RandomChooser(seed), context_of(differential))
        visit(parse(request.query), TypeInfoVisitor(type_info, Collect()))
        for mark in seen:
            seen[mark] += mark in request.query
    # the read surface both paths serve: what the query type reaches but through the root fields the
    # resolver path serves by design (their own tests check them) and the mutations
    read_types = _reachable(GRAPHQL_SCHEMA, skip_roots=RESOLVER_ROOT_FIELDS)
    every_field = {
        f"{type_.name}.{name}"
        for type_ in read_types
        for name in type_.fields
        if not (type_.name == "Query" and name in RESOLVER_ROOT_FIELDS)
    }
    every_argument = {
        name
        for type_ in read_types
        for field_name, field in type_.fields.items()
        if not (type_.name == "Query" and field_name in RESOLVER_ROOT_FIELDS)
        for name in field.args
    }
    assert sorted(every_field - fields) == []
    assert sorted(every_argument - arguments) == []
    assert all(count >= 10 for count in seen.values()), seen


def test_the_inputs_are_rich(differential: Differential) -> None:
    """The database holds what the comparisons need to mean something."""
    counts = differential.rich.counts
    assert min(counts["papers"], counts["authors"], counts["citations"]) > 1_000, counts
    assert min(counts["undated papers"], counts["papers without abstract"]) > 0, counts
    assert counts["reporting sources"] >= 3, counts  # the seed's site, OpenAlex, Semantic Scholar
    assert (counts["author id schemes"], counts["paper id schemes"]) >= (3, 4), counts
    assert len(GRAPHQL_RUNS) >= 30
    assert len(given_requests(differential)) >= 60
    assert len(differential.cursors) == 16, sorted(differential.cursors)
    assert all(differential.cursors.values())


# --- the harness itself -----------------------------------------------------------------------------------------


def test_the_comparison_sees_every_kind_of_difference() -> None:
    same = {"data": {"a": 1, "b": [True, None, {"c": "x"}]}}
    assert first_difference(same, {"data": {"a": 1, "b": [True, None, {"c": "x"}]}}) is None
    assert first_difference({"a": 59}, {"a": 59.0}) is None  # one JSON number
    assert first_difference({"a": 1}, {"a": True}) == "$.a: 1 vs true"
    assert first_difference({"a": None}, {"a": 0}) == "$.a: null vs 0"
    assert first_difference({"a": "1"}, {"a": 1}) == '$.a: "1" vs 1'
    assert first_difference(same, {"data": {"b": [True, None, {"c": "x"}], "a": 1}}) == (
        "$.data: keys in another order: ['a', 'b'] vs ['b', 'a']"
    )
    assert first_difference(same, {"data": {"a": 1, "b": [True, None]}}) == "$.data.b: 3 items vs 2"
    assert first_difference(same, {"data": {"a": 1, "b": [True, None, {"c": "y"}]}}) == '$.data.b[2].c: "x" vs "y"'
    assert first_difference(same, {"data": {"a": 1}}) == "$.data: keys missing ['b'], unexpected []"

    def answer(body: Any, status: int = 200, content_type: str = "application/json") -> Answer:
        return Answer(status, content_type, body, None, [])

    one = {"message": "m", "path": ["a", 0], "locations": [{"line": 1, "column": 3}], "extensions": {"code": "X"}}
    two = {"message": "n", "path": ["b"], "locations": [{"line": 1, "column": 9}]}
    errors = {"errors": [one, two], "data": {"a": [None], "b": None}}
    assert answer_difference(answer(errors), answer({"errors": [two, one], "data": {"a": [None], "b": None}})) is None
    other_code = {**one, "extensions": {"code": "Y"}}
    assert answer_difference(answer(errors), answer({"errors": [other_code, two], "data": errors["data"]}))
    assert answer_difference(answer(errors), answer({"errors": [one], "data": errors["data"]}))
    other_place = {**two, "locations": [{"line": 2, "column": 9}]}
    assert answer_difference(answer(errors), answer({"errors": [one, other_place], "data": errors["data"]}))
    assert answer_difference(answer(same), answer(same, status=400)) == "status: 200 vs 400"
    assert answer_difference(answer(same), answer(same, content_type=GRAPHQL_RESPONSE))


def test_a_request_statements_are_counted(differential: Differential) -> None:
    """The counter sees each request's statements (what test_compiled_coverage's one-statement checks read)."""
    reference = differential.reference(Request(contract("profile"), {"search": "louis bethune"}))
    assert 2 <= len(reference.statements) <= 12, reference.statements
    assert differential.reference(Request("{ __typename }")).statements == []
