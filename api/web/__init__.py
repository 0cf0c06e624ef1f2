"""The web layer: what a person opens in a browser, served by the service itself and working offline.

- `front`: the front page (`/`): what the instance holds, a search, the example profile, the links;
- `profile`: a researcher's page (`/authors/{id}`), drawn from one GraphQL request;
- `contract`: the SDL (`/schema.graphql`), the index of the REST resources (`/v1`) and the REST explorer
  (`/docs`, Swagger UI over /openapi.json);
- `layout`: the frame the pages share and the HTML 404 page;
- `assets/`: the pages' stylesheet and script modules (committed), served at /static/web/; the libraries
  they load come from npm at build time into api/static/vendor/, served at /static/vendor/.

`web_routes()` is the list api/app.py mounts. The layer reads through the data layer (`api.db`) and the
published contract; nothing points back at it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.web.contract import rest_docs, schema_sdl, v1_index
from api.web.front import front_page
from api.web.layout import VENDOR_STATIC, WEB_STATIC
from api.web.profile import profile_page

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
