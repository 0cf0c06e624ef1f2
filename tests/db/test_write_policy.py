"""The write policy (api/db/write_policy.py): records of one paper folded in Python make the row that
merging them one by one into the stored paper in SQL makes; the best spelling of a name."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from api.db import writes
from api.db.pool import Database
from api.db.write_policy import PAPER_FIELDS, best_spelling, fold_papers


@dataclass(frozen=True)
class View:
    title: str
    abstract: str | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    published_on: dt.date | None = None
    published_precision: str | None = None
    code_url: str | None = None
    authors_complete: bool = False
    reported_citation_count: int | None = None


def _fields(view: View) -> writes.PaperFields:
    return writes.PaperFields(
        title=view.title,
        abstract=view.abstract,
        primary_category=view.primary_category,
        categories=view.categories,
        published_on=view.published_on,
        published_precision=view.published_precision,
        has_code=view.code_url is not None,
        authors_complete=view.authors_complete,
        code_url=view.code_url,
        reported_citation_count=view.reported_citation_count,
    )


def _random_view(chooser: random.Random, number: int) -> View:
    def maybe(value: object) -> object:
        return value if chooser.random() < 0.5 else None

    dated = chooser.random() < 0.5
    return View(
        title=f"Title {number}",
        abstract=maybe(f"Abstract {number}"),  # type: ignore[arg-type]
        primary_category=maybe(chooser.choice(["cs.LG", "math.OC"])),  # type: ignore[arg-type]
        categories=tuple(chooser.sample(["cs.LG", "math.OC", "stat.ML", "cs.AI"], chooser.randint(0, 3))),
        published_on=dt.date(2020, 1, 1) + dt.timedelta(days=chooser.randint(0, 2000)) if dated else None,
        published_precision=chooser.choice(["day", "month", "year"]) if dated else None,
        code_url=maybe(f"https://example.org/code/{number}"),  # type: ignore[arg-type]
        authors_complete=chooser.random() < 0.3,
        reported_citation_count=maybe(chooser.randint(0, 500)),  # type: ignore[arg-type]
    )


async def test_records_folded_in_python_make_the_row_merging_them_in_sql_makes(db: Database) -> None:
    chooser = random.Random(7)
    columns = ", ".join(PAPER_FIELDS)
    for case in range(60):
        views = [_random_view(chooser, case * 10 + n) for n in range(chooser.randint(1, 4))]
        async with db.transaction() as connection:
            stats = writes.WriteStats()
            paper_id = await writes.insert_paper(connection, stats, _fields(views[0]))
            for view in views[1:]:
                await writes.update_paper(connection, stats, paper_id, _fields(view))
            stored = await connection.fetchrow(f"SELECT {columns} FROM papers WHERE id = $1", paper_id)
        assert stored is not None
        assert tuple(stored.values()) == fold_papers(views), views


def test_a_fold_keeps_what_a_later_record_lacks_and_accumulates_categories() -> None:
    first = View("First", abstract="A", categories=("a", "b"), published_on=dt.date(2020, 5, 1),
                 published_precision="month", code_url="https://c", reported_citation_count=4)  # fmt: skip
    second = View("Second", categories=("c", "a"), authors_complete=True)
    assert fold_papers([first, second]) == (
        "Second", "A", None, ["c", "a", "b"], dt.date(2020, 5, 1), "month", "https://c", True, True, 4,
    )  # fmt: skip
    assert fold_papers([View("Dated", published_on=dt.date(2021, 1, 1))])[5] == "day"


def test_the_best_spelling_has_the_most_accents_then_the_most_letters() -> None:
    assert best_spelling(["Muller", "Müller", "Mueller"]) == "Müller"
    assert best_spelling(["J. Smith", "John Smith"]) == "John Smith"
    assert best_spelling(["Bob B", "Ann B"]) == "Ann B"
