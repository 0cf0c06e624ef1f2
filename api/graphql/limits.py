"""`Query.limits`: the limits this service holds every request to, as a client can read them.

The values come from the settings and `api.graphql.schema`'s validation limits; no SQL.
"""

from __future__ import annotations

import strawberry

from api.limits.cost import UNPAGED_LIST_SIZE


@strawberry.type(
    description=(
        "The limits every request is held to (docs/limits.md). A request's cost is 1 plus, for each list it "
        "selects, the product of the sizes of the lists enclosing it times its own size: a connection's `first` "
        "(its default when not given; 1 when only `totalCount`, `pageInfo` or `facets` are read), a batch "
        f"look-up's number of ids, or {UNPAGED_LIST_SIZE} for a list without paging (a paper's `authors`). "
        "Scalars, single objects and lists of plain values are free. Every response gives its cost in "
        "`extensions.rateLimit` and the `Request-Cost` header."
    )
)
class Limits:
    max_query_cost: int = strawberry.field(
        description=(
            "Most cost points one request may have; a costlier one is refused (QUERY_TOO_COSTLY) before it "
            "runs. 0: no limit."
        )
    )
    cost_budget: int = strawberry.field(
        description=(
            "Cost points this client (this request's key, or its address) may spend per window; past it, 429 "
            "BUDGET_SPENT. 0: no budget."
        )
    )
    window_seconds: int = strawberry.field(
        description="Length of a budget window; windows start at multiples of it since the Unix epoch."
    )
    requests_per_second: int = strawberry.field(
        description=(
            "Requests this client may send per second, in bursts of as many; past it, 429 TOO_FAST. 0: no limit."
        )
    )
    unpaged_list_size: int = strawberry.field(
        description="The size a list without paging (a paper's `authors`) counts for in the cost."
    )
    max_page_size: int = strawberry.field(description="Largest `first` of any connection.")
    max_batch_ids: int = strawberry.field(description="Most ids of one `nodes`, `authorsByIds` or `papersByIds`.")
    max_depth: int = strawberry.field(description="Deepest nesting of fields an operation may have.")
    max_aliases: int = strawberry.field(description="Most aliases in one operation.")
    max_tokens: int = strawberry.field(description="Most tokens (names, punctuation, values) in one document.")
    max_body_bytes: int = strawberry.field(description="Largest request body, in bytes.")
