"""The Semantic Scholar reader: the real Graph API samples and S2 datasets lines read exactly, every
accepted shape, and one test per kind of damage, each named by the path of the damaged field.

Facts about the samples come from tests/fixtures/README.md (the author's 60 papers give h-index 23 and
citation counts summing to 12,416, one more than the 12,415 the response reports) and from the files
themselves.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest

from api.ingest.model import (
    INVALID_ORCIDS,
    OUT_OF_RANGE_FIGURES,
    UNNAMED_AUTHORS,
    UNTITLED_WORKS,
    AuthorId,
    Byline,
    IncompleteRecord,
    PaperId,
    Person,
    Record,
    RecordError,
    Reference,
    ReportedFigures,
    Skipped,
    Work,
)
from api.ingest.semanticscholar import read_s2

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AS_OF = dt.date(2024, 6, 1)
TURING = AuthorId("s2", "2262347")
OMAN = "Multi\u2010Tracer Groundwater Dating in Southern Oman Using Bayesian Modeling"  # S2 writes U+2010
MIND_1950 = (
    PaperId("s2", "2d5673caa9e6af3a7b82a43f19ee920992db07ad"),
    PaperId("s2", "14636783"),
    PaperId("doi", "10.1093/mind/lix.236.433"),
)


@functools.cache
def _load(name: str) -> Any:
    """A fixture's JSON, parsed once: callers must not change it (copy first)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _lines(name: str) -> list[Any]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]


def _works(records: list[Record]) -> list[Work]:
    assert all(isinstance(record, Work) for record in records)
    return [record for record in records if isinstance(record, Work)]


@pytest.fixture(scope="module")
def author() -> Person:
    records = read_s2(_load("semanticscholar-author.json"), as_of=AS_OF)
    assert len(records) == 1
    assert isinstance(records[0], Person)
    return records[0]


@pytest.fixture(scope="module")
def paper_records() -> list[Work]:
    return _works(read_s2(_load("semanticscholar-paper-with-citations.json"), as_of=AS_OF))


def _by_title(works: tuple[Work, ...] | list[Work], title: str) -> Work:
    (found,) = [work for work in works if work.title == title]
    return found


def _h_index(counts: list[int]) -> int:
    ranked = sorted(counts, reverse=True)
    return sum(1 for rank, count in enumerate(ranked, 1) if count >= rank)


# --- the Graph API author response ----------------------------------------------------------------------


def test_author_response_is_one_person_with_s2_id_name_and_dblp_name(author: Person) -> None:
    assert (author.source, author.ids, author.name) == ("semanticscholar", (TURING,), "A. Turing")
    assert author.dblp_names == ("Alan M. Turing",)
    assert (author.alternative_names, author.institutions) == ((), ())


def test_author_reported_figures_are_s2s_as_of_the_capture_date(author: Person) -> None:
    assert author.reported == ReportedFigures(
        source="semanticscholar", as_of=AS_OF, h_index=23, citation_count=12415, paper_count=60
    )


def test_author_lists_60_works_each_with_the_author_in_its_byline(author: Person) -> None:
    assert len(author.works) == 60
    assert all(any(TURING in byline.ids for byline in work.authors) for work in author.works)


def test_author_works_citation_counts_sum_to_12416_one_more_than_reported(author: Person) -> None:
    assert sum(work.reported_citation_count or 0 for work in author.works) == 12416


def test_author_works_citation_counts_give_the_reported_h_index_23(author: Person) -> None:
    assert _h_index([work.reported_citation_count or 0 for work in author.works]) == 23


def test_author_work_read_exactly(author: Person) -> None:
    work = _by_title(author.works, "Computing Machinery and Intelligence")
    assert work.ids == MIND_1950
    assert (work.published_on, work.published_precision) == (dt.date(1950, 10, 1), "day")
    assert work.reported_citation_count == 8596
    assert work.authors == (Byline(name="A. Turing", position=1, ids=(TURING,)),)
    assert work.authors_complete


def test_work_with_a_year_and_no_publication_date_has_year_precision(author: Person) -> None:
    work = _by_title(author.works, "Dystopian or Utopian? Two Images of Alan Turing")
    assert (work.published_on, work.published_precision) == (dt.date(2022, 1, 1), "year")


def test_work_without_year_or_date_has_no_publication_date(author: Person) -> None:
    work = _by_title(author.works, "Computing Machinery and Intelligence 1. the Imitation Game")
    assert (work.published_on, work.published_precision) == (None, None)


