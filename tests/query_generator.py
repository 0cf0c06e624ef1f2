"""Random GraphQL requests over the schema, for the differential tests.

`generate(chooser, context)` writes one operation: random root fields, random subsets of each type's
fields (walked from the schema graphql-core holds, so a field added to the schema is generated too),
nested lists with random `first` and `after` cursors of real pages (of the same list and ordering, of
another ordering, malformed), random searches, filters and orderings drawn from the data, aliases, named
and inline fragments, `node`/`nodes` with ids of each type, unknown and malformed ids, `@skip`/`@include`
with literals and variables, `__typename`, arguments inline or as variables. A few draws in a hundred
give an invalid argument on purpose (RELEVANCE without search, `first` out of range, an id of another
type, a filter the service refuses), so that errors and null propagation are compared too.

`vary(chooser, context, request)` varies a given request (a contract or docs query): its variables drawn
again from the data, selections dropped, the `first` literals changed.

Every choice goes through a `Chooser`: `HypothesisChooser` (shrinks towards the first option of each
choice: fewer fields, smaller pages, no alias) or `RandomChooser` (a seeded `random.Random`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from differential import Request
from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    get_named_type,
    is_leaf_type,
    parse,
    print_ast,
    visit,
)
from hypothesis import strategies as st
from rich_data import Samples

from api.ids import encode_id

T = TypeVar("T")


class Chooser(Protocol):
    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]; the simplest is `low`."""
        ...


class HypothesisChooser:
    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return int(self.data.draw(st.integers(low, high)))


class RandomChooser:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)


def choice(chooser: Chooser, options: Sequence[T]) -> T:
    return options[chooser.integer(0, len(options) - 1)]


def chance(chooser: Chooser, percent: int) -> bool:
    """True `percent` times in a hundred; shrinks to False."""
    return chooser.integer(0, 99) >= 100 - percent


def subset(chooser: Chooser, options: Sequence[T], most: int) -> list[T]:
    """1 to `most` distinct options, in a random order."""
    remaining = list(options)
    picked = [remaining.pop(chooser.integer(0, len(remaining) - 1))]
    for _ in range(chooser.integer(0, min(most, len(options)) - 1)):
        picked.append(remaining.pop(chooser.integer(0, len(remaining) - 1)))
    return picked


@dataclass(frozen=True)
class Context:
    """What requests are drawn from: the schema, values of the database, cursors of real pages."""

    schema: GraphQLSchema
    samples: Samples
    cursors: dict[tuple[str, str], list[str]]
    max_page_size: int = 100
    valid_only: bool = False  # no argument the service refuses (for the coverage tests)


class Enum(str):
    """An enum value: written bare in a literal, as a string in variables."""


OMIT = object()

UNKNOWN_IDS = [encode_id("Author", 999_999), encode_id("Paper", 999_999), encode_id("Institution", 999_999)]
MALFORMED_IDS = ["not-a-real-id", "", "QXV0aG9yOmFiYw", "Zm9vOjE", "doi:", "orcid:0000-0002-1825-009X", "s2:abc"]
MALFORMED_CURSORS = ["", "not a cursor", "WyJ4Il0", "W10", "WyJwYXBlcnM6bmV3ZXN0IiwieCJd", "e30"]
SEARCH_EXTRAS = ['"graph neural"', "learning -graph", "graph or captioning", "Béthune", "ÉCOLE", "  ", "-", "a"]


def literal(value: Any) -> str:
    """`value` written as a GraphQL literal."""
    if value is None:
        return "null"
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {literal(item)}" for key, item in value.items()) + "}"
    raise TypeError(value)


def _list_kind(type_: GraphQLType) -> str | None:
    name = get_named_type(type_).name
    return {
        "PaperConnection": "paper",
        "AuthorConnection": "author",
        "CoauthorConnection": "coauthor",
        "InstitutionConnection": "institution",
    }.get(name)


def _is_list_of_objects(type_: GraphQLType) -> bool:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return (isinstance(inner, GraphQLList) and not is_leaf_type(get_named_type(inner))) or _list_kind(type_) is not None


