"""The compiled path: a GraphQL query answered by one SQL statement that builds the response.

A document is parsed and validated once (cached by its text and operation name) with the limits the
resolver path applies. Each request then coerces its variables, resolves fragments, aliases and
`@skip`/`@include` into the plain selection of `api.db.selection`, checks every argument with the
resolver path's own rules (`api.graphql.inputs`, `api.ids`), and lets `api.db.compiled` write the
statement; PostgreSQL returns the text of `data`, which is sent as it comes.

The root fields of `RESOLVER_ROOT_FIELDS` are served by the resolver path by design: the service's own
figures (`limits`), the change feed and the corrections' history, read by mirrors and curators, not by
profile pages. Anything else returns None and the resolver path (strawberry), which stays the reference,
answers:
documents that do not parse or validate, introspection, mutations, any argument the resolver path would
refuse with an error (so every error comes from one place), ambiguous ids, and a failing statement.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    Visitor,
    get_named_type,
    is_abstract_type,
    is_object_type,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values, get_variable_values

from api.db import coauthors, metrics
from api.db.compiled import Unsupported, compile_read
from api.db.pool import Database
from api.db.selection import (
    Arguments,
    AuthorListArgs,
    CoauthorListArgs,
    Field,
    InstitutionListArgs,
    ObjectRef,
    PaperListArgs,
)
from api.errors import OverloadedError, ScholarGraphError
from api.graphql import inputs
from api.graphql.pagination import window
from api.graphql.schema import DOCUMENT_CACHE_SIZE, LIMIT_RULES, MAX_BATCH_IDS, MAX_TOKENS
from api.ids import decode_id, decode_id_of, external_id_candidates, is_external, parse_id_of

logger = logging.getLogger(__name__)


TEMPLATES_PER_DOCUMENT = 16
"""Selections kept per document, one per combination of the values `@skip`/`@include` read."""


@dataclass
class _Operation:
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    directive_variables: tuple[str, ...]
    """The variables `@skip`/`@include` read: the selection's shape depends on them alone."""
    templates: dict[tuple[Any, ...], tuple[tuple[Field, ...], frozenset[int]]] = field(default_factory=dict)
    """Per shape: the selection with `_Pending` arguments, and the ids of its fields that hold one inside."""


@dataclass(frozen=True)
class _Pending:
    """Arguments that read variables: bound per request (`_Selector.materialise`)."""

    parent: str
    name: str
    definition: GraphQLField
    node: FieldNode


@dataclass(frozen=True)
class _Refused:
    """Arguments the resolver path refuses (why): a field holding them is answered by that path."""

    reason: str