def test_bylines_keep_s2_order_as_positions(author: Person) -> None:
    work = _by_title(author.works, "Development of Moore \u2019 s Law")
    assert [(b.position, b.name) for b in work.authors] == [
        (1, "Olivier Pirson"),
        (2, "R. Stallman"),
        (3, "A. Turing"),
        (4, "D. Knuth"),
    ]


# --- the Graph API paper response with citations and references ----------------------------------------


def test_paper_response_main_work_read_exactly(paper_records: list[Work]) -> None:
    main = paper_records[0]
    assert (main.ids, main.title) == (MIND_1950, "Computing Machinery and Intelligence")
    assert (main.published_on, main.published_precision) == (dt.date(1950, 10, 1), "day")
    assert main.reported_citation_count == 10059
    assert main.authors == (Byline(name="A. Turing", position=1, ids=(TURING,)),)
    assert main.abstract is not None
    assert main.abstract.startswith("I propose to consider the question, “Can machines think?”")


def test_paper_response_gives_1000_citing_works_each_referencing_the_main_paper(paper_records: list[Work]) -> None:
    citing = paper_records[1:1001]
    assert len(citing) == 1000
    assert all(work.references == (Reference(ids=MIND_1950),) for work in citing)


def test_main_work_is_cited_by_the_1000_citing_papers(paper_records: list[Work]) -> None:
    main, citing = paper_records[0], paper_records[1:1001]
    assert main.cited_by == tuple(work.ids[0] for work in citing)
    assert len(set(main.cited_by)) == 1000


def test_main_work_references_cited_papers_by_ids_or_by_title(paper_records: list[Work]) -> None:
    references = paper_records[0].references
    assert len(references) == 14
    assert sum(1 for reference in references if reference.ids) == 8
    assert Reference(text="London Math. Soc") in references
    assert Reference(ids=(PaperId("s2", "348f436fd9a3965f5ff17db031a9f43426f89b8e"), PaperId("s2", "58879058"),
                          PaperId("doi", "10.2307/3610576"))) in references  # fmt: skip


def test_cited_papers_with_ids_become_works_of_their_own(paper_records: list[Work]) -> None:
    cited = paper_records[1001:]
    assert len(cited) == 8
    work = _by_title(cited, "Calculating Instruments and Machines")
    assert work.ids[-1] == PaperId("doi", "10.2307/3610576")
    assert (work.published_on, work.reported_citation_count, work.references) == (dt.date(1951, 2, 1), 112, ())


def test_citing_paper_arxiv_id_is_read(paper_records: list[Work]) -> None:
    work = _by_title(paper_records, OMAN)
    assert PaperId("arxiv", "2209.10103") in work.ids
    assert PaperId("doi", "10.1029/2021wr031776") in work.ids


def test_citing_author_without_s2_id_is_a_byline_without_ids(paper_records: list[Work]) -> None:
    work = _by_title(paper_records, OMAN)
    assert work.authors[-1] == Byline(name="Thomas Müller", position=8, ids=())


def test_null_values_paper_reads_without_error_and_gives_nothing() -> None:
    assert read_s2(_load("semanticscholar-paper-with-null-values.json"), as_of=AS_OF) == []


def test_response_without_title_keeps_its_references_on_the_cited_works() -> None:
    sha, cited_sha = "2d5673caa9e6af3a7b82a43f19ee920992db07ad", "348f436fd9a3965f5ff17db031a9f43426f89b8e"
    records = read_s2({"paperId": sha, "references": [{"paperId": cited_sha, "title": "Calculating"}]}, as_of=AS_OF)
    assert records == [
        Work(source="semanticscholar", ids=(PaperId("s2", cited_sha),), title="Calculating", authors_complete=False,
             cited_by=(PaperId("s2", sha),))
    ]  # fmt: skip


def test_wrapped_entries_read_as_flat_ones() -> None:
    flat = _load("semanticscholar-paper-with-citations.json")
    wrapped = dict(flat, citations=[{"citingPaper": p, "isInfluential": False} for p in flat["citations"][:3]],
                   references=[{"citedPaper": p, "contexts": []} for p in flat["references"][:3]])  # fmt: skip
    trimmed = dict(flat, citations=flat["citations"][:3], references=flat["references"][:3])
    assert read_s2(wrapped, as_of=AS_OF) == read_s2(trimmed, as_of=AS_OF)


