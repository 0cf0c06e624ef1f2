"""The day-one contract: the queries in tests/contract/queries (verbatim copies of the shared contract's)
answer on the seeded service what the shared `check.py` expects, one of its checks per test.

The checks are re-implemented here rather than imported, so that a failure names the broken promise.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from starlette.testclient import TestClient

QUERIES = Path(__file__).resolve().parent.parent / "contract" / "queries"
# SHA-256 of the shared contract's queries as copied: a copy edited by mistake fails here; CI also runs the
# shared check.py itself against the running service (.ci/run, scripts/contract).
CONTRACT_SHA256 = {
    "node": "5c18cc311aeac40c0be88af7c3b9965df2d4140ed7af4a5b62d7789be85e9777",
    "paper_relations": "803cae80e1d670d1b3f7969ed17426bf07774dcb627afa2fea1574b58df480e0",
    "papers_page": "d1969ba5b615cb355eaf66eca47bc5271971205974e15a00cb65d259c5f0329a",
    "profile": "4cd6a91d75e5b536631219b79332c90d497f1f6587d5f0a9111930f30f4d48b7",
}
OWNER = "Louis Béthune"


def fold(text: str) -> str:
    """Accents stripped, lower case: how check.py compares names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def post_query(client: TestClient, name: str, variables: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST a contract query the way check.py does: a JSON body, asking for application/json."""
    body = json.dumps({"query": (QUERIES / f"{name}.graphql").read_text(), "variables": variables})
    response = client.post(
        "/graphql",
        content=body.encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    return response.status_code, response.json()


def run(client: TestClient, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    status, document = post_query(client, name, variables)
    assert status == 200, document
    assert not document.get("errors"), document["errors"]
    data: dict[str, Any] = document["data"]
    return data


@pytest.fixture(scope="module")
def profile(seeded_server: TestClient) -> dict[str, Any]:
    """The first author the profile query finds for 'louis bethune'."""
    data = run(seeded_server, "profile", {"search": "louis bethune"})
    nodes = data["authors"]["nodes"]
    assert nodes, "the profile search found nobody"
    author: dict[str, Any] = nodes[0]
    return author


@pytest.fixture(scope="module")
def profile_papers(profile: dict[str, Any]) -> list[dict[str, Any]]:
    papers: list[dict[str, Any]] = profile["papers"]["nodes"]
    return papers


@pytest.fixture(scope="module")
def paper_relations(seeded_server: TestClient) -> dict[str, Any]:
    data = run(seeded_server, "paper_relations", {"search": "Sturm Liouville"})
    nodes = data["papers"]["nodes"]
    assert nodes, "the paper search found nothing"
    paper: dict[str, Any] = nodes[0]
    return paper


# The queries themselves ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONTRACT_SHA256))
def test_contract_query_is_a_verbatim_copy(name: str) -> None:
    assert hashlib.sha256((QUERIES / f"{name}.graphql").read_bytes()).hexdigest() == CONTRACT_SHA256[name]


# Health ----------------------------------------------------------------------------------------------


def test_healthz_is_200(seeded_server: TestClient) -> None:
    assert seeded_server.get("/healthz").status_code == 200


def test_readyz_is_200(seeded_server: TestClient) -> None:
    assert seeded_server.get("/readyz").status_code == 200


# 1. The profile page in one request, found by an unaccented name ---------------------------------------


def test_profile_query_answers_200_without_errors(seeded_server: TestClient) -> None:
    status, document = post_query(seeded_server, "profile", {"search": "louis bethune"})
    assert status == 200
    assert not document.get("errors")


def test_unaccented_search_finds_the_owner_first(profile: dict[str, Any]) -> None:
    assert profile["name"] == OWNER


def test_reported_h_index_is_34(profile: dict[str, Any]) -> None:
    assert profile["metrics"]["hIndex"] == 34


def test_reported_citation_count_is_220(profile: dict[str, Any]) -> None:
    assert profile["metrics"]["citationCount"] == 220


def test_reported_paper_count_is_18(profile: dict[str, Any]) -> None:
    assert profile["metrics"]["paperCount"] == 18


def test_novelty_is_the_fraction_0_59(profile: dict[str, Any]) -> None:
    novelty = profile["metrics"]["novelty"]
    assert novelty is not None
    assert abs(float(novelty) - 0.59) < 1e-9


def test_ai_score_is_59(profile: dict[str, Any]) -> None:
    ai_score = profile["metrics"]["aiScore"]
    assert ai_score is not None
    assert abs(float(ai_score) - 59) < 1e-9


def test_computed_metrics_come_from_the_stored_graph(profile: dict[str, Any]) -> None:
    computed = profile["computedMetrics"]
    assert (computed["paperCount"], computed["hIndex"]) == (18, 0)


def test_profile_lists_all_18_papers(profile: dict[str, Any]) -> None:
    assert profile["papers"]["totalCount"] == 18
    assert len(profile["papers"]["nodes"]) == 18


def test_primary_categories_are_arxiv_codes(profile_papers: list[dict[str, Any]]) -> None:
    categories = Counter(p["primaryCategory"] for p in profile_papers)
    assert categories == Counter({"cs.LG": 10, "stat.ML": 3, "cs.CV": 2, "cs.CL": 2, "cs.AI": 1})


def test_exactly_two_papers_carry_the_code_badge(profile_papers: list[dict[str, Any]]) -> None:
    assert sum(1 for p in profile_papers if p["hasCode"]) == 2


def test_a_date_without_year_takes_the_snapshot_year(profile_papers: list[dict[str, Any]]) -> None:
    dates = {p["title"][:20]: p["publishedOn"] for p in profile_papers}
    assert dates.get("LaCy: What Small Lan") == "2026-02-12"


def test_a_full_date_is_an_iso_date(profile_papers: list[dict[str, Any]]) -> None:
    dates = {p["title"][:20]: p["publishedOn"] for p in profile_papers}
    assert dates.get("Graph-Based Captioni") == "2024-07-09"


def test_an_authors_papers_come_newest_first(profile_papers: list[dict[str, Any]]) -> None:
    ordered = [p["publishedOn"] or "" for p in profile_papers]
    assert ordered == sorted(ordered, reverse=True)


def test_the_owner_is_an_author_of_every_paper(profile_papers: list[dict[str, Any]]) -> None:
    missing = [p["title"] for p in profile_papers if not any(fold(a["name"]) == "louis bethune" for a in p["authors"])]
    assert missing == []


def test_34_distinct_coauthors_with_accent_variants_merged(profile: dict[str, Any]) -> None:
    assert profile["coauthors"]["totalCount"] == 34


def _top_coauthors(profile: dict[str, Any]) -> list[tuple[str, int]]:
    return [(fold(n["author"]["name"]), n["sharedPaperCount"]) for n in profile["coauthors"]["nodes"]]


def test_top_coauthor_is_pierre_ablin_with_3_shared_papers(profile: dict[str, Any]) -> None:
    assert _top_coauthors(profile)[:1] == [("pierre ablin", 3)]


def test_next_four_coauthors_share_two_papers_each(profile: dict[str, Any]) -> None:
    assert set(_top_coauthors(profile)[1:5]) == {
        ("alberto gonzalez-sanz", 2),
        ("david vigouroux", 2),
        ("mathieu serrurier", 2),
        ("myriam bontonou", 2),
    }


# 2. Refetch by global id -----------------------------------------------------------------------------


def test_node_refetches_the_same_author(seeded_server: TestClient, profile: dict[str, Any]) -> None:
    node = run(seeded_server, "node", {"id": profile["id"]})["node"]
    assert node == {"id": profile["id"], "name": OWNER}


def test_node_with_a_malformed_id_answers_null(seeded_server: TestClient) -> None:
    status, document = post_query(seeded_server, "node", {"id": "not-a-real-id"})
    assert status == 200
    assert (document.get("data") or {}).get("node") is None


# 3. Cursor pagination over an author's papers --------------------------------------------------------


def test_paging_by_five_walks_all_18_papers_once(seeded_server: TestClient) -> None:
    seen: list[str] = []
    after = None
    for _ in range(10):
        data = run(seeded_server, "papers_page", {"search": "louis bethune", "first": 5, "after": after})
        page = data["authors"]["nodes"][0]["papers"]
        seen += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 18
    assert len(set(seen)) == 18


# 4. Paper -> authors -> their metrics ----------------------------------------------------------------


def test_paper_authors_come_in_byline_order(paper_relations: dict[str, Any]) -> None:
    names = [fold(a["name"]) for a in paper_relations["authors"]]
    assert names[:3] == ["david vigouroux", "joseba dalmau", "louis bethune"]


def test_an_author_reached_through_a_paper_carries_metrics(paper_relations: dict[str, Any]) -> None:
    owner = [a for a in paper_relations["authors"] if fold(a["name"]) == "louis bethune"]
    assert owner
    assert owner[0]["metrics"]["hIndex"] == 34


# 5. REST ---------------------------------------------------------------------------------------------


def test_rest_author_has_the_name_and_h_index_34(seeded_server: TestClient, profile: dict[str, Any]) -> None:
    response = seeded_server.get("/v1/authors/" + quote(profile["id"], safe=""), headers={"Accept": "application/json"})
    assert response.status_code == 200
    flat = json.dumps(response.json(), ensure_ascii=False)
    assert OWNER in flat
    assert re.search(r'"h_?[iI]ndex": 34', flat) is not None


def test_rest_unknown_author_is_404(seeded_server: TestClient) -> None:
    response = seeded_server.get("/v1/authors/does-not-exist", headers={"Accept": "application/json"})
    assert response.status_code == 404


def test_openapi_document_is_served(seeded_server: TestClient) -> None:
    response = seeded_server.get("/openapi.json")
    assert response.status_code == 200
    assert b'"openapi"' in response.content


# 6. GraphiQL works offline ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graphiql_page(seeded_server: TestClient) -> str:
    response = seeded_server.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def test_a_browser_gets_graphiql(graphiql_page: str) -> None:
    assert "graphiql" in graphiql_page.lower()


def test_graphiql_loads_nothing_from_another_host(graphiql_page: str) -> None:
    assert re.findall(r'(?:src|href)\s*=\s*["\'](https?:)?//[^"\']+', graphiql_page) == []


def test_every_graphiql_asset_is_served_locally(seeded_server: TestClient, graphiql_page: str) -> None:
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', graphiql_page)
    assets = [u for u in refs if not re.match(r"(?:[a-z]+:|//|#)", u, re.IGNORECASE)]
    assert assets
    base = "http://testserver/graphql"
    paths = [urlsplit(urljoin(base, u)) for u in assets]
    missing = [
        p.path for p in paths if seeded_server.get(p.path + ("?" + p.query if p.query else "")).status_code != 200
    ]
    assert missing == []
