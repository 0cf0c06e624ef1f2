"""The GraphQL schema: the root query and the limits every operation is checked against."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from api.db import institutions as institution_queries
from api.db.authors import AuthorScope
from api.db.listing import ALL
from api.db.papers import PaperScope
from api.errors import InvalidInputError
from api.graphql.authors import Author, Coauthor, author_list_field
from api.graphql.changes import ChangeConnection, list_changes
from api.graphql.context import Info
from api.graphql.corrections import Correction, CorrectionMutations, list_corrections
from api.graphql.errors import PublicErrors, item_error, log_errors
from api.graphql.inputs import AfterArg, FirstArg, NameSearchArg, search_term
from api.graphql.institutions import Institution
from api.graphql.limits import Limits
from api.graphql.metrics import AuthorMetrics
from api.graphql.node import Node
from api.graphql.pagination import Connection, build_connection, window
from api.graphql.papers import Paper, paper_list_field
from api.graphql.writes import WriteMutations
from api.ids import ExternalId, decode_id, decode_id_of, external_id_candidates, is_external, parse_id_of
from api.limits.cost import UNPAGED_LIST_SIZE
from api.limits.limiter import budget_of

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5_000
MAX_BATCH_IDS = 1_000
DOCUMENT_CACHE_SIZE = 1_024
"""Documents whose parse and validation are kept, by either path."""

# The depth and alias limits as validation rules, made once: the validation cache is keyed by the rules
# too, so rules made anew for each request (as the limiter extensions make them) would never hit it.
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


IdsArg = Annotated[
    list[strawberry.ID],
    strawberry.argument(
        description=f"Global or external ids (`doi:10.1234/abc`, `orcid:…`), at most {MAX_BATCH_IDS}; repeats allowed."
    ),
]


async def _load_author(info: Info, ref: int | ExternalId) -> Author | None:
    record = await info.context.loaders.author_of(ref)
    return Author.from_record(record) if record else None


async def _load_paper(info: Info, ref: int | ExternalId) -> Paper | None:
    record = await info.context.loaders.paper_of(ref)
    return Paper.from_record(record) if record else None


async def _resolve_author(info: Info, text: str) -> Author | None:
    """The author a global or external id names; None when it names none. InvalidInputError naming the
    id when it is malformed or the id of something else."""
    return await _load_author(info, parse_id_of("Author", text))


async def _resolve_paper(info: Info, text: str) -> Paper | None:
    """The paper a global or external id names; None when it names none; InvalidInputError when malformed."""
    return await _load_paper(info, parse_id_of("Paper", text))


async def _load_institution(info: Info, row_id: int) -> Institution | None:
    record = await info.context.loaders.institution.load(row_id)
    return Institution.from_record(record) if record else None


async def _resolve_institution(info: Info, text: str) -> Institution | None:
    """The institution a global id names; None when it names none; InvalidInputError when malformed."""
    return await _load_institution(info, decode_id_of("Institution", text))


async def _resolve_external(info: Info, text: str) -> Node | None:
    """The object an external id names. `s2:<digits>` may be read as an author or a paper: when both
    readings name an object, the id is ambiguous and names nothing here (`author`/`paper` resolve it)."""
    candidates = external_id_candidates(text)
    found = await asyncio.gather(
        *(_load_author(info, c) if c.kind == "Author" else _load_paper(info, c) for c in candidates)
    )
    named = [node for node in found if node is not None]
    return named[0] if len(named) == 1 else None


async def _resolve_node(info: Info, text: str) -> Node | None:
    """The object a global or external id names; None (as Relay expects, not an error) when none;
    InvalidInputError naming the id when it is malformed."""
    if is_external(text):
        return await _resolve_external(info, text)
    type_name, row_id = decode_id(text)
    if type_name == "Author":
        return await _load_author(info, row_id)
    if type_name == "Paper":
        return await _load_paper(info, row_id)
    return await _load_institution(info, row_id)


T = TypeVar("T")


async def _resolve_batch(
    info: Info, ids: list[strawberry.ID], resolve: Callable[[Info, str], Awaitable[T | None]]
) -> list[T | None]:
    """Each id resolved, in the order asked. A malformed id answers its error in its place: that item is
    null with an error at its path, and the others answer as usual."""
    if len(ids) > MAX_BATCH_IDS:
        raise InvalidInputError(f"at most {MAX_BATCH_IDS} ids per call (got {len(ids)})")

    async def one(text: str) -> T | None:
        try:
            return await resolve(info, text)
        except InvalidInputError as error:
            return item_error(error)  # type: ignore[no-any-return]

    # Gathered, so the loaders see every id in one tick and answer them with one statement per kind.
    return list(await asyncio.gather(*(one(str(text)) for text in ids)))


@strawberry.type(description="Everything readable: researchers, papers, institutions.")
class Query:
    @strawberry.field(
        description=(
            "Any object by its global id or an external id (`doi:…`, `arxiv:…`, `orcid:…`, `openalex:…`, `s2:…`); "
            "null when it names nothing; an error (INVALID_INPUT) naming a malformed id."
        )
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _resolve_node(info, str(id))

    @strawberry.field(
        description=(
            "Many objects by global or external id, answered in the order asked (at most "
            f"{MAX_BATCH_IDS}): null for an id naming nothing; null and an error (INVALID_INPUT) at its "
            "position for a malformed id."
        )
    )
    async def nodes(self, info: Info, ids: IdsArg) -> list[Node | None]:
        return await _resolve_batch(info, ids, _resolve_node)

    @strawberry.field(
        description=(
            "An author by global id or external id (`orcid:…`, `openalex:A…`, `s2:…`); null when unknown; an "
            "error (INVALID_INPUT) naming a malformed id or the id of something else."
        )
    )
    async def author(self, info: Info, id: strawberry.ID) -> Author | None:
        return await _resolve_author(info, str(id))

    @strawberry.field(
        description=(
            "Many authors by global or external id, answered in the order asked (at most "
            f"{MAX_BATCH_IDS}): null for an id naming nothing; null and an error (INVALID_INPUT) at its "
            "position for a malformed id or the id of something else."
        )
    )
    async def authors_by_ids(self, info: Info, ids: IdsArg) -> list[Author | None]:
        return await _resolve_batch(info, ids, _resolve_author)

    authors = author_list_field(
        AuthorScope.ALL,
        lambda _: ALL,
        "Authors. With `search`: names matching it, accent- and case-insensitive, by prefix or with typos, "
        "best match first. Without: every author by name. Filters and orderings (by computed h-index, "
        "citations, paper count) combine with it.",
    )

    @strawberry.field(
        description=(
            "A paper by global id or external id (`doi:…`, `arxiv:…`, `openalex:W…`, `s2:…`); null when unknown; "
            "an error (INVALID_INPUT) naming a malformed id or the id of something else."
        )
    )
    async def paper(self, info: Info, id: strawberry.ID) -> Paper | None:
        return await _resolve_paper(info, str(id))

    @strawberry.field(
        description=(
            "Many papers by global or external id, answered in the order asked (at most "
            f"{MAX_BATCH_IDS}): null for an id naming nothing; null and an error (INVALID_INPUT) at its "
            "position for a malformed id or the id of something else."
        )
    )
    async def papers_by_ids(self, info: Info, ids: IdsArg) -> list[Paper | None]:
        return await _resolve_batch(info, ids, _resolve_paper)

    papers = paper_list_field(
        PaperScope.ALL,
        lambda _: ALL,
        "Papers. With `search`: full-text over titles (weighted higher) and abstracts, accent-insensitive, "
        'web-search syntax (words, "phrases", -exclusions, or), best match first. Without: newest first. '
        "Filters, orderings and facets as on every paper list.",
    )

    @strawberry.field(
        description=(
            "Institutions by name; with `search`, names containing it or within typo distance (accents and "
            "case folded)."
        )
    )
    async def institutions(
        self,
        info: Info,
        search: NameSearchArg = None,
        first: FirstArg = 20,
        after: AfterArg = None,
    ) -> Connection[Institution]:
        db = info.context.db
        term = search_term(search) or None
        page = await institution_queries.list_institutions(
            db, term, window(first, after, info.context.settings.max_page_size)
        )
        return build_connection(
            page,
            Institution.from_record,
            after=after,
            count_total=lambda: institution_queries.count_institutions(db, term),
        )

    @strawberry.field(
        description=(
            "An institution by global id; null when unknown; an error (INVALID_INPUT) naming a malformed id or "
            "the id of something else."
        )
    )
    async def institution(self, info: Info, id: strawberry.ID) -> Institution | None:
        return await _resolve_institution(info, str(id))

    @strawberry.field(
        description=(
            "Corrections made through the API (merges, splits, unmerges), newest first: of one author (as either "
            "party) with `authorId`, else all. Who made each, when, why and which papers moved."
        )
    )
    async def corrections(
        self, info: Info, author_id: strawberry.ID | None = None, first: FirstArg = 20, after: AfterArg = None
    ) -> Connection[Correction]:
        return await list_corrections(info, author_id, first, after)

    @strawberry.field(
        description=(
            "The change feed for mirrors: authors and papers created, updated, merged into another or given "
            "papers split from another, and papers retracted; oldest first, from `since` (included) or from the "
            "beginning."
        )
    )
    async def changes(
        self,
        info: Info,
        since: Annotated[
            dt.datetime | None, strawberry.argument(description="Start here (an instant; UTC without an offset).")
        ] = None,
        first: FirstArg = 100,
        after: AfterArg = None,
    ) -> ChangeConnection:
        return await list_changes(info, since, first, after)

    @strawberry.field(description="The limits this service holds requests to, and this client's budget.")
    def limits(self, info: Info) -> Limits:
        settings = info.context.settings
        request = info.context.request
        client = getattr(request.state, "client", None) if request is not None else None
        return Limits(
            max_query_cost=settings.max_query_cost,
            cost_budget=budget_of(settings, client),
            window_seconds=settings.cost_window_seconds,
            requests_per_second=settings.requests_per_second,
            unpaged_list_size=UNPAGED_LIST_SIZE,
            max_page_size=settings.max_page_size,
            max_batch_ids=MAX_BATCH_IDS,
            max_depth=MAX_DEPTH,
            max_aliases=MAX_ALIASES,
            max_tokens=MAX_TOKENS,
            max_body_bytes=settings.max_body_bytes,
        )


@strawberry.type(
    description=(
        "Changes to the stored data, each one transaction; each needs an API key with the `write` scope "
        "(`FORBIDDEN` otherwise). Corrections of authors (merge, split, unmerge) are recorded with their history."
    )
)
class Mutation(CorrectionMutations, WriteMutations):
    pass


class ScholarGraphSchema(strawberry.Schema):
    """Logs the errors of each operation as `api.graphql.errors.log_errors` decides (before `PublicErrors`
    replaces them with what the client may see)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        log_errors(errors)


def create_schema() -> strawberry.Schema:
    return ScholarGraphSchema(
        query=Query,
        mutation=Mutation,
        types=[Author, Paper, Institution, Coauthor, AuthorMetrics],
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            lambda: AddValidationRules(list(LIMIT_RULES)),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            # Parsed and validated once per document text (the limits above are validation rules too).
            lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
            lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
            PublicErrors,
        ],
    )


schema = create_schema()