def test_citations_endpoint_page_gives_the_citing_works() -> None:
    citing = _load("semanticscholar-paper-with-citations.json")["citations"][:2]
    page = {"offset": 0, "next": 2, "data": [{"citingPaper": paper, "contexts": []} for paper in citing]}
    assert [work.title for work in _works(read_s2(page, as_of=AS_OF))] == [paper["title"] for paper in citing]


def test_references_endpoint_page_skips_entries_without_an_id() -> None:
    references = _load("semanticscholar-paper-with-citations.json")["references"]
    page = {"offset": 0, "data": [{"citedPaper": paper} for paper in references]}
    assert len(_works(read_s2(page, as_of=AS_OF))) == 8  # of 14: S2 has no paperId for 6


def test_batch_array_gives_the_records_of_every_element() -> None:
    author_json, null_paper = _load("semanticscholar-author.json"), _load("semanticscholar-paper-with-null-values.json")
    records = read_s2([author_json, null_paper, author_json], as_of=AS_OF)
    assert [type(record) for record in records] == [Person, Person]


def test_record_that_is_only_a_mention_gives_no_work_but_keeps_its_link() -> None:
    paper = {"paperId": "2d5673caa9e6af3a7b82a43f19ee920992db07ad", "title": "T",
             "citations": [{"paperId": "348f436fd9a3965f5ff17db031a9f43426f89b8e", "title": None}]}  # fmt: skip
    (main,) = read_s2(paper, as_of=AS_OF)
    assert isinstance(main, Work)
    assert main.cited_by == (PaperId("s2", "348f436fd9a3965f5ff17db031a9f43426f89b8e"),)


# --- the S2 datasets' lines -----------------------------------------------------------------------------


def test_dataset_paper_line_ids_from_url_corpusid_and_doi() -> None:
    (work,) = read_s2(_lines("semanticscholar-datasets-papers.jsonl")[0], as_of=AS_OF)
    assert work == Work(
        source="semanticscholar",
        ids=(PaperId("s2", "c2fa5635f5e5c0fcd99b91df72e7e4589aa8b34e"), PaperId("s2", "231810694"),
             PaperId("doi", "10.1017/s1052150x00004760")),
        title="BEQ volume 20 issue 4 Back matter",
        published_on=dt.date(2010, 10, 1),
        published_precision="day",
        authors=(Byline(name="L. Hartman", position=1, ids=(AuthorId("s2", "36722128"),)),),
        reported_citation_count=0,
    )  # fmt: skip


def test_dataset_paper_line_without_publicationdate_has_its_year() -> None:
    (work,) = read_s2(_lines("semanticscholar-datasets-papers.jsonl")[1], as_of=AS_OF)
    assert isinstance(work, Work)
    assert (work.published_on, work.published_precision) == (dt.date(2012, 1, 1), "year")
    assert [byline.name for byline in work.authors] == ["Stephan Wilske", "S. Meyer"]


def test_dataset_paper_line_with_empty_author_list_has_no_authors_and_is_complete() -> None:
    (work,) = read_s2(_lines("semanticscholar-datasets-papers.jsonl")[2], as_of=AS_OF)
    assert isinstance(work, Work)
    assert (work.authors, work.authors_complete) == ((), True)


def test_dataset_paper_line_arxiv_id_without_version() -> None:
    line = _lines("semanticscholar-datasets-papers.jsonl")[0]
    line["externalids"]["ArXiv"] = "1706.03762v5"
    (work,) = read_s2(line, as_of=AS_OF)
    assert isinstance(work, Work)
    assert work.ids[-1] == PaperId("arxiv", "1706.03762")


def test_dataset_author_line_reported_figures_as_of_the_release() -> None:
    (person,) = read_s2(_lines("semanticscholar-datasets-authors.jsonl")[0], as_of=dt.date(2022, 10, 4))
    assert person == Person(
        source="semanticscholar",
        ids=(AuthorId("s2", "119387837"),),
        name="Christina Cottiero",
        reported=ReportedFigures(
            source="semanticscholar", as_of=dt.date(2022, 10, 4), h_index=2, citation_count=41, paper_count=3
        ),
    )


def test_dataset_author_aliases_are_alternative_names_without_the_name() -> None:
    (person,) = read_s2(_lines("semanticscholar-datasets-authors.jsonl")[2], as_of=AS_OF)
    assert isinstance(person, Person)
    assert (person.name, person.alternative_names) == ("M. Amano", ("Masami Amano", "Masamichi Amano"))
    assert person.dblp_names == ("Masami Amano",)


