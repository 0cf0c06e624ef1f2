"""Institutions as GraphQL types: the authors affiliated with them and the papers named for them."""

from __future__ import annotations

import strawberry

from api.db.authors import AuthorScope
from api.db.papers import PaperScope
from api.db.records import InstitutionRecord
from api.graphql.authors import author_list_field
from api.graphql.node import Node
from api.graphql.papers import paper_list_field
from api.ids import encode_id


@strawberry.type(description="A university, lab or company that authors are affiliated with.")
class Institution(Node):
    record: strawberry.Private[InstitutionRecord]

    @classmethod
    def from_record(cls, record: InstitutionRecord) -> Institution:
        return cls(id=strawberry.ID(encode_id("Institution", record.id)), record=record)

    @strawberry.field(description="Name as the source gives it.")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="ISO 3166-1 alpha-2 country code, when known.")
    def country_code(self) -> str | None:
        return self.record.country_code

    authors = author_list_field(
        AuthorScope.INSTITUTION,
        lambda institution: (institution.record.id, 0),
        "Authors affiliated with this institution on some paper.",
    )

    papers = paper_list_field(
        PaperScope.INSTITUTION,
        lambda institution: (institution.record.id, 0),
        "Papers named for this institution: by the source, or by an author's affiliation.",
    )
