"""What every resolver can reach: the database, the settings and this request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request

from api.auth import writer_name
from api.db.pool import Database
from api.graphql.loaders import Loaders
from api.settings import Settings


@dataclass
class GraphQLContext:
    request: Request | None
    db: Database
    settings: Settings
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db)


Info = strawberry.Info[GraphQLContext, None]


def writer(info: Info) -> str:
    """The name of the request's key when it may write; PermissionDeniedError otherwise (`api.auth`)."""
    request = info.context.request
    return writer_name(getattr(request.state, "client", None) if request is not None else None)
