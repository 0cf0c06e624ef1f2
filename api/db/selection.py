"""What a read selects, as plain data: the description the GraphQL layer hands to `api.db.compiled`.

A `Field` is one entry of a response object: its response key, the schema field it reads, its arguments
already checked and translated to the data layer's own types (filters, orderings, windows, ids), and
the fields selected inside it. Nothing here knows GraphQL syntax or SQL: the GraphQL layer resolves
fragments, aliases, variables and `@skip`/`@include` into this, and the data layer turns it into one
SQL statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from api.db.authors import AuthorFilter, AuthorOrder
from api.db.coauthors import CoauthorOrder
from api.db.keyset import Window
from api.db.metrics import Variant
from api.db.papers import PaperFilter, PaperOrder
from api.ids import ExternalId

ObjectType = Literal["Author", "Paper", "Institution"]


@dataclass(frozen=True)
class PaperListArgs:
    filter: PaperFilter
    order: PaperOrder
    window: Window


@dataclass(frozen=True)
class AuthorListArgs:
    filter: AuthorFilter
    order: AuthorOrder
    window: Window


@dataclass(frozen=True)
class CoauthorListArgs:
    order: CoauthorOrder
    window: Window


@dataclass(frozen=True)
class InstitutionListArgs:
    search: str | None
    window: Window


@dataclass(frozen=True)
class ObjectRef:
    """An object asked for by id: a row number, or an external id to look up (authors and papers)."""

    type_name: ObjectType
    row: int | None = None
    external: ExternalId | None = None


Arguments = (
    PaperListArgs
    | AuthorListArgs
    | CoauthorListArgs
    | InstitutionListArgs
    | ObjectRef
    | tuple[ObjectRef, ...]
    | Variant
)


@dataclass(frozen=True)
class Field:
    """One key of a response object.

    `fields` is the selection inside a field of an object type (or a list of one); for a field whose type
    is the `Node` interface, `by_type` holds the selection for each concrete type instead.
    """

    key: str
    name: str
    args: Arguments | object | None = None  # `Arguments` once bound; the GraphQL layer's marker before
    fields: tuple[Field, ...] = ()
    by_type: dict[str, tuple[Field, ...]] = field(default_factory=dict)
