"""Query parameters are strict: every bad value, unknown name or repetition is a 400 `invalid_input` whose
message names the parameter, on every endpoint that takes it; the spellings that are accepted are too.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from rest_support import get_error, get_ok
from starlette.testclient import TestClient

from api.ids import encode_id
from api.rest import models

AUTHOR = encode_id("Author", 1)
PAPER = encode_id("Paper", 1)
INSTITUTION = encode_id("Institution", 1)

PAPER_LISTS = [
    "/v1/papers",
    f"/v1/authors/{AUTHOR}/papers",
    f"/v1/authors/{AUTHOR}/coauthors/{encode_id('Author', 13)}/papers",
    f"/v1/papers/{PAPER}/references",
    f"/v1/papers/{PAPER}/citations",
    f"/v1/institutions/{INSTITUTION}/papers",
]


def cursor(*key: Any) -> str:
    """A cursor as the service writes them, with any key: a tampered one."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


AUTHOR_LISTS = ["/v1/authors", f"/v1/institutions/{INSTITUTION}/authors"]

# (parameters, the parameter the message must name)
BAD_PAPER_PARAMS: list[tuple[dict[str, Any], str]] = [
    ({"first": "abc"}, "first"),
    ({"first": "2.5"}, "first"),
    ({"first": ""}, "first"),
    ({"first": "-1"}, "first"),
    ({"first": "101"}, "first"),
    ({"first": "1" * 40}, "first"),
    ({"after": "garbage"}, "cursor"),
    ({"after": cursor("papers:newest", "2024-01-01")}, "cursor"),  # a key too short
    ({"after": cursor("papers:newest", None, 1)}, "cursor"),
    ({"sort": "most_cited", "after": cursor("papers:most_cited", 2**40, 1)}, "cursor"),  # beyond an int4
    ({"sort": "oldest", "after": cursor("papers:newest", "2024-01-01", 1)}, "cursor"),  # another sort's
    ({"sort": "popular"}, "sort"),
    ({"sort": "NEWEST"}, "sort"),
    ({"sort": "relevance"}, "search"),
    ({"published_from": "2024-13-01"}, "published_from"),
    ({"published_from": "2024-1-1"}, "published_from"),
    ({"published_from": "yesterday"}, "published_from"),
    ({"published_to": "20240101"}, "published_to"),
    ({"published_from": "2024-02-01", "published_to": "2024-01-01"}, "published_to"),
    ({"has_code": "maybe"}, "has_code"),
    ({"has_code": ""}, "has_code"),
    ({"min_citations": "-1"}, "min_citations"),
    ({"min_citations": "ten"}, "min_citations"),
    ({"min_citations": "2147483648"}, "min_citations"),
    ({"updated_since": "last week"}, "updated_since"),
    ({"updated_since": "2024-05-01T12:00:00 02:00"}, "updated_since"),  # an unencoded `+`
    ({"updated_since": "9999-12-31T23:59:59-05:00"}, "updated_since"),  # beyond year 9999 in UTC
    ({"author": "nope"}, "author"),
    ({"author": PAPER}, "author"),
    ({"institution": "nope"}, "institution"),
    ({"institution": AUTHOR}, "institution"),
    ({"category": ""}, "category"),
    ({"category": "cs\x00LG"}, "category"),
    ({"category": [f"c{i}" for i in range(51)]}, "category"),
    ({"search": "x" * 501}, "search"),
    ({"search": "a\x00b"}, "search"),
    ({"facets": "yes"}, "facets"),
    ({"foo": "1"}, "foo"),
    ({"categories": "cs.LG"}, "categories"),  # a typo of `category`
    ({"min_h_index": "1"}, "min_h_index"),  # an author filter
    ({"first": ["1", "2"]}, "first"),
    ({"sort": ["newest", "oldest"]}, "sort"),
]


@pytest.mark.parametrize("path", PAPER_LISTS)
@pytest.mark.parametrize(("params", "named"), BAD_PAPER_PARAMS)
def test_every_paper_list_refuses_bad_parameters(
    seeded_server: TestClient, path: str, params: dict[str, Any], named: str
) -> None:
    assert named in get_error(seeded_server, path, **params)


BAD_AUTHOR_PARAMS: list[tuple[dict[str, Any], str]] = [
    ({"first": "x"}, "first"),
    ({"first": "1000"}, "first"),
    ({"after": "garbage"}, "cursor"),
    ({"sort": "newest"}, "sort"),
    ({"sort": "relevance"}, "search"),
    ({"min_h_index": "-3"}, "min_h_index"),
    ({"min_h_index": "1.5"}, "min_h_index"),
    ({"min_citations": "x"}, "min_citations"),
    ({"updated_since": "2024-02-30"}, "updated_since"),
    ({"institution": "nope"}, "institution"),
    ({"category": ""}, "category"),
    ({"category": "\x00"}, "category"),
    ({"sort": "h_index", "after": cursor("authors:h_index", 2**40, 1)}, "cursor"),
    ({"search": "y" * 501}, "search"),
    ({"published_from": "2024-01-01"}, "published_from"),  # a paper filter
    ({"has_code": "true"}, "has_code"),
    ({"search": ["a", "b"]}, "search"),
]