@dataclass
class Generator:
    chooser: Chooser
    context: Context
    variable_definitions: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    fragments: list[str] = field(default_factory=list)
    names: int = 0

    # --- values ----------------------------------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def pick(self, options: Sequence[T]) -> T:
        return choice(self.chooser, options)

    def chance(self, percent: int) -> bool:
        return chance(self.chooser, percent)

    def invalid(self, percent: int) -> bool:
        """Whether to give an argument the service refuses (never with `valid_only`)."""
        return not self.context.valid_only and self.chance(percent)

    def page_size(self, lists: int) -> Any:
        if self.invalid(3):
            return self.pick([self.context.max_page_size + 1, -1])
        if lists == 0:
            return self.pick([2, 0, 1, 3, 5, 10, 20, self.context.max_page_size])
        return self.pick([2, 0, 1, 3, 5])

    def an_id(self, kind: str) -> str:
        """An id for a look-up of `kind` (Author, Paper, Institution or Node): mostly one of that kind."""
        samples = self.context.samples
        by_kind = {
            "Author": samples.rich_author_ids + samples.author_ids,
            "Paper": samples.cited_paper_ids + samples.paper_ids,
            "Institution": samples.institution_ids,
        }
        roll = self.chooser.integer(0, 89 if self.context.valid_only else 99)
        if roll < 70:
            if kind == "Node":
                kind = self.pick(["Author", "Paper", "Institution"])
            ids = by_kind[kind]
            return ids[self.chooser.integer(0, min(len(ids), 60) - 1)] if self.chance(80) else self.pick(ids)
        if roll < 82 and kind in ("Author", "Paper", "Node"):
            external = {
                "Author": samples.external_author_ids,
                "Paper": samples.external_paper_ids,
                "Node": samples.external_author_ids + samples.external_paper_ids,
            }[kind]
            return self.pick(external)
        if roll < 90:
            return self.pick(UNKNOWN_IDS)
        if roll < 95:
            return self.pick(by_kind[self.pick(["Author", "Paper", "Institution"])])  # maybe another kind's
        return self.pick(MALFORMED_IDS)

    def search(self, kind: str) -> str:
        samples = self.context.samples
        if self.invalid(3):
            return self.pick(["x" * 501, "nul\u0000byte"])
        if kind == "paper":
            if self.chance(20):
                return self.pick(SEARCH_EXTRAS)
            words = [self.pick(samples.title_words) for _ in range(self.chooser.integer(1, 2))]
            return " ".join(words)
        if kind == "institution":
            return self.pick(samples.institution_words)
        word = self.pick(samples.name_words)
        if self.chance(20):
            return word[: max(2, len(word) - 2)]  # a prefix
        if self.chance(15):
            return word[:-2] + word[-1:] if len(word) > 3 else word  # a typo
        return word

    def date(self) -> str:
        years = self.context.samples.years
        year = self.pick(years[-30:]) if self.chance(80) else self.pick(years)
        return f"{year:04d}-{self.pick(['01-01', '06-30', '12-31'])}"

    def paper_filter(self) -> dict[str, Any]:
        samples = self.context.samples
        options = [
            "categories", "publishedFrom", "publishedTo", "hasCode", "authorId", "institutionId", "minCitations",
            "updatedSince",
        ]  # fmt: skip
        given: dict[str, Any] = {}
        for name in subset(self.chooser, options, 3):
            if name == "categories":
                given[name] = ["cs.LG"] * 51 if self.invalid(5) else subset(self.chooser, samples.categories, 3)
            elif name in ("publishedFrom", "publishedTo"):
                given[name] = self.date()
            elif name == "hasCode":
                given[name] = self.chance(50)
            elif name == "authorId":
                given[name] = self.an_id("Author")
            elif name == "institutionId":
                given[name] = self.an_id("Institution")
            elif name == "minCitations":
                given[name] = self.pick([1, 0, 2, 5, 50] if self.context.valid_only else [1, 0, 2, 5, 50, -1])
            else:
                given[name] = "2026-13-01T00:00:00Z" if self.invalid(5) else self.pick(samples.moments)
        if self.context.valid_only and {"publishedFrom", "publishedTo"} <= set(given):
            given["publishedFrom"], given["publishedTo"] = sorted([given["publishedFrom"], given["publishedTo"]])
        return given

    def author_filter(self) -> dict[str, Any]:
        samples = self.context.samples
        given: dict[str, Any] = {}
        for name in subset(
            self.chooser, ["categories", "institutionId", "minHIndex", "minCitations", "updatedSince"], 2
        ):
            if name == "categories":
                given[name] = subset(self.chooser, samples.categories, 3)
            elif name == "institutionId":
                given[name] = self.an_id("Institution")
            elif name in ("minHIndex", "minCitations"):
                given[name] = self.pick([1, 0, 2, 5] if self.context.valid_only else [1, 0, 2, 5, -1])
            else:
                given[name] = self.pick(samples.moments)
        return given

    def cursor(self, kind: str, order: str) -> str | None:
        pool = self.context.cursors
        if self.context.valid_only:
            return self.pick(pool[(kind, order)]) if (kind, order) in pool else None
        roll = self.chooser.integer(0, 99)
        if roll < 75 and (kind, order) in pool:
            return self.pick(pool[(kind, order)])
        if roll < 92:
            return self.pick(pool[self.pick(sorted(pool))])  # another ordering's, or another list's
        return self.pick(MALFORMED_CURSORS)

    def list_arguments(self, kind: str, field_def: GraphQLField, lists: int) -> dict[str, Any]:
        """Arguments of a connection field: search, filter, orderBy, first, after."""
        arguments: dict[str, Any] = {}
        has = field_def.args
        searching = "search" in has and self.chance(30)
        if searching:
            arguments["search"] = self.search(kind)
        if "filter" in has and self.chance(30):
            arguments["filter"] = self.paper_filter() if kind == "paper" else self.author_filter()
        order = {"paper": "NEWEST", "author": "NAME", "coauthor": "SHARED_PAPERS", "institution": "NAME"}[kind]
        if searching:
            order = "SEARCH" if kind == "institution" else "RELEVANCE"
        if "orderBy" in has and self.chance(50):
            enum = get_named_type(has["orderBy"].type)
            assert isinstance(enum, GraphQLEnumType)
            values = [v for v in enum.values if v != "RELEVANCE" or searching or self.invalid(10)]
            order = self.pick(values)
            arguments["orderBy"] = Enum(order)
        if lists >= 1 or self.chance(85):
            arguments["first"] = self.page_size(lists)
        if self.chance(30):
            cursor = self.cursor(kind, order)
            if cursor is not None:
                arguments["after"] = cursor
        return arguments

    def arguments(self, parent: str, name: str, field_def: GraphQLField, lists: int) -> dict[str, Any]:
        kind = _list_kind(field_def.type)
        if kind is not None:
            return self.list_arguments(kind, field_def, lists)
        arguments: dict[str, Any] = {}
        for arg_name, arg in field_def.args.items():
            value = self.argument(parent, name, arg_name, arg)
            if value is not OMIT:
                arguments[arg_name] = value
        return arguments

    def argument(self, parent: str, field_name: str, arg_name: str, arg: GraphQLArgument) -> Any:
        """A value for an argument outside connections (look-ups, variants), or OMIT."""
        named = get_named_type(arg.type)
        if arg_name == "id":
            kind = {"author": "Author", "paper": "Paper", "institution": "Institution"}.get(field_name, "Node")
            return self.an_id(kind)
        if arg_name == "ids":
            kind = {"authorsByIds": "Author", "papersByIds": "Paper"}.get(field_name, "Node")
            if self.invalid(2):
                return [self.an_id(kind) for _ in range(1_001)]
            return [self.an_id(kind) for _ in range(self.chooser.integer(0, 6))]
        if isinstance(named, GraphQLEnumType):
            optional = not isinstance(arg.type, GraphQLNonNull) or arg.default_value is not None
            if optional and self.chance(30):
                return OMIT
            return Enum(self.pick(list(named.values)))
        if arg_name == "first":
            return self.page_size(1)
        if arg_name == "search":
            return self.search("institution" if parent == "Query" and field_name == "institutions" else "author")
        if arg_name == "after":
            return OMIT
        if isinstance(named, GraphQLInputObjectType):
            return OMIT
        return OMIT

    # --- selections -----------------------------------------------------------------------------------------

    def argument_text(self, arguments: dict[str, Any], field_def: GraphQLField) -> str:
        if not arguments:
            return ""
        parts = []
        for name, value in arguments.items():
            if self.chance(25):
                variable = self.fresh("v")
                self.variable_definitions.append(f"${variable}: {field_def.args[name].type}")
                self.variables[variable] = value
                parts.append(f"{name}: ${variable}")
            else:
                parts.append(f"{name}: {literal(value)}")
        return "(" + ", ".join(parts) + ")"

    def directive(self) -> str:
        if not self.chance(8):
            return ""
        name = self.pick(["skip", "include"])
        if self.chance(50):
            return f" @{name}(if: {literal(self.chance(50))})"
        variable = self.fresh("b")
        self.variable_definitions.append(f"${variable}: Boolean!")
        self.variables[variable] = self.chance(50)
        return f" @{name}(if: ${variable})"

    def field(
        self, parent: GraphQLObjectType, name: str, depth: int, lists: int, in_fragment: bool, alias: bool = False
    ) -> str:
        field_def = parent.fields[name]
        arguments = self.arguments(parent.name, name, field_def, lists)
        text = name + self.argument_text(arguments, field_def)
        if alias or self.chance(10) or (in_fragment and field_def.args):
            text = f"{self.fresh('a')}: {text}"
        text += self.directive()
        named = get_named_type(field_def.type)
        if not is_leaf_type(named):
            inner_lists = lists + (1 if _is_list_of_objects(field_def.type) else 0)
            text += " " + self.selection_set(named, depth + 1, inner_lists, in_fragment)
        return text

    def selection_set(
        self, type_: GraphQLObjectType | GraphQLInterfaceType, depth: int, lists: int, in_fragment: bool
    ) -> str:
        if isinstance(type_, GraphQLInterfaceType):
            return self.node_selection(depth, lists, in_fragment)
        parts = self.selections(type_, depth, lists, in_fragment)
        if self.chance(8):  # part of the selection in a fragment
            spread = self.fragment(type_, depth, lists)
            parts.insert(self.chooser.integer(0, len(parts)), spread)
        if self.chance(5):
            parts.append(
                "... " + self.directive().strip() + " { " + " ".join(self.selections(type_, depth, lists, True)) + " }"
            )
        return "{ " + " ".join(parts) + " }"

    def selections(self, type_: GraphQLObjectType, depth: int, lists: int, in_fragment: bool) -> list[str]:
        names = list(type_.fields)
        if depth >= 6 or lists >= 3:
            leaves = [n for n in names if is_leaf_type(get_named_type(type_.fields[n].type))]
            flat = [n for n in names if not _is_list_of_objects(type_.fields[n].type)]
            names = leaves or flat or names
        parts = [self.field(type_, name, depth, lists, in_fragment) for name in subset(self.chooser, names, 5)]
        if self.chance(10):
            parts.insert(self.chooser.integer(0, len(parts)), "__typename")
        return parts

    def fragment(self, type_: GraphQLObjectType, depth: int, lists: int) -> str:
        name = self.fresh("F")
        body = " ".join(self.selections(type_, depth, lists, True))
        self.fragments.append(f"fragment {name} on {type_.name} {{ {body} }}")
        return f"...{name}" + self.directive()

    def node_selection(self, depth: int, lists: int, in_fragment: bool) -> str:
        parts: list[str] = []
        if self.chance(70):
            parts.append("id")
        if self.chance(40):
            parts.append("__typename")
        for type_name in ("Author", "Paper", "Institution"):
            if not self.chance(50):
                continue
            type_ = self.context.schema.get_type(type_name)
            assert isinstance(type_, GraphQLObjectType)
            if self.chance(25):
                parts.append(self.fragment(type_, depth, lists))
            else:
                body = " ".join(self.selections(type_, depth, lists, True))
                parts.append(f"... on {type_name}{self.directive()} {{ {body} }}")
        return "{ " + " ".join(parts or ["id"]) + " }"

    def operation(self) -> Request:
        query = self.context.schema.query_type
        assert query is not None
        weighted = [
            "authors", "papers", "author", "paper", "node", "nodes", "authorsByIds", "papersByIds",
            "institutions", "institution", "authors", "papers", "author", "paper",
        ]  # fmt: skip
        roots = [self.pick(weighted) for _ in range(self.chooser.integer(1, 3))]
        seen: set[str] = set()
        parts = []
        for name in roots:
            parts.append(self.field(query, name, 1, 0, False, alias=name in seen))
            seen.add(name)
        named = self.chance(50)
        header = "query"
        if named:
            header += " " + self.fresh("Op")
        if self.variable_definitions:
            header += "(" + ", ".join(self.variable_definitions) + ")"
        body = "{ " + " ".join(parts) + " }"
        if header == "query" and self.chance(50):
            header = ""
        text = "\n".join([(header + " " + body).strip(), *self.fragments])
        method = "GET" if self.chance(10) else "POST"
        accept = "application/graphql-response+json" if self.chance(20) else "application/json"
        return Request(text, dict(self.variables), label="generated", method=method, accept=accept)


