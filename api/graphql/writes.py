"""Writes as GraphQL mutations: create or update papers and authors, report an author's figures, retract a
paper. Each needs an API key with the `write` scope and is one transaction (`api.db.edits`); each answers
the object as stored after the commit, its computed figures already current.

An input field left out is left as it is; `null` clears it (where it may be empty). Wrong fields are
reported all at once in one error, `INVALID_INPUT`, whose `extensions.fields` lists each with its path
in the arguments (`input.authors[1].author`) and what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import strawberry
from strawberry.types.unset import UnsetType

from api.db import authors, edits, papers
from api.db.drafts import KEEP, REPORTED_FIGURES, AuthorDraft, BylineEntry, FiguresReport, Keep, PaperDraft
from api.db.idempotency import Outcome
from api.errors import InvalidFieldsError, InvalidInputError, NotFoundError
from api.graphql.authors import Author
from api.graphql.context import Info, writer
from api.graphql.papers import Paper
from api.ids import ExternalId, parse_id_of

T = TypeVar("T")
_UNSET: Any = strawberry.UNSET


def _given(value: T | UnsetType) -> T | Keep:
    return KEEP if isinstance(value, UnsetType) else value


@strawberry.input(description="External ids of a paper, by scheme: a value sets the scheme's id, null removes it.")
class PaperExternalIdsInput:
    doi: str | None = strawberry.field(default=_UNSET, description="A DOI, bare or as a doi.org URL.")
    arxiv: str | None = strawberry.field(default=_UNSET, description="An arXiv id, with or without version.")
    openalex: str | None = strawberry.field(default=_UNSET, description="An OpenAlex work id (W…).")
    s2: str | None = strawberry.field(default=_UNSET, description="A Semantic Scholar paper id.")


@strawberry.input(description="External ids of an author, by scheme: a value sets the scheme's id, null removes it.")
class AuthorExternalIdsInput:
    orcid: str | None = strawberry.field(default=_UNSET, description="An ORCID iD, bare or as an orcid.org URL.")
    openalex: str | None = strawberry.field(default=_UNSET, description="An OpenAlex author id (A…).")
    s2: str | None = strawberry.field(default=_UNSET, description="A Semantic Scholar author id.")


def _external_ids(given: Any) -> dict[str, str | None] | Keep:
    if isinstance(given, UnsetType):
        return KEEP
    if given is None:
        return {}
    return {name: value for name, value in vars(given).items() if not isinstance(value, UnsetType)}


@strawberry.input(description="One author of a byline: `author` (a stored author) or `name` (a new author).")
class BylineInput:
    author: strawberry.ID | None = strawberry.field(default=None, description="A stored author: global or external id.")
    name: str | None = strawberry.field(default=None, description="Else the name of a new author to create.")
    name_as_written: str | None = strawberry.field(
        default=None, description="The name as the paper prints it (default: the author's name)."
    )
    affiliation: str | None = strawberry.field(
        default=None, description="The affiliation the paper gives this author (an institution by that name)."
    )


@strawberry.input(
    description=(
        "A paper's fields. Creating: `title` is required. Updating: only the fields given change; null clears "
        "one, `authors` replaces the whole byline, `institutions` the whole list, `externalIds` the schemes named."
    )
)
class PaperInput:
    title: str | None = strawberry.field(default=_UNSET, description="1 to 1,000 characters.")
    abstract: str | None = strawberry.field(default=_UNSET, description="Up to 100,000 characters.")
    primary_category: str | None = strawberry.field(default=_UNSET, description="An arXiv category, e.g. `cs.LG`.")
    categories: list[str] | None = strawberry.field(default=_UNSET, description="arXiv categories, up to 50.")
    published: str | None = strawberry.field(
        default=_UNSET, description="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`: the date and its precision."
    )
    code_url: str | None = strawberry.field(default=_UNSET, description="An http(s) link to the paper's code.")
    reported_citation_count: int | None = strawberry.field(
        default=_UNSET, description="Citations as the paper's source reports them."
    )
    external_ids: PaperExternalIdsInput | None = strawberry.field(default=_UNSET, description="Ids by scheme.")
    authors: list[BylineInput] | None = strawberry.field(
        default=_UNSET, description="The byline in order, up to 1,000 authors; positions are 1, 2, …"
    )
    institutions: list[str] | None = strawberry.field(
        default=_UNSET, description="Institutions named for the paper as a whole, by name (up to 100)."
    )

    def draft(self) -> PaperDraft:
        title = _given(self.title)
        byline = _given(self.authors)
        return PaperDraft(
            title="" if title is None else title,  # null: "must not be empty"
            abstract=_given(self.abstract),
            primary_category=_given(self.primary_category),
            categories=_list(_given(self.categories)),
            published=_given(self.published),
            code_url=_given(self.code_url),
            reported_citation_count=_given(self.reported_citation_count),
            external_ids=_external_ids(self.external_ids),
            authors=KEEP
            if isinstance(byline, Keep)
            else [
                BylineEntry(
                    author=str(entry.author) if entry.author is not None else None,
                    name=entry.name,
                    name_as_written=entry.name_as_written,
                    affiliation=entry.affiliation,
                )
                for entry in byline or []
            ],
            institutions=_list(_given(self.institutions)),
        )


def _list(value: list[str] | Keep | None) -> list[str] | Keep:
    return KEEP if isinstance(value, Keep) else list(value or [])


@strawberry.input(
    description="An author's fields. Creating: `name` is required. Updating: only the fields given change."
)
class AuthorInput:
    name: str | None = strawberry.field(default=_UNSET, description="1 to 500 characters.")
    primary_category: str | None = strawberry.field(default=_UNSET, description="An arXiv category, e.g. `cs.LG`.")
    external_ids: AuthorExternalIdsInput | None = strawberry.field(default=_UNSET, description="Ids by scheme.")

    def draft(self) -> AuthorDraft:
        name = _given(self.name)
        return AuthorDraft(
            name="" if name is None else name,
            primary_category=_given(self.primary_category),
            external_ids=_external_ids(self.external_ids),
        )


@strawberry.input(description="Figures a source reports for an author, as of a date; at least one figure.")
class ReportedMetricsInput:
    source: str = strawberry.field(description="Who reports them (not `computed`), e.g. `google-scholar`.")
    as_of: dt.date = strawberry.field(description="The date the source gave them.")
    h_index: int | None = None
    i10_index: int | None = None
    citation_count: int | None = None
    paper_count: int | None = None
    novelty: float | None = strawberry.field(default=None, description="Between 0 and 1.")
    ai_score: float | None = None

    def report(self) -> FiguresReport:
        figures = {name: getattr(self, name) for name in REPORTED_FIGURES}
        return FiguresReport.of(self.source, self.as_of, **figures)


async def _written(argument: str, write: Callable[[], Awaitable[Outcome]]) -> int:
    """Run the write; its field problems named under `argument`; the row it answers with."""
    try:
        outcome = await write()
    except InvalidFieldsError as error:
        error.argument = argument
        raise
    return int(outcome.resource.split(":")[1])


def _ref(kind: Literal["Author", "Paper"], text: str) -> int | ExternalId:
    try:
        return parse_id_of(kind, text)
    except InvalidInputError as error:
        raise InvalidInputError(f"`id`: {error}") from error


async def _author_row(info: Info, text: str) -> int:
    """The stored author an id argument names (a merged id: its survivor); NOT_FOUND when none."""
    record = await info.context.loaders.author_of(_ref("Author", text))
    if record is None:
        raise NotFoundError(f"no author with id {text[:60]!r}")
    return record.id


async def _paper_row(info: Info, text: str) -> int:
    """The stored paper an id argument names (a merged id: its survivor); NOT_FOUND when none."""
    record = await info.context.loaders.paper_of(_ref("Paper", text))
    if record is None:
        raise NotFoundError(f"no paper with id {text[:60]!r}")
    return record.id


async def _paper(info: Info, paper_id: int) -> Paper:
    found = await papers.papers_by_ids(info.context.db, [paper_id])
    if paper_id not in found:  # deleted or merged away meanwhile
        raise NotFoundError(f"the paper written is no longer stored as {paper_id}")
    return Paper.from_record(found[paper_id])


async def _author(info: Info, author_id: int) -> Author:
    found = await authors.authors_by_ids(info.context.db, [author_id])
    if author_id not in found:
        raise NotFoundError(f"the author written is no longer stored as {author_id}")
    return Author.from_record(found[author_id])


@strawberry.type(description="Writes by trusted services; each needs an API key with the `write` scope.")
class WriteMutations:
    @strawberry.mutation(description="Store a new paper with its byline, external ids and institutions.")
    async def create_paper(self, info: Info, input: PaperInput) -> Paper:
        writer(info)
        row = await _written("input", lambda: edits.create_paper(info.context.db, input.draft()))
        return await _paper(info, row)

    @strawberry.mutation(description="Change the fields given of a stored paper (`authors` replaces the byline).")
    async def update_paper(self, info: Info, id: strawberry.ID, input: PaperInput) -> Paper:
        writer(info)
        paper_id = await _paper_row(info, str(id))
        row = await _written("input", lambda: edits.update_paper(info.context.db, paper_id, input.draft()))
        return await _paper(info, row)

    @strawberry.mutation(
        description=(
            "Retract a paper: it stays, with its id, marked (`retractedAt`, `retractionReason`), and leaves its "
            "authors' computed figures. The first retraction stands."
        )
    )
    async def retract_paper(self, info: Info, id: strawberry.ID, reason: str) -> Paper:
        writer(info)
        paper_id = await _paper_row(info, str(id))
        row = await _written("", lambda: edits.retract_paper(info.context.db, paper_id, reason))
        return await _paper(info, row)

    @strawberry.mutation(description="Store a new author (with no papers yet) and its external ids.")
    async def create_author(self, info: Info, input: AuthorInput) -> Author:
        writer(info)
        row = await _written("input", lambda: edits.create_author(info.context.db, input.draft()))
        return await _author(info, row)

    @strawberry.mutation(description="Change the name, primary category or external ids of a stored author.")
    async def update_author(self, info: Info, id: strawberry.ID, input: AuthorInput) -> Author:
        writer(info)
        author_id = await _author_row(info, str(id))
        row = await _written("input", lambda: edits.update_author(info.context.db, author_id, input.draft()))
        return await _author(info, row)

    @strawberry.mutation(
        description=(
            "Record figures a source reports for an author as of a date (a second report of one source and date "
            "replaces the first); they show in `reportedMetrics`, beside the computed ones."
        )
    )
    async def report_author_metrics(self, info: Info, author_id: strawberry.ID, input: ReportedMetricsInput) -> Author:
        writer(info)
        row_id = await _author_row(info, str(author_id))
        row = await _written("input", lambda: edits.report_figures(info.context.db, row_id, input.report()))
        return await _author(info, row)
