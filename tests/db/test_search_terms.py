"""Search by `paper_terms` (migration 0006): the table follows the papers' vectors, and a search of all
papers read from it gives the same order, cursors and totals as ranking every match from
`papers.search_vector`, for one-word searches (the index) and for every other query (the fallback)."""

from __future__ import annotations

import datetime as dt

import pytest

from api.db import papers
from api.db.keyset import Window
from api.db.listing import ALL
from api.db.pool import Database

D = dt.date


async def _insert(db: Database, title: str, abstract: str | None, published_on: D | None = None) -> int:
    paper_id = await db.fetchval(
        "INSERT INTO papers (title, abstract, published_on, published_precision) VALUES ($1, $2, $3, $4) RETURNING id",
        title,
        abstract,
        published_on,
        None if published_on is None else "day",
    )
    assert isinstance(paper_id, int)
    return paper_id


async def _execute(db: Database, sql: str, *args: object) -> None:
    async with db.connection() as connection:
        await connection.execute(sql, *args)


async def _terms_are_current(db: Database) -> bool:
    """paper_terms holds exactly each paper's lexemes, rank and date."""
    differ = await db.fetchval(
        """
        SELECT count(*) FROM (
            (SELECT t.lexeme, p.id, ts_rank_cd(p.search_vector, sg_lexeme_query(t.lexeme)), p.published_on
             FROM papers p, unnest(p.search_vector) t
             EXCEPT ALL SELECT lexeme, paper_id, score, published_on FROM paper_terms)
            UNION ALL
            (SELECT lexeme, paper_id, score, published_on FROM paper_terms
             EXCEPT ALL SELECT t.lexeme, p.id, ts_rank_cd(p.search_vector, sg_lexeme_query(t.lexeme)), p.published_on
             FROM papers p, unnest(p.search_vector) t)
        ) d
        """
    )
    return bool(differ == 0)


async def test_the_table_follows_inserts_updates_and_deletes(db: Database) -> None:
    first = await _insert(db, "Zymurgy of zymurgy", "Brewing and zymurgy.", D(2020, 5, 1))
    second = await _insert(db, "Optimal transport", None)
    async with db.connection() as connection:  # several rows in one statement
        await connection.execute(
            "INSERT INTO papers (title, abstract) SELECT 'Bulk paper ' || n, 'abstract words ' || n"
            " FROM generate_series(1, 5) n"
        )
    assert await _terms_are_current(db)
    assert await db.fetchval("SELECT score FROM paper_terms WHERE paper_id = $1 AND lexeme = 'zymurgi'", first) == (
        pytest.approx(2.4)  # twice in the title (1.0 each), once in the abstract (0.4)
    )
    await _execute(db, "UPDATE papers SET abstract = 'Sinkhorn iterations' WHERE id = $1", second)
    await _execute(
        db, "UPDATE papers SET published_on = '2021-01-02', published_precision = 'day' WHERE id = $1", first
    )
    await _execute(db, "UPDATE papers SET citation_count = 3")
    assert await _terms_are_current(db)
    await _execute(db, "DELETE FROM papers WHERE id = $1", first)
    assert await _terms_are_current(db)
    assert await db.fetchval("SELECT count(*) FROM paper_terms WHERE paper_id = $1", first) == 0


async def test_deleting_papers_removes_exactly_their_terms_and_truncating_removes_all(db: Database) -> None:
    """No foreign key (migration 0009): the papers' delete and truncate triggers do what its cascade did."""
    kept = await _insert(db, "Zymurgy kept", "Brewing stays.")
    gone = [await _insert(db, f"Optimal transport {n}", "Sinkhorn iterations.") for n in range(3)]
    await _execute(db, "DELETE FROM papers WHERE id = ANY ($1::bigint[])", gone)  # several in one statement
    assert await _terms_are_current(db)
    assert await db.fetchval("SELECT count(*) FROM paper_terms WHERE paper_id = ANY ($1::bigint[])", gone) == 0
    assert await db.fetchval("SELECT count(*) FROM paper_terms WHERE paper_id = $1", kept) == 4
    assert (
        await db.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'paper_terms'::regclass AND contype = 'f'"
        )
        == 0
    )
    await _execute(db, "TRUNCATE papers CASCADE")
    assert await db.fetchval("SELECT count(*) FROM paper_terms") == 0


@pytest.mark.parametrize("lexeme", ["plain", "it's", "back\\slash", "a'b\\c d", "''", "\\"])
async def test_a_lexeme_survives_the_round_trip_through_a_query(db: Database, lexeme: str) -> None:
    assert await db.fetchval("SELECT sg_query_lexeme(sg_lexeme_query($1))", lexeme) == lexeme


@pytest.mark.parametrize(
    ("query", "lexeme"),
    [
        ("zymurgy", "zymurgi"),
        ("two words", None),
        ('"neural networks"', None),
        ('"a phrase"', "phrase"),
        ("-zymurgy", None),
        ("the", None),
    ],
)
async def test_only_a_one_lexeme_query_has_a_lexeme(db: Database, query: str, lexeme: str | None) -> None:
    found = await db.fetchval("SELECT sg_query_lexeme(websearch_to_tsquery('english', sg_fold($1)))", query)
    assert found == lexeme


