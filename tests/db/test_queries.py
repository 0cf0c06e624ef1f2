"""Data-layer reads on the bundled seed: author and paper search, an author's papers and coauthors
walked page by page, the counts that go with them, and a paper's byline in order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from api.db import authors, coauthors, listing, papers
from api.db.keyset import Page, Window
from api.db.pool import Database
from api.db.records import AuthorRecord, PaperRecord
from api.ingest.seed import load_seed_if_empty

T = TypeVar("T")
K = TypeVar("K")

OWNER = "Louis Béthune"
STURM = "Deep Sturm--Liouville: From Sample-Based to 1D Regularization with Learnable Orthogonal Basis Functions"


def fold(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c)).lower()


@pytest.fixture
async def seeded(db: Database) -> Database:
    assert await load_seed_if_empty(db) is not None
    return db


async def owner_id(db: Database) -> int:
    found: int = await db.fetchval("SELECT id FROM authors WHERE name = $1", OWNER)
    return found


async def walk(fetch_page: Callable[[Window], Awaitable[Page[T]]], size: int) -> list[list[T]]:
    """Every page of a list, following each page's last cursor."""
    pages: list[list[T]] = []
    window = Window(first=size)
    while True:
        page = await fetch_page(window)
        pages.append(page.items)
        if not page.has_next:
            return pages
        window = Window(first=size, after=page.cursors[-1])


# --- author search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["louis bethune", "BÉTHUNE", "louis bet", "luis bethune", "Louis  Béthune!"])
async def test_search_authors_finds_the_owner_first(seeded: Database, query: str) -> None:
    page = await search_authors(seeded, query, Window(first=5))
    assert page.items, query
    assert page.items[0].name == OWNER


async def test_search_authors_nonsense_finds_nobody(seeded: Database) -> None:
    page = await search_authors(seeded, "qxzvwj", Window(first=5))
    assert page.items == []
    assert page.has_next is False
    assert await count_search_authors(seeded, "qxzvwj") == 0


async def test_search_authors_punctuation_only_finds_nobody(seeded: Database) -> None:
    assert (await search_authors(seeded, "%_-", Window(first=5))).items == []
    assert await count_search_authors(seeded, "%_-") == 0


async def test_search_authors_count_matches_the_walk(seeded: Database) -> None:
    pages = await walk(lambda window: search_authors(seeded, "an", window), 3)
    found = [author.id for page in pages for author in page]
    assert len(found) == len(set(found)) == await count_search_authors(seeded, "an")
    assert len(found) > 3


async def test_search_authors_accent_spellings_find_one_author(seeded: Database) -> None:
    for query in ("Alberto Gonzalez-Sanz", "alberto gonzález sanz"):
        page = await search_authors(seeded, query, Window(first=5))
        assert [author.name for author in page.items][:1] == ["Alberto González-Sanz"], query
    assert await count_search_authors(seeded, "gonzalez") == 1


def search_authors(db: Database, text: str, window: Window) -> Awaitable[Page[AuthorRecord]]:
    found = authors.list_authors(
        db,
        authors.AuthorScope.ALL,
        [listing.ALL],
        authors.AuthorFilter(search=text),
        authors.AuthorOrder.RELEVANCE,
        window,
    )
    return _one(found, listing.ALL)


async def count_search_authors(db: Database, text: str) -> int:
    found = await authors.count_authors(db, authors.AuthorScope.ALL, [listing.ALL], authors.AuthorFilter(search=text))
    return found[listing.ALL]


def search_papers(db: Database, text: str, window: Window) -> Awaitable[Page[PaperRecord]]:
    return _one(
        papers.list_papers(
            db,
            papers.PaperScope.ALL,
            [listing.ALL],
            papers.PaperFilter(search=text),
            papers.PaperOrder.RELEVANCE,
            window,
        ),
        listing.ALL,
    )


async def count_search_papers(db: Database, text: str) -> int:
    found = await papers.count_papers(db, papers.PaperScope.ALL, [listing.ALL], papers.PaperFilter(search=text))
    return found[listing.ALL]


# --- paper search -------------------------------------------------------------------------------------


async def test_search_papers_finds_sturm_liouville_first(seeded: Database) -> None:
    page = await search_papers(seeded, "Sturm Liouville", Window(first=5))
    assert page.items[0].title == STURM


async def test_search_papers_nonsense_finds_none(seeded: Database) -> None:
    assert (await search_papers(seeded, "qxzvwj", Window(first=5))).items == []
    assert await count_search_papers(seeded, "qxzvwj") == 0


async def test_search_papers_count_matches_the_walk(seeded: Database) -> None:
    pages = await walk(lambda window: search_papers(seeded, "optimal transport", window), 2)
    found = [paper.id for page in pages for paper in page]
    assert len(found) == len(set(found)) == await count_search_papers(seeded, "optimal transport")
    assert len(found) >= 3


