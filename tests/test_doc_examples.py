"""Every example in README.md and docs/*.md runs, as written, against the service with the bundled seed.

What is an example (a fenced block), and what is checked:

- ```graphql holding an operation: it must validate against the schema and, POSTed to /graphql, answer
  200 without `errors`. Its variables are the inline-code JSON objects in the text after it, up to the
  next ```graphql block, whose keys are variables the operation declares
  (Variables: `{"id": "QXV0aG9yOjE"}`); the operation runs once with each. An operation with a required
  variable needs at least one such object.
- ```graphql holding field signatures (`node(id: ID!): Node`): each must be the schema's own definition
  of a field of that name: the arguments in order, their types and defaults, and the field's type.
- ```sh or ```console lines that run `curl` against http://127.0.0.1:8000, and ```http requests
  (`GET /v1/…`): sent to the service, which must answer 2xx (and, on /graphql, without `errors`).
- The GraphQL in a ```js block (the template string assigned to `query`): validated.

An example's documented answers are the ```json blocks right after it, with nothing but prose between
(one per run, in order; for curl, a block of one request). Where one is complete (no `…`), the service
must answer exactly that, but for the moments rows were stored (`computedAt`, `updatedAt`, `createdAt`)
and, unless the block shows them, the limits' figures (`extensions.rateLimit`).

An HTML comment on the line just before a block's fence (invisible once rendered) says more about it:

- `<!-- example: status 200 404 -->`: the block's requests answer these statuses, in order (a single
  status: every request).
- `<!-- example: errors -->`: the block documents a GraphQL error: the answer must carry `errors`.
- `<!-- example: with a write key -->`: a write, sent with a key of the write scope (the key named
  `curator`) to a service of its own; `<!-- example: errors with a write key -->`: the same, documenting
  an error.
- `<!-- example: output varies: REASON -->`: the answer is not compared (it follows the calendar, say).
- `<!-- example: not run: REASON -->`: the block cannot be run. Allowed only a few times, each with its
  reason (`test_examples_that_are_not_run_are_few_and_say_why`).

A line `<!-- examples: seed and citations -->` switches the rest of its file to the seed plus 32
citations: those the ```python block that follows it adds (docs/queries.md's script, run here as the
docs tell a reader to run it).

Nothing is skipped silently: a block of these languages that the test does not understand fails
`test_every_example_block_is_understood`, and `test_the_docs_hold_examples_of_every_kind` fails if the
parsing finds fewer examples than the docs hold.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from conftest import _admin, _with_database, graphql, make_settings
from doc_blocks import DOCUMENTS, ROOT, Block, Prose, commands, read_parts, stray_marks
from graphql import (
    FieldDefinitionNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSyntaxError,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
    Undefined,
    ast_from_value,
    parse,
    print_ast,
    validate,
)
from starlette.testclient import TestClient

from api.app import create_app
from api.db import api_keys
from api.db.pool import Database
from api.graphql.schema import schema

SERVICE = "http://127.0.0.1:8000"
MAX_NOT_RUN = 3

# Ids the docs use on purpose for objects that do not exist (to show the `null` they get).
UNKNOWN_BY_DESIGN = {
    "QXV0aG9yOjk5OTk": "graphql.md, `nodes`: a well-formed id of no author",
    "QXV0aG9yOjk5OTk5": "queries.md, batch look-up: a well-formed id of no author",
}


PARTS = {path.relative_to(ROOT).as_posix(): read_parts(path) for path in DOCUMENTS}
BLOCKS = [part for parts in PARTS.values() for part in parts if isinstance(part, Block)]


def _following(block: Block, until: set[str]) -> list[Block | Prose]:
    """The parts after `block` in its document, up to the next block of a language in `until`."""
    parts = PARTS[block.doc]
    start = parts.index(block) + 1
    following = []
    for part in parts[start:]:
        if isinstance(part, Block) and part.language in until:
            break
        following.append(part)
    return following


def documented_outputs(block: Block) -> list[Any]:
    """The ```json blocks that follow `block` with nothing but prose between (its documented answers, one
    per run), each parsed; None for one abbreviated with `…`, which is not compared."""
    parts = PARTS[block.doc]
    outputs: list[Any] = []
    for part in parts[parts.index(block) + 1 :]:
        if isinstance(part, Prose):
            continue
        if part.language != "json":
            break
        try:
            outputs.append(None if "…" in part.text else json.loads(part.text))
        except json.JSONDecodeError:
            outputs.append(None)
    return outputs


# Keys whose values are the moment the seed (or the citations) were stored: never the same twice.
_MOMENTS = {"computedAt", "updatedAt", "createdAt", "computed_at", "updated_at", "created_at"}


def without_moments(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_moments(item) for key, item in value.items() if key not in _MOMENTS}
    if isinstance(value, list):
        return [without_moments(item) for item in value]
    return value


def without_limit_figures(answer: Any, documented: Any) -> Any:
    """A GraphQL answer without `extensions.rateLimit`, which every answer carries and the docs leave out
    (they say so) unless they show it."""
    if not (isinstance(answer, dict) and isinstance(documented, dict)) or "extensions" in documented:
        return answer
    if answer.get("extensions", {}).keys() != {"rateLimit"}:
        return answer
    return {key: value for key, value in answer.items() if key != "extensions"}


def check_documented_output(block: Block, run: int, answer: Any) -> None:
    """The answer is the one the docs show for this run, unless they abbreviate it or say it varies."""
    outputs = documented_outputs(block)
    if run >= len(outputs) or outputs[run] is None or (block.mark or "").startswith("output varies"):
        return
    answer = without_limit_figures(answer, outputs[run])
    assert without_moments(answer) == without_moments(outputs[run]), f"{block.where}: the docs show another answer"


# --- GraphQL examples ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphQLRun:
    block: Block
    variables: dict[str, Any]
    run: int  # which of the block's variable sets

    @property
    def name(self) -> str:
        return self.block.where + (f"#{self.run}" if self.run else "")


def _is_operation(text: str) -> bool:
    try:
        parse(text)
    except GraphQLSyntaxError:
        return False
    return True


def _signatures_of(text: str) -> list[FieldDefinitionNode] | None:
    """The field definitions a block states (`name(args): Type` lines), or None if it is not that."""
    try:
        document = parse("type Signatures {\n" + text + "\n}")
    except GraphQLSyntaxError:
        return None
    definition = document.definitions[0]
    assert isinstance(definition, ObjectTypeDefinitionNode)
    return list(definition.fields or ())


def _variable_sets(block: Block, declared: dict[str, bool]) -> list[dict[str, Any]]:
    """The JSON objects in inline code after the block whose keys are variables it declares."""
    found = []
    for part in _following(block, {"graphql"}):
        if not isinstance(part, Prose):
            continue
        for code in re.findall(r"`([^`]+)`", part.text):
            if not code.startswith("{"):
                continue
            try:
                value = json.loads(code)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict) and value and set(value) <= set(declared):
                found.append(value)
    return found


def classify_graphql() -> tuple[list[GraphQLRun], list[Block], list[Block], list[str]]:
    """The runs of the operations, the signature blocks, the blocks marked not run, and what is wrong."""
    runs: list[GraphQLRun] = []
    signatures: list[Block] = []
    not_run: list[Block] = []
    problems: list[str] = []
    for block in BLOCKS:
        if block.language != "graphql":
            continue
        if block.mark is not None and block.mark.startswith("not run"):
            not_run.append(block)
            continue
        if _is_operation(block.text):
            operations = [d for d in parse(block.text).definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) != 1:
                problems.append(f"{block.where}: {len(operations)} operations; an example holds one")
                continue
            declared = {
                v.variable.name.value: isinstance(v.type, NonNullTypeNode) and v.default_value is None
                for v in operations[0].variable_definitions or ()
            }
            sets = _variable_sets(block, declared) if declared else [{}]
            if not sets and any(declared.values()):
                problems.append(f"{block.where}: no variables given for {sorted(declared)} in the text after it")
            runs += [GraphQLRun(block, variables, n) for n, variables in enumerate(sets or [{}])]
        elif _signatures_of(block.text) is not None:
            signatures.append(block)
        else:
            problems.append(f"{block.where}: neither an operation nor field signatures, and not marked")
    return runs, signatures, not_run, problems


GRAPHQL_RUNS, SIGNATURES, GRAPHQL_NOT_RUN, GRAPHQL_PROBLEMS = classify_graphql()

# The GraphQL that code examples send (```js: the template string assigned to `query`): validated only, as
# the code around it (a loop over pages) needs a JavaScript runtime; the same query runs as ```graphql.
EMBEDDED_QUERIES = [
    (block, match)
    for block in BLOCKS
    if block.language == "js"
    for match in re.findall(r"\bquery\s*=\s*`([^`]*)`", block.text)
]


# --- curl examples ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]
    body: str | None


def parse_curl(command: str) -> Request:
    """The request a `curl` command line sends (the options the docs use; any other is an error)."""
    words = shlex.split(command, comments=True)
    headers: dict[str, str] = {}
    data: list[str] = []
    as_query = False
    url = None
    method = None
    rest = iter(words[1:])
    for word in rest:
        if word in {"-s", "--silent"}:
            continue
        if word in {"-G", "--get"}:
            as_query = True
        elif word in {"-H", "--header"}:
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word in {"-d", "--data", "--data-raw"}:
            data.append(next(rest))
        elif word == "--data-urlencode":
            name, _, content = next(rest).partition("=")
            data.append(f"{name}={quote(content, safe='')}")
        elif word in {"-X", "--request"}:
            method = next(rest)
        elif word.startswith("-"):
            raise ValueError(f"curl option {word} is not one this test knows")
        else:
            url = word
    if url is None or not url.startswith(SERVICE + "/"):
        raise ValueError(f"curl to {url}, not to the service at {SERVICE}")
    target = url[len(SERVICE) :]
    if as_query and data:
        target += ("&" if "?" in target else "?") + "&".join(data)
        return Request(method or "GET", target, headers, None)
    if data:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")  # curl's, with -d
        return Request(method or "POST", target, headers, "&".join(data))
    return Request(method or "GET", target, headers, None)


@dataclass(frozen=True)
class CurlRun:
    block: Block
    request: Request
    status: int | None  # the documented status; None: any 2xx
    run: int

    @property
    def name(self) -> str:
        return f"{self.block.where}#{self.run}"


_REQUEST_LINE = re.compile(r"^(?P<method>GET|HEAD|POST|PUT|PATCH|DELETE) (?P<target>/\S*)(?: HTTP/[\d.]+)?$")


def http_requests(block: Block) -> list[Request]:
    """The requests of an ```http block: a request line (`GET /v1/…`), header lines, a blank line, a body."""
    requests: list[Request] = []
    for chunk in re.split(r"\n(?=(?:GET|HEAD|POST|PUT|PATCH|DELETE) /)", block.text.strip()):
        head, _, body = chunk.partition("\n\n")
        first, *header_lines = head.splitlines()
        line = _REQUEST_LINE.match(first)
        if line is None:
            raise ValueError(f"not a request line: {first!r}")
        headers = {name.strip(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
        requests.append(Request(line["method"], line["target"], headers, body.strip() or None))
    return requests


def classify_curl() -> tuple[list[CurlRun], list[Block], list[str]]:
    """The requests of every curl line (```sh, ```console) and ```http block, with their expected statuses."""
    runs: list[CurlRun] = []
    not_run: list[Block] = []
    problems: list[str] = []
    for block in BLOCKS:
        if block.language == "http":
            curls = [block.text]
        elif block.language in {"sh", "console"}:
            curls = [command for command in commands(block) if command.split()[0] == "curl"]
        else:
            continue
        if not curls:
            continue
        if block.mark is not None and block.mark.startswith("not run"):
            not_run.append(block)
            continue
        try:
            requests = http_requests(block) if block.language == "http" else [parse_curl(c) for c in curls]
        except (ValueError, StopIteration) as error:
            problems.append(f"{block.where}: {error}")
            continue
        statuses: list[int | None] = [None] * len(requests)
        if block.mark is not None and block.mark.startswith("status "):
            given = [int(code) for code in block.mark.split()[1:]]
            if len(given) not in {1, len(requests)}:
                problems.append(f"{block.where}: {len(given)} statuses for {len(requests)} requests")
                continue
            statuses = list(given * len(requests) if len(given) == 1 else given)
        runs += [
            CurlRun(block, sent, status, n) for n, (sent, status) in enumerate(zip(requests, statuses, strict=True))
        ]
    return runs, not_run, problems


CURL_RUNS, CURL_NOT_RUN, CURL_PROBLEMS = classify_curl()
# test_docs_importing's marks too: `file NAME`, `continues`.
KNOWN_MARKS = re.compile(
    r"^(status( \d{3})+|errors|not run: .+|output varies: .+|file \S+|continues|(errors )?with a write key)$"
)
WRITE_KEY = "with a write key"
"""The mark of a mutation example: run with a key of the write scope, on a service of its own (the blocks of a
document so marked run in order on it, so each sees what those before it did)."""
ERRORS_WITH_WRITE_KEY = "errors with a write key"
"""Both: a mutation example, run with the write key, that documents an error."""


# --- the services ----------------------------------------------------------------------------------------


def citations_script() -> Block:
    """The ```python block that opens the part of docs/queries.md run on the seed plus citations."""
    return next(b for b in BLOCKS if b.doc == "docs/queries.md" and b.with_citations and b.language == "python")


@pytest.fixture(scope="module")
def cited_server(server_url: str, template_database: str) -> Iterator[TestClient]:
    """A seeded service to which docs/queries.md's script, run as the docs say, added its citations."""
    name = f"sg_cited_{uuid.uuid4().hex[:8]}"
    url = _with_database(server_url, name)
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    try:
        with TestClient(create_app(make_settings(url))) as client:  # loads the seed
            added = subprocess.run(
                [sys.executable, "-c", citations_script().text, url],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert added.returncode == 0, added.stderr
            yield client
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def curated_server(seeded_url: str) -> Iterator[tuple[TestClient, str]]:
    """A seeded service of its own, and a key with the write scope named `curator`, for mutation examples."""

    async def make_key() -> str:
        db = await Database.connect(seeded_url, min_size=1, max_size=1)
        try:
            return (await api_keys.create_key(db, "curator", "write"))[1]
        finally:
            await db.close()

    key = asyncio.run(make_key())
    with TestClient(create_app(make_settings(seeded_url))) as client:
        yield client, key


def service_for(block: Block, request: pytest.FixtureRequest) -> tuple[TestClient, dict[str, str]]:
    """The service an example runs on, and the headers it sends."""
    if block.mark in {WRITE_KEY, ERRORS_WITH_WRITE_KEY}:
        client, key = request.getfixturevalue("curated_server")
        return client, {"Authorization": f"Bearer {key}"}
    served: TestClient = request.getfixturevalue("cited_server" if block.with_citations else "seeded_server")
    return served, {}


def check_graphql_answer(block: Block, answer: dict[str, Any]) -> None:
    if block.mark in {"errors", ERRORS_WITH_WRITE_KEY}:
        assert "errors" in answer, f"{block.where} documents an error, but the query ran without one"
    else:
        assert "errors" not in answer, f"{block.where}: {answer['errors']}"


# --- the tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", GRAPHQL_RUNS, ids=lambda run: run.name)
def test_graphql_example_is_valid_and_runs(example: GraphQLRun, request: pytest.FixtureRequest) -> None:
    errors = validate(schema._schema, parse(example.block.text))
    assert [error.message for error in errors] == []
    client, headers = service_for(example.block, request)
    response = client.post(
        "/graphql",
        json={"query": example.block.text, "variables": example.variables},
        headers={"Accept": "application/json", **headers},
    )
    assert response.status_code == 200, response.text
    check_graphql_answer(example.block, response.json())
    check_documented_output(example.block, example.run, response.json())


@pytest.mark.parametrize("query", EMBEDDED_QUERIES, ids=lambda query: query[0].where)
def test_graphql_inside_code_examples_is_valid(query: tuple[Block, str]) -> None:
    errors = validate(schema._schema, parse(query[1]))
    assert [error.message for error in errors] == []


def _stated(field: FieldDefinitionNode) -> str:
    arguments = [
        f"{a.name.value}: {print_ast(a.type)}" + (f" = {print_ast(a.default_value)}" if a.default_value else "")
        for a in field.arguments or ()
    ]
    return f"{field.name.value}({', '.join(arguments)}): {print_ast(field.type)}"


def _defined(name: str, field: GraphQLField) -> str:
    arguments = []
    for argument_name, argument in field.args.items():
        default = argument.default_value
        shown = "" if default is Undefined else f" = {print_ast(ast_from_value(default, argument.type))}"  # type: ignore[arg-type]
        arguments.append(f"{argument_name}: {argument.type}{shown}")
    return f"{name}({', '.join(arguments)}): {field.type}"


def schema_signatures(name: str) -> set[str]:
    """The definitions of every field called `name`, on any object type or interface of the schema."""
    return {
        _defined(name, kind.fields[name])
        for kind in schema._schema.type_map.values()
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType)
        and not kind.name.startswith("__")
        and name in kind.fields
    }


@pytest.mark.parametrize("block", SIGNATURES, ids=lambda block: block.where)
def test_field_signature_is_the_schemas(block: Block) -> None:
    for field in _signatures_of(block.text) or []:
        assert _stated(field) in schema_signatures(field.name.value)


@pytest.mark.parametrize("example", CURL_RUNS, ids=lambda run: run.name)
def test_curl_example_answers_as_documented(example: CurlRun, request: pytest.FixtureRequest) -> None:
    sent = example.request
    client, headers = service_for(example.block, request)
    response = client.request(sent.method, sent.target, headers={**sent.headers, **headers}, content=sent.body)
    if example.status is None:
        assert 200 <= response.status_code < 300, response.text
    else:
        assert response.status_code == example.status, response.text
    if sent.target.split("?")[0] == "/graphql":
        check_graphql_answer(example.block, response.json())
    if example.run == 0 and len([run for run in CURL_RUNS if run.block == example.block]) == 1:
        check_documented_output(example.block, 0, response.json())  # a block of one request: its answer


def test_every_example_block_is_understood() -> None:
    problems = [*GRAPHQL_PROBLEMS, *CURL_PROBLEMS]
    problems += [problem for path in DOCUMENTS for problem in stray_marks(path)]
    problems += [
        f"{block.where}: unknown mark {block.mark!r}"
        for block in BLOCKS
        if block.mark is not None and not KNOWN_MARKS.match(block.mark)
    ]
    problems += [
        f"{block.where}: `errors` on a block that is no GraphQL example"
        for block in BLOCKS
        if block.mark in {"errors", ERRORS_WITH_WRITE_KEY} and block.language not in {"graphql", "sh", "console"}
    ]
    assert problems == []


def test_examples_that_are_not_run_are_few_and_say_why() -> None:
    not_run = [*GRAPHQL_NOT_RUN, *CURL_NOT_RUN]
    assert len(not_run) <= MAX_NOT_RUN, [block.where for block in not_run]
    reasons = {block.where: (block.mark or "").removeprefix("not run:").strip() for block in not_run}
    assert [where for where, reason in reasons.items() if len(reason.split()) < 3] == []


def test_the_docs_hold_examples_of_every_kind() -> None:
    # Floors, not counts: a parser that stopped finding examples would otherwise pass by running nothing.
    assert len(GRAPHQL_RUNS) >= 30
    assert len(SIGNATURES) >= 10
    assert len(CURL_RUNS) >= 20
    assert len(EMBEDDED_QUERIES) >= 1
    assert sum(block.with_citations for block in BLOCKS) >= 10


def test_the_citation_script_adds_what_queries_md_says(cited_server: TestClient) -> None:
    figures = graphql(
        cited_server,
        '{ owner: author(id: "QXV0aG9yOjE") { all: computedMetrics { citationCount hIndex gIndex } }'
        ' serrurier: author(id: "QXV0aG9yOjU") { all: computedMetrics { citationCount }'
        " noSelf: computedMetrics(variant: WITHOUT_SELF_CITATIONS) { citationCount } } }",
    )
    assert figures == {
        "owner": {"all": {"citationCount": 32, "hIndex": 4, "gIndex": 4}},
        "serrurier": {"all": {"citationCount": 9}, "noSelf": {"citationCount": 8}},
    }


_GLOBAL_ID = re.compile(r"(?<![\w-])(?:QXV0aG9yO|UGFwZXI6|SW5zdGl0dXRpb246)[A-Za-z0-9_-]+")
_NAMED = re.compile(r'"id"\s*:\s*"(?P<id>[\w-]+)"\s*,\s*"(?P<field>name|title)"\s*:\s*"(?P<text>(?:[^"\\]|\\.)*)"')


def _decoded(global_id: str) -> str:
    try:
        return base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def test_ids_in_the_docs_name_what_the_seed_gives_them(seeded_server: TestClient) -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in DOCUMENTS)
    ids = sorted(set(_GLOBAL_ID.findall(text)) - set(UNKNOWN_BY_DESIGN))
    assert [i for i in ids if not re.fullmatch(r"(Author|Paper|Institution):\d+", _decoded(i))] == []
    found = graphql(
        seeded_server,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Author { name } ... on Paper { title }"
        " ... on Institution { name } } }",
        {"ids": ids},
    )["nodes"]
    assert isinstance(found, list)
    shown = dict(zip(ids, found, strict=True))
    assert [i for i, node in shown.items() if node is None] == []
    wrong = []
    for match in _NAMED.finditer(text):
        node = shown.get(match["id"])
        if node is None:
            continue
        written = json.loads(f'"{match["text"]}"')
        actual = node.get(match["field"], "")
        cut = written.split("…")[0].rstrip()
        if actual != written and not ("…" in written and actual.startswith(cut)):
            wrong.append(f"{match['id']}: docs say {written!r}, the seed gives {actual!r}")
    assert wrong == []
