"""The identity planners of the bulk writer (api/ingest/bulk.py) as pure functions, without a database:
a batch of records and the rows the match queries would return go in, clusters and ids come out.

The match rows are written by hand here, as `bulk.match_papers` and `bulk.match_authors` return them (a
title or name key is what the database's sg_name_key gives: folded, as `fold` does)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from api.ingest.bulk import Batch, assign_authors, assign_papers, cluster_authors, cluster_papers, fold
from api.ingest.model import AuthorId, Byline, PaperId, Work

ORCID_ADA = "0000-0002-1825-0097"


def work(title: str, year: int | None = 2020, *, doi: str | None = None, arxiv: str | None = None,
         authors: Sequence[Byline] = ()) -> Work:  # fmt: skip
    ids = [PaperId("doi", doi)] if doi else []
    ids += [PaperId("arxiv", arxiv)] if arxiv else []
    return Work(
        source="test", ids=tuple(ids), title=title,
        published_on=dt.date(year, 1, 1) if year else None, published_precision="year" if year else None,
        authors=tuple(authors),
    )  # fmt: skip


def batch_of(*works: Work) -> Batch:
    batch = Batch()
    for record in works:
        batch.add(record)
    return batch


def paper_matches(batch: Batch, stored: dict[int, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """What match_papers returns for a batch none of whose ids is stored; `stored` overrides rows by w."""
    rows = [
        {"w": w, "title_key": fold(fields.title), "by_id": None, "by_title": None, "by_id_exclusive": None,
         "by_title_exclusive": None}
        for w, fields in enumerate(batch.works)
    ]  # fmt: skip
    for w, override in (stored or {}).items():
        rows[w].update(override)
    return rows


def groups(batch: Batch, matches: list[dict[str, Any]]) -> list[list[int]]:
    return sorted(sorted(ws) for ws in cluster_papers(batch, matches).members.values())


# --- papers -----------------------------------------------------------------------------------------


def test_a_title_never_chains_two_papers_with_different_dois() -> None:
    # The record without a DOI joins the first "Introduction" it meets; the two DOIs stay two papers.
    batch = batch_of(work("Introduction", doi="10.1/a"), work("Introduction", doi="10.1/b"), work("Introduction"))
    assert groups(batch, paper_matches(batch)) == [[0, 2], [1]]
    batch = batch_of(work("Introduction"), work("Introduction", doi="10.1/a"), work("Introduction", doi="10.1/b"))
    assert groups(batch, paper_matches(batch)) == [[0, 1], [2]]


def test_a_title_match_with_a_stored_paper_counts_the_ids_the_batch_gathered() -> None:
    # Stored paper 7 holds DOI a. The batch's id-less "Introduction" met the DOI-b one first: together they
    # hold DOI b, so the stored paper found by title is not theirs.
    batch = batch_of(work("Introduction", doi="10.1/b"), work("Introduction"))
    matches = paper_matches(batch, {1: {"by_title": 7, "by_title_exclusive": ["doi:10.1/a"]}})
    clusters = cluster_papers(batch, matches)
    assert sorted(sorted(ws) for ws in clusters.members.values()) == [[0, 1]]
    assert [clusters.stored_of.get(root) for root in clusters.members] == [None]
    assert clusters.new_count == 1
    # Alone, the id-less record takes the stored paper.
    alone = batch_of(work("Introduction"))
    matches = paper_matches(alone, {0: {"by_title": 7, "by_title_exclusive": ["doi:10.1/a"]}})
    clusters = cluster_papers(alone, matches)
    assert [clusters.stored_of.get(root) for root in clusters.members] == [[7]]


def test_records_sharing_an_arxiv_id_are_one_paper_whatever_their_dois() -> None:
    batch = batch_of(
        work("Deep nets", arxiv="2101.00001", doi="10.1/journal"),
        work("Deep nets (preprint)", arxiv="2101.00001", doi="10.48550/arxiv.2101.00001"),
        work("Deep nets", doi="10.1/other"),  # the same title, another DOI: another paper
    )
    assert groups(batch, paper_matches(batch)) == [[0, 1], [2]]


def test_generic_titles_join_only_in_a_compatible_year() -> None:
    batch = batch_of(work("Editorial", 2019), work("Editorial", 2020), work("Editorial", None), work("Editorial", 2020))
    assert groups(batch, paper_matches(batch)) == [[0, 2], [1, 3]]


def test_ids_are_issued_in_cluster_order_and_two_stored_papers_named_by_one_record_merge_into_the_older() -> None:
    batch = batch_of(work("New one", doi="10.1/n1"), work("Both", doi="10.1/both"), work("New two", doi="10.1/n2"))
    matches = paper_matches(batch, {1: {"by_id": [3, 5], "by_id_exclusive": ["doi:10.1/both"]}})
    clusters = cluster_papers(batch, matches)
    assert clusters.new_count == 2
    plan = assign_papers(batch, clusters, [100, 101])
    assert plan.work_papers == [100, 3, 101]
    assert plan.merges == [(5, 3)]
    assert [(row[0], row[1], row[2]) for row in plan.paper_rows] == [(100, True, "New one"), (3, False, "Both"),
                                                                      (101, True, "New two")]  # fmt: skip


# --- authors ----------------------------------------------------------------------------------------


def author_matches(batch: Batch) -> list[dict[str, Any]]:
    """What match_authors returns when nothing is stored."""
    return [
        {"m": m, "name_key": fold(name), "by_id": None, "same_paper": None, "same_paper_idless": None,
         "coauthor": None}
        for m, name in enumerate(batch.mention_names)
    ]  # fmt: skip


def author_groups(batch: Batch) -> list[list[str]]:
    papers = assign_papers(batch, cluster_papers(batch, paper_matches(batch)), range(1, 1 + batch.size))
    clusters = cluster_authors(batch, papers.work_papers, author_matches(batch))
    return sorted(sorted(batch.mention_names[m] for m in ms) for ms in clusters.members.values())


def test_the_same_orcid_is_one_author_and_a_name_alone_is_not() -> None:
    ada = Byline("Ada Lovelace", 1, ids=(AuthorId("orcid", ORCID_ADA),))
    batch = batch_of(
        work("P1", doi="10.1/1", authors=(ada, Byline("Bob Babbage", 2))),
        work("P2", doi="10.1/2", authors=(Byline("A. Lovelace", 1, ids=(AuthorId("orcid", ORCID_ADA),)),)),
        work("P3", doi="10.1/3", authors=(Byline("Bob Babbage", 1),)),  # not with Ada: another Bob
    )
    assert author_groups(batch) == [["A. Lovelace", "Ada Lovelace"], ["Bob Babbage"], ["Bob Babbage"]]


def test_a_name_among_the_coauthors_of_an_author_with_ids_on_both_records_is_one_author() -> None:
    ada = Byline("Ada Lovelace", 1, ids=(AuthorId("orcid", ORCID_ADA),))
    batch = batch_of(
        work("P1", doi="10.1/1", authors=(ada, Byline("Bob Babbage", 2))),
        work("P2", doi="10.1/2", authors=(ada, Byline("Bob  BABBAGE", 2))),
    )
    assert author_groups(batch) == [["Ada Lovelace", "Ada Lovelace"], ["Bob  BABBAGE", "Bob Babbage"]]


def test_a_new_author_takes_the_best_spelling_of_its_mentions() -> None:
    orcid = (AuthorId("orcid", ORCID_ADA),)
    batch = batch_of(
        work("P1", doi="10.1/1", authors=(Byline("Jose Muller", 1, ids=orcid),)),
        work("P2", doi="10.1/2", authors=(Byline("José Müller", 1, ids=orcid),)),
    )
    papers = assign_papers(batch, cluster_papers(batch, paper_matches(batch)), [1, 2])
    clusters = cluster_authors(batch, papers.work_papers, author_matches(batch))
    assert clusters.new_count == 1
    plan = assign_authors(batch, clusters, [40])
    assert plan.author_rows == [(40, True, "José Müller")]
    assert sorted(plan.mention_authors) == [(0, 40), (1, 40)]
