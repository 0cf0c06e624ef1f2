"""The cost of a GraphQL operation, computed from its selection and page sizes before anything runs.

The formula (GitHub's node estimate, adapted; docs/limits.md states it for users):

    cost = 1 + Σ over each list L the operation selects:  (sizes of the lists enclosing L, multiplied) x size(L)

where a list is
- a connection (`papers`, `coauthors`, `citedBy`, ...): size = its `first` (the argument's default when
  not given, at most the largest page size); a connection from which only `totalCount`, `pageInfo` or
  `facets` are read still counts 1;
- a batch look-up (`nodes`, `authorsByIds`, `papersByIds`): size = the number of ids;
- a list of records with no page size that leads to more records (a paper's `authors`, `authorships`,
  `institutions`): size = UNPAGED_LIST_SIZE, an estimate.

Everything else is free: scalars, single objects (they come with their parent), lists of plain values
(`externalIds`, `countsByYear`, facets), introspection. A fragment counts where it is spread. The cost is
an upper bound of the records a response can hold: what the limits charge, whatever the data holds.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    is_list_type,
    parse,
    visit,
)

UNPAGED_LIST_SIZE = 10
"""The size assumed for a list of records that has no page size (a paper's authors)."""
REQUEST_COST = 1
CONNECTION_SUFFIX = "Connection"
_PAGE_FIELDS = frozenset({"nodes", "edges"})

Variables = Mapping[str, Any]


class CostCalculator:
    """Costs operations against one schema; `max_page_size` caps every `first`, as execution does."""

    def __init__(self, schema: GraphQLSchema, *, max_page_size: int, max_tokens: int) -> None:
        self.schema = schema
        self.max_page_size = max_page_size
        self.max_tokens = max_tokens
        self._leads_to_records: dict[str, bool] = {}
        self._costs: dict[tuple[Any, ...], int] = {}

    def cost(self, query: str, variables: Variables | None = None, operation_name: str | None = None) -> int:
        """The operation's cost; REQUEST_COST for a document that does not parse or names no operation (its
        execution fails before any SQL, so it costs only the request).

        Costs are remembered by document, operation and the values of the variables that size a list (a
        `first`, the `ids` of a batch): a profile page asked again for another author costs no walk."""
        try:
            sizing = _sizing_variables(query, self.max_tokens)
        except GraphQLError:  # unparsable, or more tokens than allowed
            return REQUEST_COST
        given = variables or {}
        key = (query, operation_name, tuple((name, _size_of(given.get(name, _ABSENT))) for name in sizing))
        known = self._costs.get(key)
        if known is None:
            known = self._walk(query, given, operation_name)
            if len(self._costs) >= COST_CACHE_SIZE:
                self._costs.clear()
            self._costs[key] = known
        return known

    def _walk(self, query: str, variables: Variables, operation_name: str | None) -> int:
        document = _parsed(query, self.max_tokens)
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
        if len(chosen) != 1:
            return REQUEST_COST
        operation = chosen[0]
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return REQUEST_COST
        walk = _Walk(self, fragments, _variable_values(operation, variables))
        return REQUEST_COST + walk.selection(root, operation.selection_set, multiplier=1, in_page=False)

    def leads_to_records(self, type_: GraphQLNamedType) -> bool:
        """Whether a type holds, at any depth, a record (a type with an `id`) or a connection: a list of it
        multiplies what lies below; a list of anything else is a list of plain values."""
        name = type_.name
        if name not in self._leads_to_records:
            self._leads_to_records[name] = False  # a cycle reaches nothing new
            self._leads_to_records[name] = self._compute_leads(type_)
        return self._leads_to_records[name]

    def _compute_leads(self, type_: GraphQLNamedType) -> bool:
        if not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            return False
        if "id" in type_.fields or type_.name.endswith(CONNECTION_SUFFIX):
            return True
        return any(self.leads_to_records(get_named_type(f.type)) for f in type_.fields.values())


COST_CACHE_SIZE = 4_096
_SIZING_ARGUMENTS = frozenset({"first", "ids"})
_ABSENT = object()


@functools.lru_cache(maxsize=1_024)
def _parsed(query: str, max_tokens: int) -> Any:
    return parse(query, max_tokens=max_tokens)


@functools.lru_cache(maxsize=1_024)
def _sizing_variables(query: str, max_tokens: int) -> tuple[str, ...]:
    """The variables a document passes to `first` or `ids` arguments: the only ones its cost depends on."""
    names: set[str] = set()

    class Sizing(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            if node.name.value in _SIZING_ARGUMENTS and isinstance(node.value, VariableNode):
                names.add(node.value.name.value)

    visit(_parsed(query, max_tokens), Sizing())
    return tuple(sorted(names))


def _size_of(value: Any) -> Any:
    """What of a variable's value a cost depends on: a list's length, an integer, or nothing else."""
    if isinstance(value, list):
        return ("list", len(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _variable_values(operation: OperationDefinitionNode, given: Variables) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name in given:
            values[name] = given[name]
        elif definition.default_value is not None:
            values[name] = _literal(definition.default_value, {})
    return values


def _literal(node: ValueNode, variables: Mapping[str, Any]) -> Any:
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, ListValueNode):
        return [_literal(item, variables) for item in node.values]
    return None


class _Walk:
    def __init__(
        self, calculator: CostCalculator, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ) -> None:
        self.calculator = calculator
        self.fragments = fragments
        self.variables = variables
        # A fragment's cost is linear in its multiplier: each is walked once (at 1) per placement kind,
        # so that fragments spreading fragments twice over cannot make the walk exponential.
        self._fragment_costs: dict[tuple[str, bool], int] = {}

    def selection(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        *,
        multiplier: int,
        in_page: bool,
    ) -> int:
        """The cost of a selection on `parent`, each list in it counted `multiplier` times. `in_page`: the
        selection is a connection's or an edge's, whose `nodes`, `edges` and `node` its connection counted."""
        if selection_set is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node, multiplier=multiplier, in_page=in_page)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                on = self.calculator.schema.get_type(condition.name.value) if condition else parent
                if on is not None:
                    total += self.selection(on, node.selection_set, multiplier=multiplier, in_page=in_page)
            elif isinstance(node, FragmentSpreadNode):
                total += multiplier * self.fragment(node.name.value, in_page=in_page)
        return total

    def fragment(self, name: str, *, in_page: bool) -> int:
        key = (name, in_page)
        if key not in self._fragment_costs:
            self._fragment_costs[key] = 0  # a fragment spreading itself (validation refuses it) adds nothing
            fragment = self.fragments.get(name)
            on = self.calculator.schema.get_type(fragment.type_condition.name.value) if fragment else None
            if fragment is not None and on is not None:
                self._fragment_costs[key] = self.selection(on, fragment.selection_set, multiplier=1, in_page=in_page)
        return self._fragment_costs[key]

    def field(self, parent: GraphQLNamedType, node: FieldNode, *, multiplier: int, in_page: bool) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:  # introspection, or a field validation will refuse
            return 0
        target = get_named_type(definition.type)
        name = node.name.value
        if in_page and name in _PAGE_FIELDS | {"node"}:  # the page its connection counted: edges, then items
            return self.selection(target, node.selection_set, multiplier=multiplier, in_page=name == "edges")
        size = self._list_size(definition, node, target)
        if size is None:  # a single object, or a list of plain values
            return self.selection(target, node.selection_set, multiplier=multiplier, in_page=False)
        is_connection = target.name.endswith(CONNECTION_SUFFIX)
        # a connection only counted (`totalCount`) costs one look, not a page
        charged = multiplier if is_connection and not _reads_items(node, self.fragments) else multiplier * size
        below = self.selection(target, node.selection_set, multiplier=multiplier * size, in_page=is_connection)
        return charged + below

    def _list_size(self, definition: GraphQLField, node: FieldNode, target: GraphQLNamedType) -> int | None:
        """The number of items a list field may answer; None for a field that is not a counted list."""
        if "first" in definition.args and target.name.endswith(CONNECTION_SUFFIX):
            first = self._argument(node, "first")
            if not isinstance(first, int) or isinstance(first, bool):
                default = definition.args["first"].default_value
                first = default if isinstance(default, int) else self.calculator.max_page_size
            return max(0, min(first, self.calculator.max_page_size))
        if "ids" in definition.args:
            ids = self._argument(node, "ids")
            return len(ids) if isinstance(ids, list) else 1
        if is_list_type(get_nullable_type(definition.type)) and self.calculator.leads_to_records(target):
            return UNPAGED_LIST_SIZE
        return None

    def _argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return _literal(argument.value, self.variables)
        return None


def _reads_items(node: FieldNode, fragments: Mapping[str, FragmentDefinitionNode]) -> bool:
    """Whether a connection's selection reads its items (`nodes` or `edges`), directly or in fragments."""
    known: dict[str, bool] = {}

    def reads(selection_set: SelectionSetNode | None) -> bool:
        for child in selection_set.selections if selection_set else ():
            if isinstance(child, FieldNode) and child.name.value in _PAGE_FIELDS:
                return True
            if isinstance(child, InlineFragmentNode) and reads(child.selection_set):
                return True
            if isinstance(child, FragmentSpreadNode):
                name = child.name.value
                if name not in known:
                    known[name] = False  # each fragment looked into once; a cycle adds nothing
                    fragment = fragments.get(name)
                    known[name] = fragment is not None and reads(fragment.selection_set)
                if known[name]:
                    return True
        return False

    return reads(node.selection_set)
