"""What every object type shares: the `Node` interface (global ids) and the external ids it can carry."""

from __future__ import annotations

import strawberry

from api.ids import ExternalId as ExternalIdValue


@strawberry.interface(description="An object with a global id: refetch it with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id, the same over GraphQL and REST.")


@strawberry.type(
    description=(
        "An identifier another system gives an author or a paper. Any of them is accepted wherever an id of "
        "that object is (`node`, `author`, `paper`, the batch look-ups, filters, REST paths), written "
        "`scheme:value` or as its `url`."
    )
)
class ExternalId:
    scheme: str = strawberry.field(description="`doi`, `arxiv`, `orcid`, `openalex` or `s2` (Semantic Scholar).")
    value: str = strawberry.field(
        description=(
            "The identifier, normalised: DOIs in lower case, arXiv ids without version, ORCID iDs hyphenated "
            "with an upper-case X, OpenAlex ids with an upper-case letter, Semantic Scholar paper shas in lower "
            "case (or a paper's corpus id, or an author's number)."
        )
    )
    url: str | None = strawberry.field(
        description=(
            "Where the identifier resolves: https://doi.org/…, https://arxiv.org/abs/…, https://orcid.org/…, "
            "https://openalex.org/…, https://www.semanticscholar.org/paper/… or /author/… "
            "(https://api.semanticscholar.org/CorpusID:… for a corpus id)."
        )
    )

    @classmethod
    def of(cls, external: ExternalIdValue) -> ExternalId:
        return cls(scheme=external.scheme, value=external.value, url=external.url)