@pytest.mark.parametrize("path", AUTHOR_LISTS)
@pytest.mark.parametrize(("params", "named"), BAD_AUTHOR_PARAMS)
def test_every_author_list_refuses_bad_parameters(
    seeded_server: TestClient, path: str, params: dict[str, Any], named: str
) -> None:
    assert named in get_error(seeded_server, path, **params)


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        (f"/v1/authors/{AUTHOR}/coauthors", {"sort": "citations"}, "sort"),
        (f"/v1/authors/{AUTHOR}/coauthors", {"first": "-5"}, "first"),
        (f"/v1/authors/{AUTHOR}/coauthors", {"search": "x"}, "search"),
        ("/v1/institutions", {"sort": "name"}, "sort"),
        ("/v1/institutions", {"first": "x"}, "first"),
        ("/v1/institutions", {"search": "z" * 501}, "search"),
        (f"/v1/authors/{AUTHOR}", {"first": "1"}, "first"),
        (f"/v1/papers/{PAPER}", {"facets": "true"}, "facets"),
        (f"/v1/institutions/{INSTITUTION}", {"x": "1"}, "x"),
        ("/v1/authors/metrics", {"ids": AUTHOR, "first": "1"}, "first"),
    ],
)
def test_other_endpoints_refuse_bad_parameters(
    seeded_server: TestClient, path: str, params: dict[str, Any], named: str
) -> None:
    assert named in get_error(seeded_server, path, **params)


def test_an_unknown_parameter_is_named_with_what_the_endpoint_takes(seeded_server: TestClient) -> None:
    message = get_error(seeded_server, "/v1/institutions", serch="harvard", limit="5")
    assert message == ("unknown query parameters `serch`, `limit` (this endpoint takes: `search`, `first`, `after`)")


def test_an_unknown_parameter_is_refused_before_the_id_is_looked_up(seeded_server: TestClient) -> None:
    assert "`foo`" in get_error(seeded_server, f"/v1/authors/{encode_id('Author', 987_654)}", foo="1")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/authors/nope/papers",
        "/v1/authors/nope/coauthors",
        f"/v1/authors/{AUTHOR}/coauthors/nope/papers",
        "/v1/papers/nope/references",
        "/v1/papers/nope/citations",
        "/v1/institutions/nope/papers",
        "/v1/institutions/nope/authors",
    ],
)
def test_a_bad_parameter_is_400_whatever_the_path_names(seeded_server: TestClient, path: str) -> None:
    assert "`first`" in get_error(seeded_server, path, first="x")
    get_error(seeded_server, path, 404)


# --- accepted spellings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "total"), [("true", 2), ("TRUE", 2), ("1", 2), ("false", 16), ("0", 16)])
def test_booleans(seeded_server: TestClient, given: str, total: int) -> None:
    assert get_ok(seeded_server, "/v1/papers", models.PaperPage, has_code=given)["total_count"] == total


@pytest.mark.parametrize(
    "given", ["2000-01-01", "2000-01-01T00:00:00Z", "2000-01-01T00:00", "2000-01-01T02:00:00+02:00", "2000-01-01 00:00"]
)
def test_instants(seeded_server: TestClient, given: str) -> None:
    assert get_ok(seeded_server, "/v1/papers", models.PaperPage, updated_since=given)["total_count"] == 18


@pytest.mark.parametrize(("path", "given"), [("/v1/papers", {}), ("/v1/authors", {})])
def test_empty_search_and_after_are_absent(seeded_server: TestClient, path: str, given: dict[str, str]) -> None:
    model = models.PaperPage if path == "/v1/papers" else models.AuthorPage
    whole = get_ok(seeded_server, path, model, first=3)
    assert get_ok(seeded_server, path, model, first=3, search="", after="") == whole


def test_the_page_size_limit_follows_the_setting(server_url: str, database_url: str) -> None:
    from conftest import make_settings
    from starlette.testclient import TestClient as Client

    from api.app import create_app

    with Client(create_app(make_settings(database_url, max_page_size=5))) as client:
        assert len(get_ok(client, "/v1/papers", models.PaperPage)["items"]) == 5  # the default, capped
        assert get_ok(client, "/v1/papers", models.PaperPage, first=5)["has_more"] is True
        assert "between 0 and 5" in get_error(client, "/v1/papers", first=6)