# --- an author's papers -------------------------------------------------------------------------------


async def test_papers_of_owner_walk_all_18_newest_first(seeded: Database) -> None:
    author = await owner_id(seeded)
    pages = await walk(
        lambda window: _one(
            papers.list_papers(
                seeded, papers.PaperScope.AUTHOR, [(author, 0)], papers.PaperFilter(), papers.PaperOrder.NEWEST, window
            ),
            (author, 0),
        ),
        5,
    )
    assert [len(page) for page in pages] == [5, 5, 5, 3]
    walked = [paper for page in pages for paper in page]
    assert len({paper.id for paper in walked}) == 18
    keys = [(paper.published_on, paper.id) for paper in walked]
    assert keys == sorted(keys, reverse=True)
    assert walked[0].title.startswith("Mix, Don't Tune")  # May 13, read as 2026-05-13
    assert walked[-1].title.startswith("Hierarchical and Unsupervised Graph")  # Jul 7, 2020


async def test_count_papers_of_authors(seeded: Database) -> None:
    author = await owner_id(seeded)
    scope, nothing = papers.PaperScope, papers.PaperFilter()
    assert await papers.count_papers(seeded, scope.AUTHOR, [(author, 0), (-1, 0)], nothing) == {
        (author, 0): 18,
        (-1, 0): 0,
    }
    assert await papers.count_papers(seeded, scope.ALL, [listing.ALL], nothing) == {listing.ALL: 18}


# --- coauthors ----------------------------------------------------------------------------------------


async def test_coauthors_ranked_by_shared_papers(seeded: Database) -> None:
    author = await owner_id(seeded)
    page = (await coauthors.coauthors_of_authors(seeded, [author], Window(first=5)))[author]
    ranked = [(fold(edge.author.name), edge.shared_paper_count) for edge in page.items]
    assert ranked == [
        ("pierre ablin", 3),
        ("alberto gonzalez-sanz", 2),
        ("david vigouroux", 2),
        ("mathieu serrurier", 2),
        ("myriam bontonou", 2),
    ]


async def test_coauthor_edge_carries_shared_years(seeded: Database) -> None:
    author = await owner_id(seeded)
    page = (await coauthors.coauthors_of_authors(seeded, [author], Window(first=1)))[author]
    ablin = page.items[0]
    assert (ablin.of_author_id, ablin.first_shared_year, ablin.last_shared_year) == (author, 2025, 2026)


async def test_coauthors_walk_all_34_without_repeat(seeded: Database) -> None:
    author = await owner_id(seeded)
    pages = await walk(lambda window: _one(coauthors.coauthors_of_authors(seeded, [author], window), author), 7)
    assert [len(page) for page in pages] == [7, 7, 7, 7, 6]
    walked = [edge for page in pages for edge in page]
    assert len({edge.author.id for edge in walked}) == 34
    assert author not in {edge.author.id for edge in walked}
    counts = [edge.shared_paper_count for edge in walked]
    assert counts == sorted(counts, reverse=True)
    assert sum(counts) == 58 - 18  # every authorship on the owner's papers but the owner's own


async def test_count_coauthors_of_authors(seeded: Database) -> None:
    author = await owner_id(seeded)
    assert await coauthors.count_coauthors_of_authors(seeded, [author, -1]) == {author: 34, -1: 0}
    everyone = await authors.count_authors(seeded, authors.AuthorScope.ALL, [listing.ALL], authors.AuthorFilter())
    assert everyone == {listing.ALL: 35}


# --- a paper's byline ---------------------------------------------------------------------------------


async def test_authorships_of_papers_in_byline_order(seeded: Database) -> None:
    rows = await seeded.fetch(
        "SELECT id, title FROM papers WHERE title LIKE 'Gaussian Processes%' OR title LIKE 'Scaling Categorical%'"
    )
    ids = {row["title"].split()[0]: row["id"] for row in rows}
    bylines = await papers.authorships_of_papers(seeded, [ids["Gaussian"], ids["Scaling"], -1])
    gaussian = [(s.position, s.name_as_written, s.author.name) for s in bylines[ids["Gaussian"]]]
    assert gaussian == [
        (1, "François Bachoc", "François Bachoc"),
        (2, OWNER, OWNER),
        (3, "Alberto Gonzalez-Sanz", "Alberto González-Sanz"),
    ]
    scaling = [(s.position, s.author.name) for s in bylines[ids["Scaling"]]]
    assert scaling == [(1, "Oscar Davis"), (2, "Anastasiia Filippova"), (3, "Pierre Ablin"), (None, OWNER)]
    assert bylines[-1] == []


async def _one(pages: Awaitable[dict[K, Page[T]]], key: K) -> Page[T]:
    return (await pages)[key]