def test_dataset_author_orcid_is_an_id() -> None:
    line = _lines("semanticscholar-datasets-authors.jsonl")[2]
    line["externalids"]["ORCID"] = "0000000161876610"
    (person,) = read_s2(line, as_of=AS_OF)
    assert isinstance(person, Person)
    assert person.ids == (AuthorId("s2", "83553366"), AuthorId("orcid", "0000-0001-6187-6610"))


# --- damage: one test per kind, the reason names the field ----------------------------------------------


def _paper() -> dict[str, Any]:
    full = _load("semanticscholar-paper-with-citations.json")
    paper: dict[str, Any] = copy.deepcopy(dict(full, citations=full["citations"][:3]))
    return paper


def _paper_line() -> dict[str, Any]:
    line: dict[str, Any] = _lines("semanticscholar-datasets-papers.jsonl")[1]
    return line


def _author_line() -> dict[str, Any]:
    line: dict[str, Any] = _lines("semanticscholar-datasets-authors.jsonl")[1]
    return line


def _damaged(record: dict[str, Any], *path: str | int, value: object) -> dict[str, Any]:
    target: Any = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return record


DAMAGE: dict[str, tuple[object, str]] = {
    "not an object": ("just text", r"expected a Semantic Scholar record \(a JSON object\), got a string"),
    "array element not an object": ([_paper_line(), 7], r"^\[1\]: expected a Semantic Scholar record .*a number"),
    "unknown shape": ({"title": "T"}, "not a Semantic Scholar paper or author"),
    "paper without paperId": (_damaged(_paper(), "paperId", value=None), "^paperId: the paper has no paperId"),
    "author without authorId": (_damaged(_author_line(), "authorid", value=None), "^authorid: the author has no id"),
    "dataset paper without corpusid": (_damaged(_paper_line(), "corpusid", value=None), "^corpusid: .*no corpusid"),
    "title not a string": (_damaged(_paper_line(), "title", value=12), "^title: expected a string, got a number"),
    "count as a string": (
        _damaged(_paper(), "citationCount", value="10059"),
        "^citationCount: expected an integer, got a string",
    ),
    "boolean count": (_damaged(_author_line(), "papercount", value=True), "^papercount: expected an integer"),
    "authors not a list": (_damaged(_paper_line(), "authors", value="S. Meyer"), "^authors: expected a list"),
    "citations entry not an object": (
        _damaged(_paper(), "citations", 2, value="a paper"),
        r"^citations\[2\]: expected a paper \(a JSON object\), got a string",
    ),
    "externalIds not an object": (
        _damaged(_paper(), "externalIds", value=["10.1093/MIND/LIX.236.433"]),
        "^externalIds: expected an object",
    ),
    "malformed DOI": (
        _damaged(_paper(), "references", 0, "externalIds", "DOI", value="2307/3610576"),
        r"^references\[0\]\.externalIds\.DOI: .*is not a DOI",
    ),
    "malformed arXiv id": (
        _damaged(_paper_line(), "externalids", "ArXiv", value="1706.3762"),
        r"^externalids\.ArXiv: .*numbers of 1706 have five digits",
    ),
    "malformed paperId": (_damaged(_paper(), "paperId", value="2d5673ca"), r"^paperId: .*not a Semantic Scholar id"),
    "malformed ORCID": (
        _damaged(_author_line(), "externalids", value={"ORCID": "0000-0001-6187"}),
        r"^externalids\.ORCID: 'orcid:0000-0001-6187' is not an ORCID iD",
    ),
    "impossible date": (
        _damaged(_paper(), "publicationDate", value="1950-13-01"),
        "^publicationDate: '1950-13-01' is not a date",
    ),
    "date in another format": (
        _damaged(_paper_line(), "publicationdate", value="October 1950"),
        r"^publicationdate: 'October 1950' is not a date \(expected YYYY-MM-DD\)",
    ),
    "year out of range": (_damaged(_paper_line(), "year", value=0), "^year: 0 is not a year"),
}


