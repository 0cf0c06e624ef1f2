"""The GraphiQL page: an in-browser IDE for the GraphQL endpoint, built from local assets only.

The page loads React, ReactDOM and GraphiQL's UMD bundles from `static_prefix`, which the service
serves out of api/static/graphiql/. Those files come from the npm registry at build time (see
hatch_build.py and scripts/build-graphiql); the page never reaches out to a CDN.

Everything variable that ends up inside the inline script (the endpoint, the default query and
variables) is JSON-encoded with `<`, `>` and `&` written as unicode escapes, so no value can close
the script element or open an HTML comment. The static prefix goes into attributes, HTML-escaped.
"""

from __future__ import annotations

import html
import json
import re

__all__ = ["DEFAULT_QUERY", "DEFAULT_VARIABLES", "render_graphiql_page"]

DEFAULT_QUERY = """\
query Profile($search: String!) {
  authors(search: $search, first: 1) {
    totalCount
    nodes {
      id
      name
      metrics {
        hIndex citationCount paperCount
        novelty aiScore
      }
      computedMetrics {
        hIndex citationCount paperCount
      }
      papers(first: 10) {
        totalCount
        nodes {
          title primaryCategory
          publishedOn hasCode
          authors { name }
        }
      }
      coauthors(first: 5) {
        totalCount
        nodes { sharedPaperCount author { name } }
      }
    }
  }
}
"""
"""The query a first visit to the page opens with."""

DEFAULT_VARIABLES = '{"search": "Louis Béthune"}'
"""The variables (JSON text) a first visit opens with, matching DEFAULT_QUERY."""

PAGE_TITLE = "Scholar Graph — GraphiQL"

_REMOTE_URL = re.compile(r"\s*([a-z][a-z0-9+.-]*:|[/\\]{2})", re.IGNORECASE)
"""A URL with a scheme (https:, data:, javascript:) or a network path (//host): not a local path."""

_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _script_literal(value: str) -> str:
    """A JavaScript string literal for `value` that is safe inside an HTML <script> element."""
    return json.dumps(value).translate(_SCRIPT_ESCAPES)


def _local_prefix(static_prefix: str) -> str:
    """`static_prefix` without a trailing slash; rejects anything that would load from another host."""
    prefix = static_prefix.rstrip("/")
    if _REMOTE_URL.match(prefix):
        message = f"static_prefix must be a path on this server, not {static_prefix!r}"
        raise ValueError(message)
    return prefix


def render_graphiql_page(*, endpoint: str, static_prefix: str, default_query: str, default_variables: str) -> str:
    """The full HTML of the GraphiQL page.

    endpoint:          URL of the GraphQL endpoint the IDE sends queries to, e.g. "/graphql".
    static_prefix:     URL path under which graphiql.min.js, graphiql.min.css and the React bundles
                       are served, e.g. "/static/graphiql". Must be local: a URL with a scheme or a
                       host raises ValueError.
    default_query:     the query a first visit opens with (later visits restore the user's tabs).
    default_variables: the variables, as JSON text, that go with default_query.
    """
    prefix = html.escape(_local_prefix(static_prefix), quote=True)
    endpoint_text = html.escape(endpoint)
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{html.escape(PAGE_TITLE)}</title>
  <link rel="stylesheet" href="{prefix}/graphiql.min.css">
  <style>
    html, body {{ height: 100%; margin: 0; }}
    body {{ display: flex; flex-direction: column; font-family: system-ui, sans-serif; }}
    .sg-header {{
      display: flex; align-items: baseline; gap: 1em; padding: 0.4em 1em;
      background: #1f2937; color: #f9fafb; font-size: 14px;
    }}
    .sg-header strong {{ font-size: 15px; }}
    .sg-header code {{ color: #93c5fd; }}
    .sg-fallback {{ padding: 2em; max-width: 50em; line-height: 1.5; }}
    #graphiql {{ flex: 1; min-height: 0; }}
  </style>
</head>
<body>
  <header class="sg-header">
    <strong>{html.escape(PAGE_TITLE)}</strong>
    <span>endpoint <code>{endpoint_text}</code></span>
  </header>
  <noscript>
    <div class="sg-fallback">
      <p>GraphiQL needs JavaScript. Without it, send queries as an HTTP <code>POST</code> to
      <code>{endpoint_text}</code> with a JSON body such as
      <code>{{"query": "{{ __typename }}"}}</code>.</p>
    </div>
  </noscript>
  <div id="graphiql"><p class="sg-fallback">Loading GraphiQL…</p></div>
  <script src="{prefix}/react.production.min.js"></script>
  <script src="{prefix}/react-dom.production.min.js"></script>
  <script src="{prefix}/graphiql.min.js"></script>
  <script>
    (function () {{
      "use strict";
      var container = document.getElementById("graphiql");
      if (!window.React || !window.ReactDOM || !window.GraphiQL) {{
        container.innerHTML = '<p class="sg-fallback">The GraphiQL assets did not load. They come '
          + "from npm when the package is built; in a source checkout, run "
          + "<code>scripts/build-graphiql</code>.</p>";
        return;
      }}
      var endpoint = {_script_literal(endpoint)};
      var query = {_script_literal(default_query)};
      var variables = {_script_literal(default_variables)};
      var props = {{
        fetcher: GraphiQL.createFetcher({{ url: endpoint }}),
        defaultQuery: query,
        defaultTabs: [{{ query: query, variables: variables }}],
        defaultEditorToolsVisibility: true
      }};
      // GraphiQL 3 fills the variables editor from the `variables` prop or its saved state, not from
      // defaultTabs; pass the default only on a first visit so later visits keep the user's edits.
      var firstVisit = true;
      try {{
        firstVisit = window.localStorage.getItem("graphiql:tabState") === null;
      }} catch (e) {{
        // storage disabled: every visit is a first visit
      }}
      if (firstVisit) {{
        props.variables = variables;
      }}
      ReactDOM.createRoot(container).render(React.createElement(GraphiQL, props));
    }})();
  </script>
</body>
</html>
"""
