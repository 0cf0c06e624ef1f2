"""The web layer's routes, in one list for api/app.py: pages for people, the contract documents, and the
static files they load (the site's own from api/web/assets/, committed; libraries from api/static/vendor/,
fetched from npm at build time)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.web.contract import schema_sdl, v1_index
from api.web.front import front_page
from api.web.layout import VENDOR_STATIC, WEB_STATIC
from api.web.profile import profile_page
from api.web.rest_docs import rest_docs

WEB_ASSETS = Path(__file__).resolve().parent / "assets"
VENDOR_ASSETS = Path(__file__).resolve().parent.parent / "static" / "vendor"


def web_routes() -> list[BaseRoute]:
    return [
        Route("/", front_page, methods=["GET"]),
        Route("/authors/{author_id}", profile_page, methods=["GET"]),
        Route("/docs", rest_docs, methods=["GET"]),
        Route("/v1", v1_index, methods=["GET"]),
        Route("/schema.graphql", schema_sdl, methods=["GET"]),
        Mount(WEB_STATIC, app=StaticFiles(directory=WEB_ASSETS), name="web"),
        Mount(VENDOR_STATIC, app=StaticFiles(directory=VENDOR_ASSETS, check_dir=False), name="vendor"),
    ]
