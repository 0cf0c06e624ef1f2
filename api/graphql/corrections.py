"""Corrections as GraphQL: the `Correction` type, the mutations that make them, and their history.

The mutations need an API key with the `write` scope; they run on the data layer (`api.db.corrections`),
each one transaction, and answer the correction made. Anyone may read the history.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry

from api.db import corrections
from api.db.corrections import CorrectionRecord
from api.errors import InvalidInputError, NotFoundError
from api.graphql.authors import Author
from api.graphql.context import Info, writer
from api.graphql.inputs import AfterArg, FirstArg
from api.graphql.pagination import Connection, build_connection, window
from api.ids import encode_id, parse_id_of


@strawberry.enum(description="What a correction did.")
class CorrectionKind(Enum):
    MERGE = strawberry.enum_value("merge", description="Two authors found to be one: the other merged into the author.")
    SPLIT = strawberry.enum_value("split", description="Papers moved from the author to the other author.")
    UNMERGE = strawberry.enum_value("unmerge", description="A merge undone: the author is back under its old id.")


@strawberry.type(
    description="A correction of authors made through the API, with who made it, when, why and what moved."
)
class Correction:
    record: strawberry.Private[CorrectionRecord]

    @strawberry.field(description="The correction's number: give it to `unmergeAuthors` to undo a merge.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.record.id))

    @strawberry.field(description="What was done.")
    def kind(self) -> CorrectionKind:
        return CorrectionKind(self.record.kind)

    @strawberry.field(
        description="MERGE: the survivor; SPLIT: the author papers were taken from; UNMERGE: the author brought back."
    )
    def author_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Author", self.record.author_id))

    @strawberry.field(
        description=(
            "MERGE: the author merged away (its id now answers with the survivor); SPLIT: the author the papers "
            "went to; UNMERGE: the survivor of the undone merge."
        )
    )
    def other_author_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Author", self.record.other_author_id))

    @strawberry.field(description="The author `authorId` names now (after any later merge, the survivor).")
    async def author(self, info: Info) -> Author | None:
        record = await info.context.loaders.author.load(self.record.author_id)
        return Author.from_record(record) if record else None

    @strawberry.field(description="The name of the API key that made it.")
    def made_by(self) -> str:
        return self.record.made_by

    @strawberry.field(description="When it was made.")
    def made_at(self) -> dt.datetime:
        return self.record.made_at

    @strawberry.field(description="Why, in the words of whoever made it.")
    def reason(self) -> str:
        return self.record.reason

    @strawberry.field(description="The evidence: the papers whose bylines it changed.")
    def moved_paper_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(encode_id("Paper", paper_id)) for paper_id in self.record.moved_paper_ids]

    @strawberry.field(description="UNMERGE: the merge it undid.")
    def undoes(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.record.undoes)) if self.record.undoes else None

    @strawberry.field(description="MERGE: the unmerge that undid it, if one did.")
    def undone_by(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.record.undone_by)) if self.record.undone_by else None


ReasonArg = Annotated[str, strawberry.argument(description="Why: shown to everyone with the correction (required).")]


async def _author_row(info: Info, argument: str, text: str) -> int:
    try:
        ref = parse_id_of("Author", text)
    except InvalidInputError as error:
        raise InvalidInputError(f"`{argument}`: {error}") from error
    if isinstance(ref, int):
        return ref
    record = await info.context.loaders.author_by_external_id.load(ref)
    if record is None:
        raise NotFoundError(f"`{argument}` names no stored author")
    return record.id


async def _paper_row(argument: str, text: str) -> int:
    try:
        ref = parse_id_of("Paper", text)
    except InvalidInputError as error:
        raise InvalidInputError(f"`{argument}`: {error}") from error
    if not isinstance(ref, int):
        raise InvalidInputError(f"`{argument}`: give the paper's global id, not an external id ({text[:60]!r})")
    return ref


def _correction_number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise InvalidInputError(f"`correctionId` must be a correction's number (got {text[:40]!r})")
    return int(text)


@strawberry.type(description="Changes to the stored data; each needs an API key with the `write` scope.")
class CorrectionMutations:
    @strawberry.mutation(
        description=(
            "Merge two authors found to be one person: the absorbed author's papers, external ids and reported "
            "figures move to the survivor; the absorbed id keeps answering with the survivor. Undo with "
            "`unmergeAuthors`."
        )
    )
    async def merge_authors(
        self, info: Info, survivor_id: strawberry.ID, absorbed_id: strawberry.ID, reason: ReasonArg
    ) -> Correction:
        made_by = writer(info)
        survivor = await _author_row(info, "survivorId", str(survivor_id))
        absorbed = await _author_row(info, "absorbedId", str(absorbed_id))
        record = await corrections.merge_authors(info.context.db, survivor, absorbed, made_by=made_by, reason=reason)
        return Correction(record=record)

    @strawberry.mutation(
        description=(
            "Split papers off an author who is several people: their authorships move to `intoAuthorId`, or to a "
            "new author named `newName` (the author's own name when neither is given)."
        )
    )
    async def split_author(
        self,
        info: Info,
        author_id: strawberry.ID,
        paper_ids: list[strawberry.ID],
        reason: ReasonArg,
        into_author_id: strawberry.ID | None = None,
        new_name: str | None = None,
    ) -> Correction:
        made_by = writer(info)
        author = await _author_row(info, "authorId", str(author_id))
        into = await _author_row(info, "intoAuthorId", str(into_author_id)) if into_author_id is not None else None
        papers = [await _paper_row(f"paperIds[{i}]", str(text)) for i, text in enumerate(paper_ids)]
        record = await corrections.split_author(
            info.context.db, author, papers, into=into, new_name=new_name, made_by=made_by, reason=reason
        )
        return Correction(record=record)

    @strawberry.mutation(description="Undo a merge: the absorbed author is back under its old id, with what moved.")
    async def unmerge_authors(self, info: Info, correction_id: strawberry.ID, reason: ReasonArg) -> Correction:
        made_by = writer(info)
        record = await corrections.unmerge_authors(
            info.context.db, _correction_number(str(correction_id)), made_by=made_by, reason=reason
        )
        return Correction(record=record)


async def list_corrections(
    info: Info, author_id: strawberry.ID | None, first: FirstArg, after: AfterArg
) -> Connection[Correction]:
    db = info.context.db
    author = await _author_row(info, "authorId", str(author_id)) if author_id is not None else None
    page = await corrections.list_corrections(db, author, window(first, after, info.context.settings.max_page_size))
    return build_connection(
        page,
        lambda record: Correction(record=record),
        after=after,
        count_total=lambda: corrections.count_corrections(db, author),
    )