@pytest.mark.parametrize(("record", "reason"), DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_record_is_refused_with_the_field_and_the_reason(record: object, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        read_s2(copy.deepcopy(record), as_of=AS_OF)


# --- valid in S2's terms, incomplete in ours ------------------------------------------------------------

INCOMPLETE: dict[str, tuple[object, str, str]] = {
    "blank dataset title": (
        _damaged(_paper_line(), "title", value="  "),
        UNTITLED_WORKS,
        "title: the paper has no title",
    ),
    "null title, nothing else": (
        {"paperId": "2d5673caa9e6af3a7b82a43f19ee920992db07ad", "title": None, "citations": []},
        UNTITLED_WORKS,
        "title: the paper has no title",
    ),
    "author without name": (
        _damaged(_author_line(), "name", value=None),
        UNNAMED_AUTHORS,
        "name: the author has no name",
    ),
    "author named by punctuation": (
        _damaged(_author_line(), "name", value="?"),
        UNNAMED_AUTHORS,
        "name: the name '?' has no letter or digit",
    ),
}


@pytest.mark.parametrize(("record", "kind", "reason"), INCOMPLETE.values(), ids=INCOMPLETE.keys())
def test_a_record_without_what_must_be_stored_is_left_out_not_refused(record: object, kind: str, reason: str) -> None:
    with pytest.raises(IncompleteRecord) as caught:
        read_s2(copy.deepcopy(record), as_of=AS_OF)
    assert (caught.value.kind, caught.value.reason) == (kind, reason)


def test_an_orcid_failing_its_check_digit_is_left_out_and_listed_after_the_record() -> None:
    line = _damaged(_author_line(), "externalids", value={"ORCID": ["0000-0001-6187-6610", "0000-0001-6187-6611"]})

    person, left_out = read_s2(line, as_of=AS_OF)

    assert isinstance(person, Person)
    assert AuthorId("orcid", "0000-0001-6187-6610") in person.ids
    assert left_out == Skipped(
        INVALID_ORCIDS,
        "externalids.ORCID[1]: 'orcid:0000-0001-6187-6611' is not a valid ORCID iD: its check digit should be 0; "
        "the author is imported without it",
    )


def test_a_figure_out_of_range_is_read_as_absent_and_listed() -> None:
    person, left_out = read_s2(_damaged(_author_line(), "hindex", value=-1), as_of=AS_OF)

    assert isinstance(person, Person)
    assert person.reported is not None
    assert person.reported.h_index is None
    assert left_out == Skipped(OUT_OF_RANGE_FIGURES, "hindex: -1 is out of range (0 to 2,147,483,647): read as absent")


def test_a_listed_papers_figure_out_of_range_is_listed_with_its_path() -> None:
    found = read_s2(_damaged(_paper(), "citations", 1, "citationCount", value=-5), as_of=AS_OF)

    assert [item.reason for item in found if isinstance(item, Skipped)] == [
        "citations[1].citationCount: -5 is out of range (0 to 2,147,483,647): read as absent"
    ]


def test_in_a_batch_what_an_item_is_read_without_follows_it() -> None:
    bad = _damaged(_author_line(), "externalids", value={"ORCID": "0000-0001-6187-6611"})

    found = read_s2([bad, _damaged(copy.deepcopy(bad), "name", value=None)], as_of=AS_OF)

    assert [type(item).__name__ for item in found] == ["Person", "Skipped", "Skipped"]
    assert [item.kind for item in found if isinstance(item, Skipped)] == [INVALID_ORCIDS, UNNAMED_AUTHORS]
    assert found[1].reason.startswith("[0].externalids.ORCID: ")  # type: ignore[union-attr]


def test_in_a_batch_an_incomplete_item_is_skipped_and_the_others_read() -> None:
    batch = [_paper_line(), _damaged(_paper_line(), "title", value=None), _author_line()]

    found = read_s2(batch, as_of=AS_OF)

    assert [type(item).__name__ for item in found] == ["Work", "Skipped", "Person"]
    assert found[1] == Skipped(UNTITLED_WORKS, "[1].title: the paper has no title")


def test_a_paper_response_with_a_null_title_gives_its_citing_and_cited_papers() -> None:
    found = read_s2(_damaged(_paper(), "title", value=None), as_of=AS_OF)

    works = [item for item in found if isinstance(item, Work)]
    assert works
    assert all(MIND_1950[0] not in work.ids for work in works)
    assert any(Reference(ids=MIND_1950) in work.references for work in works)


def test_a_byline_entry_without_a_name_is_left_out_its_place_kept() -> None:
    found = read_s2(_damaged(_paper(), "citations", 1, "authors", 0, "name", value=None), as_of=AS_OF)

    citing = next(
        item for item in found if isinstance(item, Work) and item.ids[0].value == _paper()["citations"][1]["paperId"]
    )
    assert citing.authors[0].position == 2
    assert citing.authors_complete is False