def generate(chooser: Chooser, context: Context) -> Request:
    """One random operation over the schema (see the module)."""
    return Generator(chooser, context).operation()


# --- variations of given requests ---------------------------------------------------------------------------


def _used_variables(operation: OperationDefinitionNode) -> set[str]:
    used: set[str] = set()

    class Uses(Visitor):
        def enter_variable_definition(self, *_: Any) -> Any:
            return Visitor.SKIP

        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            used.add(node.name.value)

    visit(operation, Uses())
    return used


def vary(chooser: Chooser, context: Context, request: Request) -> Request:
    """`request` varied: selections dropped (one kept in each set), `first` literals changed, and each
    variable used as an argument drawn again from the data as `generate` would draw that argument."""
    generator = Generator(chooser, context)
    usages: dict[str, tuple[str, str, GraphQLField, str]] = {}
    type_info = TypeInfo(context.schema)

    class Walk(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
            field_def, parent = type_info.get_field_def(), type_info.get_parent_type()
            if field_def is None or parent is None:
                return None
            if isinstance(node.value, VariableNode):
                fields = getattr(parent, "fields", {})
                field_name = next((n for n, f in fields.items() if f is field_def), "")
                usages[node.value.name.value] = (parent.name, field_name, field_def, node.name.value)
            elif isinstance(node.value, IntValueNode) and node.name.value == "first" and chance(chooser, 40):
                return replace(node, value=IntValueNode(value=str(generator.page_size(1))))
            return None

        def leave_selection_set(self, node: SelectionSetNode, *_: Any) -> Any:
            droppable = [s for s in node.selections if isinstance(s, FieldNode)]
            if len(node.selections) > 1 and droppable and chance(chooser, 30):
                dropped = choice(chooser, droppable)
                return replace(node, selections=tuple(s for s in node.selections if s is not dropped))
            return None

    document: DocumentNode = visit(parse(request.query), TypeInfoVisitor(type_info, Walk()))
    variables = dict(request.variables or {})
    for name, (parent, field_name, field_def, arg_name) in usages.items():
        if not chance(chooser, 70):
            continue
        kind = _list_kind(field_def.type)
        if kind is not None:
            value = generator.list_arguments(kind, field_def, 1).get(arg_name, OMIT)
        else:
            value = generator.argument(parent, field_name, arg_name, field_def.args[arg_name])
        if value is not OMIT:
            variables[name] = value
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.variable_definitions:
            used = _used_variables(definition)
            kept = tuple(d for d in definition.variable_definitions if d.variable.name.value in used)
            definition = replace(definition, variable_definitions=kept)
            variables = {k: v for k, v in variables.items() if k in used}
        definitions.append(definition)
    return Request(
        print_ast(replace(document, definitions=tuple(definitions))),
        variables,
        operation_name=request.operation_name,
        label=f"variation of {request.label}",
        method=request.method,
        accept=request.accept,
    )
