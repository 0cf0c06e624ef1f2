"""The front page (`GET /`): what this instance holds, a search over authors and papers, the example
profile, and the links to everything else the service serves.

The figures come from the data layer (`api.db.overview`) and are written into the page by the server, so
the page says what the instance holds without JavaScript. The search runs in the browser
(/static/web/search.js): one GraphQL request per search, authors and papers together.
"""

from __future__ import annotations

import datetime as dt
import time

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.db.overview import ExampleAuthor, Overview, Tally, instance_overview
from api.db.pool import Database
from api.ids import encode_id
from api.web.layout import SERVICE_LINKS, SITE_NAME, escape, render_page


def _figure(label: str, tally: Tally) -> str:
    shown = f"{tally.count:,}" if tally.exact else f"≈ {tally.count:,}"
    note = "" if tally.exact else ' title="PostgreSQL\'s estimate: the table is too large to count for a page"'
    key = escape(label.lower())
    return f'<div class="figure"{note}><dt>{escape(label)}</dt><dd data-figure="{key}">{shown}</dd></div>'


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "<dd>never</dd>"
    utc = moment.astimezone(dt.UTC)
    return f'<dd><time datetime="{escape(utc.isoformat())}">{escape(utc.strftime("%Y-%m-%d %H:%M UTC"))}</time></dd>'


def _example(example: ExampleAuthor | None) -> str:
    if example is None:
        return """      <p>This instance holds no author yet: load data with
      <code>scholargraph ingest</code> (see the README).</p>"""
    href = escape(f"/authors/{encode_id('Author', example.id)}")
    figures = [f"{example.paper_count:,} papers", f"h-index {example.computed_h_index} computed here"]
    if example.reported_h_index is not None:
        reported = f"h-index {example.reported_h_index} reported by {example.reported_source}"
        figures.insert(1, f"{reported} ({example.reported_as_of})")
    return f"""      <div class="example">
        <p class="muted">Example profile, the author with the most papers here</p>
        <p><a class="example-link" href="{href}">{escape(example.name)}</a></p>
        <p class="example-figures">{escape(" · ".join(figures))}</p>
        <p><a class="button" href="{href}">Open the profile</a></p>
      </div>"""


def _links() -> str:
    items = "\n".join(
        f'        <li><a href="{escape(href)}">{escape(label)}</a> <span class="muted">{escape(what)}</span></li>'
        for href, label, what in SERVICE_LINKS
    )
    return f"""    <section class="card" aria-labelledby="links-title">
      <h2 id="links-title">For developers</h2>
      <ul class="links">
{items}
      </ul>
    </section>"""


def render_front_page(overview: Overview) -> str:
    figures = "\n".join(
        [
            _figure("Papers", overview.papers),
            _figure("Authors", overview.authors),
            _figure("Citations", overview.citations),
            f'<div class="figure"><dt>Last import</dt>{_when(overview.last_change)}</div>',
        ]
    )
    body = f"""    <section class="hero card" aria-labelledby="title">
      <h1 id="title">{SITE_NAME}</h1>
      <p class="lead">Researchers and their papers: metrics with their provenance, coauthors and citations,
      over GraphQL and REST.</p>
      <dl class="figures" aria-label="What this instance holds">
{figures}
      </dl>
{_example(overview.example)}
    </section>
    <section class="card" aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <form id="search" class="search" role="search">
        <label for="q">Authors and papers</label>
        <div class="search-row">
          <input id="q" name="q" type="search" autocomplete="off" required
                 placeholder="A name (accents and typos are fine) or words of a title">
          <button type="submit">Search</button>
        </div>
      </form>
      <noscript><p>The search runs in the browser and needs JavaScript; without it, use
      <a href="/v1">/v1</a> or <a href="/graphql">GraphiQL</a>.</p></noscript>
      <p id="search-status" class="muted" role="status" aria-live="polite"></p>
      <div id="results" class="results" hidden>
        <section aria-labelledby="author-results-title">
          <h3 id="author-results-title">Authors</h3>
          <ol id="author-results" class="result-list"></ol>
        </section>
        <section aria-labelledby="paper-results-title">
          <h3 id="paper-results-title">Papers</h3>
          <ol id="paper-results" class="result-list"></ol>
        </section>
      </div>
    </section>
{_links()}"""
    return render_page(title=SITE_NAME, body=body, current="/", scripts=["search.js"])


OVERVIEW_TTL_S = 10.0
"""How long one reading of the figures serves the front page (per process): on a large database the
statement takes a fraction of a second, and nobody needs the count of papers fresher than this."""


async def _overview(request: Request) -> Overview:
    kept: tuple[float, Overview] | None = getattr(request.app.state, "web_overview", None)
    now = time.monotonic()
    if kept is not None and now < kept[0]:
        return kept[1]
    db: Database = request.app.state.runtime.db
    overview = await instance_overview(db)
    request.app.state.web_overview = (now + OVERVIEW_TTL_S, overview)
    return overview


async def front_page(request: Request) -> Response:
    return HTMLResponse(render_front_page(await _overview(request)))
