"""The REST explorer (`GET /docs`): Swagger UI over /openapi.json, served by the service itself.

Swagger UI's bundle and stylesheet come from the npm package swagger-ui-dist at build time
(hatch_build.py puts them in api/static/vendor/); /static/web/rest-docs.js starts it on this instance's
/openapi.json. "Try it out" sends its requests to this instance (the document names no server, so the
page's own origin is used), and the spec validator badge, which would call a public service, is off.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.web.layout import VENDOR_STATIC, render_page


def render_rest_docs() -> str:
    body = """    <div id="swagger-ui" class="swagger-host"><p class="card">Loading the REST explorer…</p></div>
    <noscript><p class="card">The explorer needs JavaScript; the document itself is
    <a href="/openapi.json">/openapi.json</a>.</p></noscript>"""
    return render_page(
        title="REST API",
        body=body,
        current="/docs",
        scripts=["rest-docs.js"],
        libraries=["swagger-ui-bundle.js"],
        styles=[f"{VENDOR_STATIC}/swagger-ui.css"],
    )


async def rest_docs(request: Request) -> Response:
    return HTMLResponse(render_rest_docs())
