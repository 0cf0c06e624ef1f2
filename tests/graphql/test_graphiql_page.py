"""The GraphiQL page loads only local assets, finds them built, and embeds its defaults safely."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import api
from api.graphql.graphiql import DEFAULT_QUERY, DEFAULT_VARIABLES, render_graphiql_page

STATIC_PREFIX = "/static/graphiql"
ASSET_DIR = Path(api.__file__).resolve().parent / "static" / "graphiql"
EXPECTED_ASSETS = {
    "graphiql.min.css",
    "graphiql.min.js",
    "react.production.min.js",
    "react-dom.production.min.js",
}


class _PageParser(HTMLParser):
    """Collects the src/href URLs a page loads, and the text of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self.script_count = 0
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name) is not None:
                self.urls.append(str(values[name]))
        if tag == "script":
            self.script_count += 1
            self._in_inline_script = "src" not in values
            if self._in_inline_script:
                self.inline_scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts[-1] += data


def _render(query: str = DEFAULT_QUERY, variables: str = DEFAULT_VARIABLES) -> str:
    return render_graphiql_page(
        endpoint="/graphql", static_prefix=STATIC_PREFIX, default_query=query, default_variables=variables
    )


def _parse(page: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(page)
    parser.close()
    return parser


def _script_string(script: str, name: str) -> str:
    """The value of `var <name> = "<JSON string>";` in an inline script, decoded."""
    match = re.search(rf"var {name} = (\".*?(?<!\\)\");", script)
    assert match is not None, f"no `var {name}` in the inline script"
    value = json.loads(match.group(1))
    assert isinstance(value, str)
    return value


def test_page_is_graphiql_with_title_and_fallbacks() -> None:
    page = _render()
    assert page.startswith("<!doctype html>")
    assert "<title>Scholar Graph — GraphiQL</title>" in page
    assert "graphiql" in page
    assert 'id="graphiql"' in page
    assert "<noscript>" in page
    assert "GraphiQL.createFetcher({ url: endpoint })" in page


def test_page_loads_no_remote_resources() -> None:
    urls = _parse(_render()).urls
    assert urls, "the page references no assets"
    for url in urls:
        assert not re.match(r"^\s*([a-z][a-z0-9+.-]*:|//|\\\\)", url, re.IGNORECASE), url
        assert url.startswith(f"{STATIC_PREFIX}/"), url
    page = _render()
    assert "http://" not in page
    assert "https://" not in page


def test_every_referenced_asset_is_built() -> None:
    names = {url.removeprefix(f"{STATIC_PREFIX}/") for url in _parse(_render()).urls}
    assert names == EXPECTED_ASSETS
    missing = sorted(name for name in names if not (ASSET_DIR / name).is_file())
    assert not missing, (
        f"GraphiQL assets missing from {ASSET_DIR}: {missing}. They are fetched from npm by the build "
        "hook (pip install -e .) or by scripts/build-graphiql."
    )


def test_defaults_are_prefilled() -> None:
    script = _parse(_render()).inline_scripts[-1]
    assert _script_string(script, "endpoint") == "/graphql"
    assert _script_string(script, "query") == DEFAULT_QUERY
    assert _script_string(script, "variables") == DEFAULT_VARIABLES
    assert json.loads(DEFAULT_VARIABLES) == {"search": "Louis Béthune"}
    assert "query Profile($search: String!)" in DEFAULT_QUERY


def test_query_cannot_break_out_of_the_script() -> None:
    hostile = 'query { a } # </script><script>alert("x")</script> <!-- </SCRIPT >'
    hostile_variables = '{"s": "</script><img src=x onerror=alert(1)>"}'
    page = _render(hostile, hostile_variables)
    parser = _parse(page)

    assert parser.script_count == 4  # three bundles and the inline bootstrap: nothing injected
    assert page.lower().count("</script") == 4
    assert "<!--" not in page
    assert "<img" not in page
    script = parser.inline_scripts[-1]
    assert _script_string(script, "query") == hostile
    assert _script_string(script, "variables") == hostile_variables


def test_static_prefix_trailing_slash_and_escaping() -> None:
    page = render_graphiql_page(
        endpoint="/graphql", static_prefix='/static/graphiql/"x/', default_query="", default_variables=""
    )
    assert 'href="/static/graphiql/&quot;x/graphiql.min.css"' in page


@pytest.mark.parametrize(
    "prefix",
    [
        "https://cdn.example.com/graphiql",
        "http://x",
        "//cdn.example.com",
        "HTTPS://X",
        "data:x",
        "http:x",
        "\\\\host\\x",
    ],
)
def test_remote_static_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="static_prefix must be a path on this server"):
        render_graphiql_page(endpoint="/graphql", static_prefix=prefix, default_query="", default_variables="")