async def _corpus(db: Database) -> dict[str, int]:
    """Papers where 'zymurgy' weighs differently: in the title once or twice, in the abstract 0 to 3
    times, with dates; ties of rank broken by id."""
    rows = {
        "t2": ("Zymurgy and zymurgy", "Nothing else here.", D(2021, 1, 1)),
        "t1a2": ("Zymurgy", "zymurgy then zymurgy again", D(2019, 6, 1)),
        "t1": ("Zymurgy notes", "Hops and barley.", D(2022, 3, 3)),
        "t1b": ("Applied zymurgy", None, D(2018, 1, 1)),
        "a3": ("Brewing", "zymurgy, zymurgy and zymurgy.", D(2023, 1, 1)),
        "a1": ("Yeast", "Some zymurgy.", None),
        "a1b": ("Yeast strains", "More zymurgy, and yeast.", D(2017, 1, 1)),
        "none": ("Unrelated", "Optimal transport.", D(2020, 1, 1)),
        "phrase": ("Neural networks for zymurgy", "neural networks", D(2020, 2, 2)),
    }
    return {label: await _insert(db, *row) for label, row in rows.items()}


async def _walk(db: Database, paper_filter: papers.PaperFilter, size: int) -> list[int]:
    """Every page of the search of all papers, in RELEVANCE order."""
    found: list[int] = []
    after = None
    for _ in range(50):
        page = (
            await papers.list_papers(
                db, papers.PaperScope.ALL, [ALL], paper_filter, papers.PaperOrder.RELEVANCE, Window(size, after)
            )
        )[ALL]
        found += [p.id for p in page.items]
        if not page.has_next:
            return found
        after = page.cursors[-1]
    raise AssertionError("the walk does not end")


async def test_a_one_word_search_is_ordered_by_rank_then_id(db: Database) -> None:
    ids = await _corpus(db)
    search = papers.PaperFilter(search="zymurgy")
    assert papers.by_terms(papers.PaperScope.ALL, search)
    # t2 and t1a2 both rank 2.0 (1.0 + 1.0; 1.0 + 2 x 0.4 = 1.8 for t1a2): t2 2.0, t1a2 1.8, a3 1.2,
    # then t1, t1b, phrase at 1.0 (by id, highest first), then a1, a1b at 0.4.
    expected = ["t2", "t1a2", "a3", "phrase", "t1b", "t1", "a1b", "a1"]
    for size in (1, 2, 3, 20):
        assert await _walk(db, search, size) == [ids[label] for label in expected]
    counted = await papers.count_papers(db, papers.PaperScope.ALL, [ALL], search)
    assert counted == {ALL: len(expected)}
    dated = papers.PaperFilter(search="zymurgy", published_from=D(2019, 1, 1), published_to=D(2022, 12, 31))
    assert await _walk(db, dated, 2) == [ids[label] for label in ["t2", "t1a2", "phrase", "t1"]]
    assert await papers.count_papers(db, papers.PaperScope.ALL, [ALL], dated) == {ALL: 4}


SEARCHES = [
    papers.PaperFilter(search="zymurgy"),
    papers.PaperFilter(search="zymurgy", published_from=D(2019, 1, 1)),
    papers.PaperFilter(search="zymurgy", published_to=D(2020, 12, 31)),
    papers.PaperFilter(search="zymurgy yeast"),
    papers.PaperFilter(search='"neural networks"'),
    papers.PaperFilter(search="zymurgy -yeast", published_from=D(2018, 1, 1)),
    papers.PaperFilter(search="zymurgy or transport"),
    papers.PaperFilter(search="the"),
    papers.PaperFilter(search="nowhere"),
]


@pytest.mark.parametrize("search", SEARCHES, ids=[f"{s.search} {s.published_from} {s.published_to}" for s in SEARCHES])
async def test_paper_terms_and_ranking_every_match_agree(db: Database, search: papers.PaperFilter) -> None:
    await _corpus(db)
    # min_citations=0 keeps every paper and makes the list rank every match from papers.search_vector.
    reference = papers.PaperFilter(
        search=search.search, published_from=search.published_from, published_to=search.published_to, min_citations=0
    )
    assert not papers.by_terms(papers.PaperScope.ALL, reference)
    for size in (1, 3):
        assert await _walk(db, search, size) == await _walk(db, reference, size)
    counts = [await papers.count_papers(db, papers.PaperScope.ALL, [ALL], f) for f in (search, reference)]
    assert counts[0] == counts[1]


async def test_cursors_cross_between_the_two_ways(db: Database) -> None:
    ids = await _corpus(db)
    search = papers.PaperFilter(search="zymurgy")
    reference = papers.PaperFilter(search="zymurgy", min_citations=0)
    first = (
        await papers.list_papers(db, papers.PaperScope.ALL, [ALL], search, papers.PaperOrder.RELEVANCE, Window(3))
    )[ALL]
    rest = (
        await papers.list_papers(
            db, papers.PaperScope.ALL, [ALL], reference, papers.PaperOrder.RELEVANCE, Window(10, first.cursors[-1])
        )
    )[ALL]
    assert [p.id for p in first.items + rest.items] == [
        ids[label] for label in ["t2", "t1a2", "a3", "phrase", "t1b", "t1", "a1b", "a1"]
    ]
