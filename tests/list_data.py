"""The data the list tests run on: the bundled seed plus papers, authors, institutions and citations
written through the data layer, in three transactions whose times the tests know.

Every expected result in test_paper_lists.py and test_author_lists.py is computed by hand from the
table below; papers are named by label (`p1` … `p23`), authors by name.

    label date        categories      code  cited by              authors (byline order)
    p1    2024-07-09  cs.CV           yes   p4 p5 p19       (3)   Yu-Guan Hsieh, Cheng-Yu Hsieh, Shih-Ying Yeh, Louis
    p2    2022-06-14  cs.AI           no                          Mathieu Serrurier, Franck Mamalet, Thomas Fel, Louis
    p3    2022-10-12  stat.ML         no    p19             (1)   François Bachoc, Louis, Alberto González-Sanz
    p4    2025-12-09  cs.LG           no                          Metod Jazbec, Theo X. Olausson, Louis
    p5    2025-12-26  cs.LG           no                          Bruno Mlodozeniec, Pierre Ablin, Louis
    p6    2026-02-12  cs.CL           no                          Szilvia Ujváry, Louis, Pierre Ablin
    p7    2026-05-13  cs.LG           no                          Paul Jeha, Anastasiia Sedova, Louis
    p8    2023-12-11  cs.CL           yes                         Fanny Jourdan, Louis, Agustin Picard
    p9    2026-05-08  cs.LG           no                          Oscar Davis, Anastasiia Filippova, Pierre Ablin, Louis
    p10   2024-11-21  cs.CV           no                          Enrico Fini (uw), Mustafa Shukor, Xiujun Li, Louis
    p11   2025-05-23  cs.LG           no    p4 p5 p6 p7     (4)   Louis, David Vigouroux, Yilun Du
    p12   2025-04-09  cs.LG           no                          David Vigouroux (Inria), Joseba Dalmau, Louis
    p13   2025-03-13  stat.ML         no                          Nina Vesseron, Louis, Marco Cuturi
    p14   2022-02-16  stat.ML         no                          Alberto González-Sanz, Lucas de Lara, Louis
    p15   2021-04-11  cs.LG           no    p4 p5 p19       (3)   Louis, Thibaut Boissin, Mathieu Serrurier (Inria)
    p16   2020-11-25  cs.LG           no                          Carlos Lassance, Louis, Myriam Bontonou
    p17   2020-07-08  cs.LG           no                          (seed)
    p18   2020-07-07  cs.LG           no                          (seed)
    p19   2024-03-01  cs.LG stat.ML   yes   p20 p21         (2)   Louis (Inria), Pierre Ablin, Zoë Ångström
    p20   undated     cs.CV cs.AI     no    -                     Louis, Zoë Ångström           (named for Inria)
    p21   undated     cs.LG           yes   -                     Zoë Ångström
    p22   2024-07-09  cs.CV           no    p20 p23         (2)   Zoë Ångström, Yu-Guan Hsieh
    p23   2019 (year) cs.IR cs.LG     no    -                     Jean-Émile Dupré

Institutions: uw (p1 by the source, p10 by Enrico Fini's affiliation), harvard (p2 by the source),
Inria (p20 by the source; p12, p15, p19 by affiliations of David Vigouroux, Mathieu Serrurier, Louis).

Times: the seed is written at T0; everything above beyond the seed at T1 (with the citation counts,
which touch p1 p3 p11 p15); at T2, p8 gets a code link and Pierre Ablin the primary category stat.ML.
Primary categories: Louis cs.LG (seed), Zoë Ångström cs.CV (T1), Pierre Ablin stat.ML (T2).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from conftest import _admin, _with_database

from api.db import metrics, papers, writes
from api.db.pool import Database
from api.graphql.context import GraphQLContext
from api.graphql.schema import schema
from api.ids import decode_id, encode_id
from api.ingest.seed import load_seed_if_empty
from api.settings import Settings

OWNER = "Louis Béthune"
ZOE = "Zoë Ångström"
JEAN = "Jean-Émile Dupré"

# The seed's papers in the order of the profile page (labels p1 … p18), by the start of their title.
SEED_TITLES = [
    "Graph-Based Captioning",
    "On the explainable properties",
    "Gaussian Processes on Distributions",
    "Learning Unmasking Policies",
    "Completed Hyperparameter Transfer",
    "LaCy:",
    "Mix, Don't Tune",
    "TaCo:",
    "Scaling Categorical Flow Maps",
    "Multimodal Autoregressive Pre-training",
    "Follow the Energy",
    "Deep Sturm--Liouville",
    "Sample and Map from a Single Convex Potential",
    "GAN Estimation of Lipschitz",
    "Pay attention to your loss",
    "Ranking Deep Learning Generalization",
    "Predicting the Accuracy of a Few-Shot",
    "Hierarchical and Unsupervised Graph",
]


@dataclass(frozen=True)
class NewPaper:
    label: str
    title: str
    abstract: str | None
    categories: tuple[str, ...]
    published_on: dt.date | None
    precision: str | None
    has_code: bool
    code_url: str | None
    authors: tuple[str, ...]


NEW_PAPERS = [
    NewPaper(
        "p19",
        "Zymurgy at Scale: Keyset Pagination for Zymurgy Graphs",
        "We page through citation graphs with keyset cursors.",
        ("cs.LG", "stat.ML"),
        dt.date(2024, 3, 1),
        "day",
        True,
        "https://github.com/example/zymurgy",
        (OWNER, "Pierre Ablin", ZOE),
    ),
    NewPaper(
        "p20",
        "Undated Notes on Vision Transformers",
        "A note that mentions zymurgy once, in passing.",
        ("cs.CV", "cs.AI"),
        None,
        None,
        False,
        None,
        (OWNER, ZOE),
    ),
    NewPaper("p21", "Zymurgy for Beginners", "An undated tutorial.", ("cs.LG",), None, None, True, None, (ZOE,)),
    NewPaper(
        "p22",
        "Region Captions Revisited",
        "Published the same day as graph-based captioning.",
        ("cs.CV",),
        dt.date(2024, 7, 9),
        "day",
        False,
        None,
        (ZOE, "Yu-Guan Hsieh"),
    ),
    NewPaper(
        "p23",
        "An Early Paper Known Only by Its Year",
        None,
        ("cs.IR", "cs.LG"),
        dt.date(2019, 1, 1),
        "year",
        False,
        None,
        (JEAN,),
    ),
]

# (citing, cited)
CITATIONS = [
    ("p4", "p11"), ("p5", "p11"), ("p6", "p11"), ("p7", "p11"),
    ("p4", "p1"), ("p5", "p1"), ("p19", "p1"),
    ("p4", "p15"), ("p5", "p15"), ("p19", "p15"),
    ("p20", "p19"), ("p21", "p19"),
    ("p20", "p22"), ("p23", "p22"),
    ("p19", "p3"),
]  # fmt: skip

# (paper, author, institution) set on authorships.institution_id
AFFILIATIONS = [
    ("p19", OWNER, "Inria"),
    ("p12", "David Vigouroux", "Inria"),
    ("p15", "Mathieu Serrurier", "Inria"),
    ("p10", "Enrico Fini", "uw"),
]


@dataclass
class ListData:
    """The ids and times the tests need, and a way to run GraphQL on the database."""

    db: Database
    url: str
    paper_ids: dict[str, int] = field(default_factory=dict)  # label -> row id
    author_ids: dict[str, int] = field(default_factory=dict)  # name -> row id
    institution_ids: dict[str, int] = field(default_factory=dict)  # name -> row id
    t0: dt.datetime | None = None
    t1: dt.datetime | None = None
    t2: dt.datetime | None = None

    def paper(self, label: str) -> str:
        return encode_id("Paper", self.paper_ids[label])

    def author(self, name: str) -> str:
        return encode_id("Author", self.author_ids[name])

    def institution(self, name: str) -> str:
        return encode_id("Institution", self.institution_ids[name])

    def label(self, global_id: str) -> str:
        type_name, row = decode_id(global_id)
        assert type_name == "Paper", global_id
        return {v: k for k, v in self.paper_ids.items()}[row]

    def name(self, global_id: str) -> str:
        type_name, row = decode_id(global_id)
        assert type_name == "Author", global_id
        return {v: k for k, v in self.author_ids.items()}[row]

    async def run(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """Execute and return the ExecutionResult (errors not checked)."""
        context = GraphQLContext(request=None, db=self.db, settings=Settings(database_url=self.url))  # type: ignore[call-arg]
        return await schema.execute(query, variable_values=variables or {}, context_value=context)

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        result = await self.run(query, variables)
        assert not result.errors, result.errors
        assert result.data is not None
        data: dict[str, Any] = result.data
        return data

    async def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[Any]:
        result = await self.run(query, variables)
        assert result.errors, f"expected an error, got {result.data}"
        return list(result.errors)


async def _write(data: ListData) -> None:
    db = data.db
    assert await load_seed_if_empty(db) is not None
    rows = await db.fetch("SELECT id, title FROM papers ORDER BY id")
    for position, start in enumerate(SEED_TITLES, 1):
        matching = [row["id"] for row in rows if row["title"].startswith(start)]
        assert len(matching) == 1, start
        data.paper_ids[f"p{position}"] = matching[0]
    data.t0 = await db.fetchval("SELECT max(updated_at) FROM papers")

    stats = writes.WriteStats()
    async with db.transaction() as c:
        data.t1 = await c.fetchval("SELECT now()")
        for row in await c.fetch("SELECT id, name FROM authors"):
            data.author_ids[row["name"]] = row["id"]
        for name, category in ((ZOE, "cs.CV"), (JEAN, None)):
            data.author_ids[name] = await writes.create_author(c, stats, name)
            await writes.update_author(c, stats, data.author_ids[name], name=name, primary_category=category)
        for paper in NEW_PAPERS:
            fields = writes.PaperFields(
                title=paper.title,
                abstract=paper.abstract,
                primary_category=paper.categories[0],
                categories=paper.categories,
                published_on=paper.published_on,
                published_precision=paper.precision,
                has_code=paper.has_code,
                authors_complete=True,
                code_url=paper.code_url,
            )
            paper_id = await writes.insert_paper(c, stats, fields)
            data.paper_ids[paper.label] = paper_id
            for position, author in enumerate(paper.authors, 1):
                await writes.add_authorship(
                    c, stats, paper_id, data.author_ids[author], position=position, name_as_written=author
                )
        for name in ("uw", "harvard", "Inria"):
            data.institution_ids[name] = await writes.institution_by_name(c, stats, name)
        await writes.link_paper_institution(c, stats, data.paper_ids["p20"], data.institution_ids["Inria"])
        for label, author, institution in AFFILIATIONS:
            status = await c.execute(
                "UPDATE authorships SET institution_id = $3 WHERE paper_id = $1 AND author_id = $2",
                data.paper_ids[label],
                data.author_ids[author],
                data.institution_ids[institution],
            )
            assert status == "UPDATE 1", (label, author)
        pairs = [(data.paper_ids[citing], data.paper_ids[cited]) for citing, cited in CITATIONS]
        cited = await writes.add_citations(c, stats, pairs)
        await metrics.refresh_paper_citation_counts(c, cited)
        await metrics.refresh_computed_metrics(c, sorted(data.author_ids.values()))
    assert stats.inserted["citations"] == len(CITATIONS)

    later = writes.WriteStats()
    async with db.transaction() as c:
        data.t2 = await c.fetchval("SELECT now()")
        (taco,) = (await papers.papers_by_ids(db, [data.paper_ids["p8"]])).values()
        await writes.update_paper(
            c,
            later,
            taco.id,
            writes.PaperFields(
                title=taco.title,
                abstract=taco.abstract,
                primary_category=taco.primary_category,
                categories=taco.categories,
                published_on=taco.published_on,
                published_precision=taco.published_precision,
                has_code=taco.has_code,
                authors_complete=taco.authors_complete,
                code_url="https://github.com/fanny-jourdan/TaCo",
            ),
        )
        await writes.update_author(
            c, later, data.author_ids["Pierre Ablin"], name="Pierre Ablin", primary_category="stat.ML"
        )
    assert later.updated == {"papers": 1, "authors": 1}
    # The tie-breaks of the expected orders assume p1 … p23 got ids 1 … 23 (a fresh database).
    assert all(data.paper_ids[label] == number(label) for label in data.paper_ids)


async def build_list_data(server_url: str, template_database: str) -> AsyncIterator[ListData]:
    """A database of its own (copied from the migrated template) holding the data above."""
    name = f"sg_lists_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    url = _with_database(server_url, name)
    db = await Database.connect(url, min_size=1, max_size=4)
    try:
        data = ListData(db=db, url=url)
        await _write(data)
        yield data
    finally:
        await db.close()
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the table above, as data: what the expected results are computed from ----------------------------


@dataclass(frozen=True)
class Row:
    published_on: dt.date | None
    categories: tuple[str, ...]
    has_code: bool
    citations: int
    changed: int  # 0, 1 or 2: the transaction (T0, T1, T2) that last changed the paper


def _d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


TABLE: dict[str, Row] = {
    "p1": Row(_d("2024-07-09"), ("cs.CV",), True, 3, 1),
    "p2": Row(_d("2022-06-14"), ("cs.AI",), False, 0, 0),
    "p3": Row(_d("2022-10-12"), ("stat.ML",), False, 1, 1),
    "p4": Row(_d("2025-12-09"), ("cs.LG",), False, 0, 0),
    "p5": Row(_d("2025-12-26"), ("cs.LG",), False, 0, 0),
    "p6": Row(_d("2026-02-12"), ("cs.CL",), False, 0, 0),
    "p7": Row(_d("2026-05-13"), ("cs.LG",), False, 0, 0),
    "p8": Row(_d("2023-12-11"), ("cs.CL",), True, 0, 2),
    "p9": Row(_d("2026-05-08"), ("cs.LG",), False, 0, 0),
    "p10": Row(_d("2024-11-21"), ("cs.CV",), False, 0, 0),
    "p11": Row(_d("2025-05-23"), ("cs.LG",), False, 4, 1),
    "p12": Row(_d("2025-04-09"), ("cs.LG",), False, 0, 0),
    "p13": Row(_d("2025-03-13"), ("stat.ML",), False, 0, 0),
    "p14": Row(_d("2022-02-16"), ("stat.ML",), False, 0, 0),
    "p15": Row(_d("2021-04-11"), ("cs.LG",), False, 3, 1),
    "p16": Row(_d("2020-11-25"), ("cs.LG",), False, 0, 0),
    "p17": Row(_d("2020-07-08"), ("cs.LG",), False, 0, 0),
    "p18": Row(_d("2020-07-07"), ("cs.LG",), False, 0, 0),
    "p19": Row(_d("2024-03-01"), ("cs.LG", "stat.ML"), True, 2, 1),
    "p20": Row(None, ("cs.CV", "cs.AI"), False, 0, 1),
    "p21": Row(None, ("cs.LG",), True, 0, 1),
    "p22": Row(_d("2024-07-09"), ("cs.CV",), False, 2, 1),
    "p23": Row(_d("2019-01-01"), ("cs.IR", "cs.LG"), False, 0, 1),
}

# Which papers each list holds.
LOUIS_PAPERS = [label for label in TABLE if label not in ("p21", "p22", "p23")]
INRIA_PAPERS = ["p12", "p15", "p19", "p20"]
UW_PAPERS = ["p1", "p10"]
SHARED_LOUIS_PIERRE = ["p5", "p6", "p9", "p19"]
SHARED_LOUIS_ZOE = ["p19", "p20"]
REFERENCES_OF_P19 = ["p1", "p3", "p15"]
CITING_P11 = ["p4", "p5", "p6", "p7"]
CITING_P1 = ["p4", "p5", "p19"]


def number(label: str) -> int:
    """p7 -> 7: in a fresh database the papers get ids in the order they are written, p1 first."""
    return int(label[1:])


def ordered(labels: list[str], order: str) -> list[str]:
    """The papers in one of the orderings, as the docs define them (ties by id)."""
    if order == "NEWEST":  # newest first, undated last, ties by id highest first
        return sorted(labels, key=lambda p: (TABLE[p].published_on or dt.date.min, number(p)), reverse=True)
    if order == "OLDEST":  # oldest first, undated last, ties by id lowest first
        return sorted(labels, key=lambda p: (TABLE[p].published_on or dt.date.max, number(p)))
    if order == "MOST_CITED":
        return sorted(labels, key=lambda p: (TABLE[p].citations, number(p)), reverse=True)
    if order == "UPDATED":  # oldest change first, ties by id lowest first
        return sorted(labels, key=lambda p: (TABLE[p].changed, number(p)))
    raise ValueError(order)


def facets(labels: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Category counts (most first, then by value) and year counts (newest first) of a set of papers."""
    categories: dict[str, int] = {}
    years: dict[str, int] = {}
    for label in labels:
        for category in TABLE[label].categories:
            categories[category] = categories.get(category, 0) + 1
        if TABLE[label].published_on is not None:
            year = str(TABLE[label].published_on.year)  # type: ignore[union-attr]
            years[year] = years.get(year, 0) + 1
    return {
        "categories": [{"value": v, "count": n} for v, n in sorted(categories.items(), key=lambda i: (-i[1], i[0]))],
        "years": [{"value": v, "count": n} for v, n in sorted(years.items(), reverse=True)],
    }
