"""The change feed over REST: GET /v1/changes (`api.db.changes`), oldest first, from `since` or a cursor."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.db import changes
from api.db.changes import ChangeRecord
from api.ids import TypeName, encode_id
from api.rest import models
from api.rest.context import database
from api.rest.filters import INSTANT, INSTANT_HELP
from api.rest.params import PAGING, Param, Query
from api.settings import Settings

SINCE = Param("since", f"Start at this instant (included): {INSTANT_HELP}. Without it, from the beginning.", INSTANT)
CHANGE_LIST = (SINCE, *PAGING)


def change_model(record: ChangeRecord) -> models.Change:
    type_name: TypeName = "Author" if record.entity == "author" else "Paper"
    return models.Change(
        at=record.at,
        entity=record.entity,
        id=encode_id(type_name, record.row_id),
        kind=record.kind,
        other_id=encode_id(type_name, record.other_id) if record.other_id is not None else None,
    )


def routes(settings: Settings) -> list[Route]:
    async def list_changes(request: Request) -> Response:
        query = Query(request, CHANGE_LIST)
        window = query.window(settings.max_page_size)
        page, horizon = await changes.list_changes(database(request), query.instant("since"), window)
        document = models.ChangePage(
            items=[change_model(record) for record in page.items],
            has_more=page.has_next,
            next_cursor=page.cursors[-1] if page.cursors else window.after,
            horizon=horizon,
        )
        return Response(document.model_dump_json(), media_type="application/json")

    return [Route("/v1/changes", list_changes, methods=["GET"])]