def _reads_variables(node: Node) -> bool:
    found = False

    class Finder(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    visit(node, Finder())
    return found


def _directive_variables(definitions: Sequence[Node]) -> tuple[str, ...]:
    names: list[str] = []

    class Finder(Visitor):
        def enter_directive(self, directive: DirectiveNode, *_: Any) -> None:
            for argument in directive.arguments or ():
                if isinstance(argument.value, VariableNode) and argument.value.name.value not in names:
                    names.append(argument.value.name.value)

    for definition in definitions:
        visit(definition, Finder())
    return tuple(names)


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def _snake(name: str) -> str:
    return _SNAKE.sub("_", name).lower()


RESOLVER_ROOT_FIELDS = frozenset({"limits", "changes", "corrections"})
"""Root fields the compiler leaves to the resolver path (see the module's docstring)."""


class Compiler:
    """Answers the queries it covers with one statement on `db`; None for the others."""

    def __init__(self, schema: GraphQLSchema, *, max_page_size: int) -> None:
        self.schema = schema
        self.max_page_size = max_page_size
        self._rules = (*specified_rules, *LIMIT_RULES)
        self.prepare = functools.lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(self._prepare)

    def _prepare(self, query: str, operation_name: str | None) -> _Operation | None:
        """The operation to run, parsed and validated once per document; None when it is not a valid query."""
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError:
            return None
        if validate(self.schema, document, self._rules):
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is not None:
            operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
        if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
            return None
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        if any(f.variable_definitions for f in fragments.values()):
            return None
        variables = _directive_variables([operations[0], *fragments.values()])
        return _Operation(operations[0], fragments, variables)

    def selection(
        self, query: str, variables: Mapping[str, Any] | None, operation_name: str | None
    ) -> tuple[Field, ...] | None:
        """The plain selection of a request, or None when the resolver path must answer it."""
        prepared = self.prepare(query, operation_name)
        if prepared is None:
            return None
        coerced = get_variable_values(self.schema, prepared.operation.variable_definitions or (), dict(variables or {}))
        if not isinstance(coerced, VariableValues):
            return None
        query_type = self.schema.query_type
        assert query_type is not None
        selector = _Selector(self, prepared, coerced)
        shape = tuple(coerced.coerced.get(name) for name in prepared.directive_variables)
        try:
            cached = prepared.templates.get(shape)
            if cached is None:
                template = selector.select(query_type, [prepared.operation.selection_set])
                cached = template, frozenset(_dynamic_fields(template))
                if len(prepared.templates) < TEMPLATES_PER_DOCUMENT:
                    prepared.templates[shape] = cached
            return selector.materialise(*cached)
        except (Unsupported, ScholarGraphError):
            return None

    async def execute(
        self, db: Database, query: str, variables: Mapping[str, Any] | None, operation_name: str | None
    ) -> str | None:
        """The text of the response's `data`, or None when the resolver path must answer."""
        fields = self.selection(query, variables, operation_name)
        if fields is None:
            return None
        try:
            sql, params = compile_read(fields, metrics.current_year())
        except (Unsupported, ScholarGraphError) as error:
            logger.debug("resolver path for this query: %s", error)
            return None
        try:
            text: str = await db.fetchval(sql, *params)
        except (OverloadedError, asyncpg.QueryCanceledError):
            raise  # shed, or timed out: the resolver path would only wait again
        except Exception as error:  # the resolver path meets it again and answers it as it should
            logger.debug("the compiled statement failed, the resolver path answers: %s", error)
            return None
        return text


class _Selector:
    """Walks one operation with one request's variables into `Field`s, as graphql-core's executor would."""

    def __init__(self, compiler: Compiler, prepared: _Operation, variables: VariableValues) -> None:
        self.schema = compiler.schema
        self.max_page_size = compiler.max_page_size
        self.fragments = prepared.fragments
        self.variables = variables

    def select(self, parent: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]) -> tuple[Field, ...]:
        selected = []
        for key, nodes in self._collect(parent, selection_sets).items():
            name = nodes[0].name.value
            if name == "__typename":
                selected.append(Field(key, name))
                continue
            if name.startswith("__"):
                raise Unsupported("introspection")
            definition = parent.fields[name]
            bound: object
            if nodes[0].arguments and _reads_variables(nodes[0]):
                bound = _Pending(parent.name, name, definition, nodes[0])
            else:  # literal arguments and defaults: bound once per document
                bound = self._bind_or_refuse(parent.name, name, get_argument_values(definition, nodes[0]))
            inner = [n.selection_set for n in nodes if n.selection_set is not None]
            named = get_named_type(definition.type)
            if is_object_type(named):
                assert isinstance(named, GraphQLObjectType)
                selected.append(Field(key, name, bound, fields=self.select(named, inner)))
            elif is_abstract_type(named):
                possible = self.schema.get_possible_types(named)
                by_type = {t.name: self.select(t, inner) for t in possible}
                selected.append(Field(key, name, bound, by_type=by_type))
            else:
                selected.append(Field(key, name, bound))
        return tuple(selected)

    def materialise(self, template: tuple[Field, ...], dynamic: frozenset[int]) -> tuple[Field, ...]:
        """`template` with the arguments that read variables bound to this request's values; the fields
        that read none (those not in `dynamic`) are shared with the template."""
        self._dynamic = dynamic
        return tuple(self._materialise(f) for f in template)

    def _materialise(self, template: Field) -> Field:
        if id(template) not in self._dynamic:
            return template
        args: object = template.args
        if isinstance(args, _Pending):
            values = get_argument_values(args.definition, args.node, self.variables)
            args = self._bind_or_refuse(args.parent, args.name, values)
        fields = tuple(self._materialise(f) for f in template.fields)
        by_type = {t: tuple(self._materialise(f) for f in fs) for t, fs in template.by_type.items()}
        return Field(template.key, template.name, args, fields, by_type)

    def _collect(
        self, parent: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """The fields of `parent` selected, by response key in first-seen order (the spec's CollectFields)."""
        collected: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for node in selection_set.selections:
                assert isinstance(node, FieldNode | InlineFragmentNode | FragmentSpreadNode)
                if not self._included(node):
                    continue
                if isinstance(node, FieldNode):
                    key = node.alias.value if node.alias else node.name.value
                    collected.setdefault(key, []).append(node)
                elif isinstance(node, InlineFragmentNode):
                    if node.type_condition is None or self._applies(node.type_condition.name.value, parent):
                        visit(node.selection_set)
                elif isinstance(node, FragmentSpreadNode):
                    name = node.name.value
                    if name in visited:
                        continue
                    visited.add(name)
                    fragment = self.fragments.get(name)
                    if fragment is not None and self._applies(fragment.type_condition.name.value, parent):
                        visit(fragment.selection_set)

        for selection_set in selection_sets:
            visit(selection_set)
        return collected

    def _included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip["if"]:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return include is None or bool(include["if"])

    def _applies(self, condition: str, parent: GraphQLObjectType) -> bool:
        if condition == parent.name:
            return True
        condition_type = self.schema.get_type(condition)
        return (
            condition_type is not None
            and is_abstract_type(condition_type)
            and self.schema.is_sub_type(condition_type, parent)
        )

    # --- arguments, checked and translated as the resolvers do -------------------------------------------

    def _bind_or_refuse(self, type_name: str, field: str, args: dict[str, Any]) -> object:
        """The bound arguments, or `_Refused` when the resolver path would answer them with an error. The
        refusal matters only if the field is read: a fragment on a type the object is not is never run,
        so its arguments are never checked (the data layer refuses to compile a `_Refused` it meets)."""
        try:
            return self._bind(type_name, field, args)
        except ScholarGraphError as error:
            return _Refused(str(error))

    def _bind(self, type_name: str, field: str, args: dict[str, Any]) -> Arguments | None:
        if type_name == "Query":
            if field in ("author", "paper"):
                return _ref(field.capitalize(), str(args["id"]))
            if field == "institution":
                return ObjectRef("Institution", row=decode_id_of("Institution", str(args["id"])))
            if field == "node":
                return _node_ref(str(args["id"]))
            if field in ("nodes", "authorsByIds", "papersByIds"):
                ids = [str(i) for i in args["ids"]]
                if len(ids) > MAX_BATCH_IDS:
                    raise Unsupported("too many ids")
                if field == "nodes":
                    return tuple(_node_ref(i) for i in ids)
                return tuple(_ref("Author" if field == "authorsByIds" else "Paper", i) for i in ids)
            if field == "institutions":
                term = inputs.search_term(args.get("search")) or None
                return InstitutionListArgs(term, window(args["first"], args.get("after"), self.max_page_size))
        if field in ("papers", "references", "citedBy", "sharedPapers"):
            return self._paper_list(args)
        if field == "authors" and type_name in ("Query", "Institution"):
            return self._author_list(args)
        if field == "coauthors":
            order = coauthors.CoauthorOrder((args.get("orderBy") or inputs.CoauthorOrder.SHARED_PAPERS).value)
            return CoauthorListArgs(order, window(args["first"], args.get("after"), self.max_page_size))
        if field == "computedMetrics":
            return metrics.Variant(args["variant"].value)
        if args:
            raise Unsupported(f"arguments of {type_name}.{field}")
        return None

    def _paper_list(self, args: dict[str, Any]) -> PaperListArgs:
        given = args.get("filter")
        data_filter = inputs.paper_filter(
            args.get("search"),
            None if given is None else inputs.PaperFilter(**{_snake(k): v for k, v in given.items()}),
        )
        order = inputs.paper_order(args.get("orderBy"), data_filter)
        return PaperListArgs(data_filter, order, window(args["first"], args.get("after"), self.max_page_size))

    def _author_list(self, args: dict[str, Any]) -> AuthorListArgs:
        given = args.get("filter")
        data_filter = inputs.author_filter(
            args.get("search"),
            None if given is None else inputs.AuthorFilter(**{_snake(k): v for k, v in given.items()}),
        )
        order = inputs.author_order(args.get("orderBy"), data_filter)
        return AuthorListArgs(data_filter, order, window(args["first"], args.get("after"), self.max_page_size))


def _dynamic_fields(fields: Sequence[Field]) -> set[int]:
    """The ids of the fields with `_Pending` arguments in themselves or inside."""
    found: set[int] = set()

    def walk(f: Field) -> bool:
        inner = [walk(c) for c in f.fields] + [walk(c) for cs in f.by_type.values() for c in cs]
        if isinstance(f.args, _Pending) or any(inner):
            found.add(id(f))
            return True
        return False

    for f in fields:
        walk(f)
    return found


def _ref(type_name: str, text: str) -> ObjectRef:
    found = parse_id_of(type_name, text)  # type: ignore[arg-type]
    if isinstance(found, int):
        return ObjectRef(type_name, row=found)  # type: ignore[arg-type]
    return ObjectRef(type_name, external=found)  # type: ignore[arg-type]


def _node_ref(text: str) -> ObjectRef:
    if is_external(text):
        candidates = external_id_candidates(text)
        if len(candidates) != 1:
            raise Unsupported("an external id of two readings")  # the resolver path tells which names something
        return ObjectRef(candidates[0].kind, external=candidates[0])
    type_name, row = decode_id(text)
    return ObjectRef(type_name, row=row)
