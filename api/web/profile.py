"""The researcher profile page (`GET /authors/{id}`): the server checks the id and sends the page's frame;
the browser fills it from ONE GraphQL request (/static/web/profile.js), and sends that same one request
again, with other variables, when the reader filters or pages the papers.

The id is a global id, or an author's external id (`orcid:…`, `openalex:A…`, `s2:…`). An id that names
no author, or is no author's id at all, is an HTML 404 page; the id of an author merged into another
redirects (301) to the survivor's page, and an external id to the page under the global id (302), so that
every profile has one address.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.db import authors, external_ids
from api.db.pool import Database
from api.db.records import AuthorRecord
from api.errors import InvalidInputError
from api.ids import ExternalId, encode_id, parse_id_of
from api.web.layout import escape, not_found_page, render_page


def _address(author_id: int) -> str:
    return f"/authors/{encode_id('Author', author_id)}"


async def _find(db: Database, text: str) -> tuple[AuthorRecord | None, int]:
    """The author `text` names (None when none) and the status of its page: 200 when `text` is the author's
    own global id, 301 when it is the id of an author merged into this one, 302 for an external id."""
    try:
        parsed = parse_id_of("Author", text)
    except InvalidInputError:
        return None, 404
    if isinstance(parsed, ExternalId):
        (record,) = await external_ids.find_authors(db, [parsed])
        return record, 302
    found = (await authors.authors_by_ids(db, [parsed])).get(parsed)
    return found, 200 if found is None or found.id == parsed else 301


def render_profile_frame(author_id: str, name: str) -> str:
    """The page before its request: headings and empty regions that profile.js fills."""
    body = f"""    <div id="profile-status" class="card muted" role="status" aria-live="polite">Loading…</div>
    <noscript><p class="card">This page is drawn from one GraphQL request and needs JavaScript; the same
    figures are at <a href="/v1/authors/{escape(author_id)}">/v1/authors/{escape(author_id)}</a>.</p></noscript>
    <article id="profile" hidden>
      <header class="card profile-head">
        <h1 id="author-name">{escape(name)}</h1>
        <p id="author-meta" class="muted"></p>
      </header>
      <section class="card" aria-labelledby="metrics-title">
        <h2 id="metrics-title">Metrics</h2>
        <p class="muted">Reported figures come from a source, as of a date; computed figures come from the
        papers and citations this instance stores. Neither overwrites the other.</p>
        <div class="table-wrap"><table id="metrics" class="metrics"></table></div>
      </section>
      <section class="card" aria-labelledby="chart-title">
        <h2 id="chart-title">Papers and citations per year</h2>
        <div class="chart-box"><canvas id="year-chart" role="img"
          aria-label="Papers and citations per year, also given as a table below"></canvas></div>
        <details><summary>As a table</summary><div class="table-wrap"><table id="year-table"></table></div></details>
      </section>
      <div class="columns">
        <section class="card papers" aria-labelledby="papers-title">
          <h2 id="papers-title">Papers</h2>
          <form id="paper-filters" class="filters">
            <label>Words <input name="search" type="search" placeholder="in titles and abstracts"></label>
            <label>Category <select name="category"><option value="">any</option></select></label>
            <label>Year <select name="year"><option value="">any</option></select></label>
            <label class="check"><input name="code" type="checkbox"> with code</label>
            <label>Order <select name="order">
              <option value="NEWEST">newest first</option>
              <option value="MOST_CITED">most cited</option>
              <option value="OLDEST">oldest first</option>
            </select></label>
            <button type="submit">Apply</button>
          </form>
          <p id="papers-summary" class="muted" role="status" aria-live="polite"></p>
          <ol id="paper-list" class="paper-list"></ol>
          <nav class="pager" aria-label="Pages of papers">
            <button id="previous-page" type="button" disabled>← Previous</button>
            <button id="next-page" type="button" disabled>Next →</button>
          </nav>
        </section>
        <section class="card coauthors" aria-labelledby="coauthors-title">
          <h2 id="coauthors-title">Top coauthors</h2>
          <ol id="coauthor-list" class="coauthor-list"></ol>
        </section>
      </div>
    </article>"""
    return render_page(
        title=name,
        body=body,
        scripts=["profile.js"],
        libraries=["chart.umd.min.js"],
        body_data=f' data-author-id="{escape(author_id)}"',
    )


async def profile_page(request: Request) -> Response:
    db: Database = request.app.state.runtime.db
    text = request.path_params["author_id"]
    record, status = await _find(db, text)
    if record is None:
        return not_found_page(f"No author here has the id {text[:80]!r}.")
    if status != 200:
        return RedirectResponse(_address(record.id), status_code=status)
    return HTMLResponse(render_profile_frame(text, record.name))
