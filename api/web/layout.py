"""The frame every page of the web layer shares: the document head, the header with the site's links, the
footer, and the HTML 404 page.

Everything a page puts into the frame is text, escaped here or by the page (`html.escape`); what a page's
script needs from the server (an id, a name) goes into `data-*` attributes, never into inline script, so
the pages hold no inline JavaScript at all. Scripts are modules under /static/web/, libraries under
/static/vendor/ (from npm at build time): nothing is loaded from another host.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from starlette.responses import HTMLResponse

SITE_NAME = "Scholar Graph"
WEB_STATIC = "/static/web"
VENDOR_STATIC = "/static/vendor"

NAV_LINKS: tuple[tuple[str, str, str], ...] = (
    # (href, label, what it is)
    ("/", "Home", "what this instance holds, and search"),
    ("/graphql", "GraphiQL", "the GraphQL explorer"),
    ("/docs", "REST docs", "the REST API, tried in the browser"),
    ("/schema.graphql", "SDL", "the GraphQL schema"),
    ("/openapi.json", "OpenAPI", "the REST API's OpenAPI 3.1 document"),
)

SERVICE_LINKS: tuple[tuple[str, str, str], ...] = (
    ("/graphql", "GraphiQL", "write and run GraphQL queries in the browser"),
    ("/docs", "REST docs", "every /v1 operation, with a working “Try it out”"),
    ("/v1", "/v1", "the index of the REST resources (JSON)"),
    ("/schema.graphql", "schema.graphql", "the GraphQL schema (SDL) clients generate code from"),
    ("/openapi.json", "openapi.json", "the OpenAPI 3.1 document of /v1"),
    ("/healthz", "/healthz", "liveness: the process is up"),
    ("/readyz", "/readyz", "readiness: the database answers and is migrated"),
)


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _nav(current: str) -> str:
    items = []
    for href, label, title in NAV_LINKS:
        here = ' aria-current="page"' if href == current else ""
        items.append(f'<li><a href="{escape(href)}" title="{escape(title)}"{here}>{escape(label)}</a></li>')
    return "\n".join(items)


def render_page(
    *,
    title: str,
    body: str,
    current: str = "",
    scripts: Sequence[str] = (),
    libraries: Sequence[str] = (),
    styles: Sequence[str] = (),
    body_data: str = "",
) -> str:
    """A whole HTML document: `body` (already HTML) inside the shared frame.

    scripts:   module scripts under /static/web/ (file names), loaded deferred.
    libraries: classic scripts under /static/vendor/ (file names), loaded deferred before the modules.
    styles:    extra stylesheets (paths on this server), before the site's own.
    body_data: attributes for <main> (already escaped), e.g. ` data-author-id="…"`.
    """
    vendor = "".join(f'\n  <script src="{VENDOR_STATIC}/{escape(name)}" defer></script>' for name in libraries)
    links = "".join(f'\n  <link rel="stylesheet" href="{escape(path)}">' for path in styles)
    modules = "".join(f'\n  <script type="module" src="{WEB_STATIC}/{escape(name)}"></script>' for name in scripts)
    page_title = f"{title} — {SITE_NAME}" if title != SITE_NAME else SITE_NAME
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(page_title)}</title>{links}
  <link rel="stylesheet" href="{WEB_STATIC}/site.css">{vendor}{modules}
</head>
<body>
  <a class="skip" href="#main">Skip to content</a>
  <header class="site-header">
    <a class="brand" href="/">{SITE_NAME}</a>
    <nav aria-label="Service"><ul>
{_nav(current)}
    </ul></nav>
  </header>
  <main id="main"{body_data}>
{body}
  </main>
  <footer class="site-footer">
    <p>{SITE_NAME}: researchers and their papers over GraphQL (<a href="/graphql">/graphql</a>) and REST
    (<a href="/v1">/v1</a>). Probes: <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>.</p>
  </footer>
</body>
</html>
"""


def not_found_page(message: str) -> HTMLResponse:
    """A 404 as a page a person can go on from."""
    body = f"""    <section class="card narrow">
      <h1>Not found</h1>
      <p>{escape(message)}</p>
      <p><a href="/">Back to the front page</a>, where you can search authors and papers.</p>
    </section>"""
    return HTMLResponse(render_page(title="Not found", body=body), status_code=404)
