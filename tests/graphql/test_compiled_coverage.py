"""What the compiled path covers, and at what cost: the issue's acceptance ("the canonical GraphQL queries
run as exactly one SQL statement per request") and its scope ("it covers the whole read surface").

Whether the compiled path answers the same as the resolver path is test_differential.py's business; this
module asserts which path answers (the `X-GraphQL-Execution` header: `compiled` or `resolver`) and how
many SQL statements a request runs (counted by tests/differential.py's CountingApp around each request).
These tests fail until the compiler and the header land.

- Canonical queries: the contract's (tests/contract/queries, with check.py's variables) and the serving
  benchmark's (bench/servebench/queries.py `OURS_*`): compiled, in exactly one statement.
- Every query of the docs that answers without errors: compiled, in one statement.
- Generated operations over the whole schema that answer without errors: compiled, in one statement.
- The header on both apps; introspection takes the resolver path.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from differential import Answer, Differential, Request
from differential_inputs import (
    HYPOTHESIS,
    bench_requests,
    context_of,
    contract_checks,
    contract_requests,
    doc_requests,
)
from graphql import FieldNode, OperationDefinitionNode, parse
from hypothesis import given, note, settings
from hypothesis import strategies as st
from query_generator import HypothesisChooser, generate

from api.graphql.compiler import RESOLVER_ROOT_FIELDS

# graphql-core abandons the coroutines of a field's siblings when an error nulls out their parent (null
# propagation): they are never awaited, and Python reports that when it collects them, at a moment of its
# choosing (in whichever test runs then). Those reports only are ignored here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <coroutine object:pytest.PytestUnraisableExceptionWarning"
)

COVERAGE_EXAMPLES = 60
INTROSPECTION = "{ __schema { queryType { name } } }"


def _is_introspection(request: Request) -> bool:
    return "__schema" in request.query or "__type(" in request.query


def _is_resolver_only(request: Request) -> bool:
    """A request reading a root field the resolver path serves by design, or a mutation."""
    document = parse(request.query)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if definition.operation.value != "query":
                return True
            roots = {s.name.value for s in definition.selection_set.selections if isinstance(s, FieldNode)}
            if roots & RESOLVER_ROOT_FIELDS:
                return True
    return False


def _missed(answers: list[tuple[Request, Answer]], *, statements: bool) -> list[str]:
    """The requests not answered by the compiled path (or, with `statements`, not in exactly one statement)."""
    missed = []
    for request, answer in answers:
        if answer.execution != "compiled" or (statements and len(answer.statements) != 1):
            path = answer.execution or "no X-GraphQL-Execution header"
            missed.append(f"{request.label}: {path}, {len(answer.statements)} statement(s)")
            if answer.execution == "compiled":
                missed += [f"      {sql[:160]}" for sql in answer.statements]
    return missed


def _answers(differential: Differential, requests: list[Request]) -> list[tuple[Request, Answer]]:
    answers = []
    for request in requests:
        answer = differential.on_compiled(request)
        assert answer.status == 200, (request.describe(), answer.body)
        assert not answer.errors, (request.describe(), answer.errors)
        answers.append((request, answer))
    return answers


def test_the_header_says_which_path_answered(differential: Differential) -> None:
    request = contract_checks()[0]
    assert differential.reference(request).execution == "resolver"
    assert differential.on_compiled(request).execution in {"compiled", "resolver"}


def test_introspection_takes_the_resolver_path(differential: Differential) -> None:
    answer = differential.on_compiled(Request(INTROSPECTION))
    assert answer.status == 200
    assert answer.execution == "resolver"


def test_the_contract_queries_run_as_one_statement(differential: Differential) -> None:
    """check.py's requests (the papers_page walk's second page too; not the malformed id, an error)."""
    requests = [r for r in contract_checks() if "malformed" not in r.label]
    page = next(r for r in requests if r.label == "papers_page")
    first = differential.reference(page).data["authors"]["nodes"][0]["papers"]["pageInfo"]["endCursor"]
    requests.append(Request(page.query, {**(page.variables or {}), "after": first}, label="papers_page, page 2"))
    missed = _missed(_answers(differential, requests), statements=True)
    assert not missed, "contract queries not compiled into one statement:\n  " + "\n  ".join(missed)


def test_the_benchmark_queries_run_as_one_statement(differential: Differential) -> None:
    """Q1 profile, Q2 metrics of 100 authors, Q3 paper page, Q4 search (bench/servebench/queries.py)."""
    missed = _missed(_answers(differential, bench_requests(differential)), statements=True)
    assert not missed, "benchmark queries not compiled into one statement:\n  " + "\n  ".join(missed)


def test_the_contract_queries_on_other_data_are_compiled(differential: Differential) -> None:
    requests = [r for r in contract_requests(differential) if "not-a-real-id" not in str(r.variables)]
    missed = _missed(_answers(differential, requests), statements=True)
    assert not missed, "contract queries not compiled into one statement:\n  " + "\n  ".join(missed)


def test_the_docs_queries_are_compiled(differential: Differential) -> None:
    """Every docs query that answers without errors (on the reference), introspection aside."""
    answers = []
    for request in doc_requests():
        if _is_introspection(request) or _is_resolver_only(request):
            continue
        reference = differential.reference(request)
        if reference.status != 200 or reference.errors:
            continue
        answers.append((request, differential.on_compiled(request)))
    assert len(answers) >= 25
    missed = _missed(answers, statements=True)
    assert not missed, "docs queries not compiled into one statement:\n  " + "\n  ".join(missed)


@settings(HYPOTHESIS, max_examples=COVERAGE_EXAMPLES)
@given(data=st.data())
def test_generated_queries_without_errors_are_compiled(differential: Differential, data: st.DataObject) -> None:
    """The whole read surface: any generated operation with valid arguments (and that the reference answers
    without errors) is compiled into one statement."""
    request = generate(HypothesisChooser(data), replace(context_of(differential), valid_only=True))
    note(request.describe())
    reference = differential.reference(request)
    if reference.status != 200 or reference.errors or _is_introspection(request):
        return
    missed = _missed([(request, differential.on_compiled(request))], statements=True)
    assert not missed, "\n".join(missed) + "\n" + request.describe()
