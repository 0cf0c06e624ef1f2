"""Fitting a record as read to what the store holds (api/ingest/limits.py)."""

from __future__ import annotations

import pytest

from api.ingest.limits import MAX_TITLE_BYTES, cut_title, fit_record, without_controls
from api.ingest.model import OVERLONG_NAMES, OVERLONG_TITLES, Byline, Institution, PaperId, Person, Skipped, Work


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("Plain text", "Plain text"),
        ("Nul\x00 in a title\x00", "Nul in a title"),
        ("run\x00\x01\x1b of them", "run of them"),
        ("lost\x00ligature", "lost ligature"),
        ("del\x7f", "del"),
        ("tab\tand\nline\r\nbreaks kept", "tab\tand\nline\r\nbreaks kept"),
        ("\x00", ""),
    ],
)
def test_control_characters_are_read_as_one_space(text: str, read: str) -> None:
    assert without_controls(text) == read


def test_every_stored_text_of_a_work_is_fitted_and_its_ids_are_not() -> None:
    work = Work(
        source="openalex",
        ids=(PaperId("openalex", "W1"),),
        title="A\x00 Title",
        abstract="An\x00 abstract",
        authors=(Byline("Ada\x00 Lovelace", 1, institutions=(Institution("MIT\x00"),), affiliation="MIT\x00"),),
    )

    fitted, left_out = fit_record(work)

    assert fitted == Work(
        source="openalex",
        ids=(PaperId("openalex", "W1"),),
        title="A Title",
        abstract="An abstract",
        authors=(Byline("Ada Lovelace", 1, institutions=(Institution("MIT"),), affiliation="MIT"),),
    )
    assert left_out == []


def test_a_record_that_fits_is_returned_as_it_is() -> None:
    work = Work(source="arxiv", ids=(PaperId("arxiv", "2101.00001"),), title="Fine", authors=(Byline("Ada", 1),))
    person = Person(source="semanticscholar", ids=(), name="Ada", works=(work,))
    assert fit_record(work)[0] is work
    assert fit_record(person)[0] is person


def test_a_persons_name_and_papers_are_fitted() -> None:
    work = Work(source="semanticscholar", ids=(PaperId("s2", "1"),), title="A\x00 Title")
    fitted, _ = fit_record(Person(source="semanticscholar", ids=(), name="Grace\x00 Hopper", works=(work,)))
    assert isinstance(fitted, Person)
    assert (fitted.name, fitted.works[0].title) == ("Grace Hopper", "A Title")


def test_a_title_over_the_limit_is_cut_at_a_word_boundary_with_the_cut_mark() -> None:
    title = "Word" + " word" * 600
    cut = cut_title(title)
    assert cut == "Word" + " word" * 398 + "…"
    assert len(cut.encode()) == 1997 <= MAX_TITLE_BYTES


def test_a_title_cut_right_after_a_word_keeps_that_word() -> None:
    title = "x" * 1996 + " tail"
    assert cut_title(title) == "x" * 1996 + "…"


def test_a_title_without_spaces_is_cut_at_a_character() -> None:
    title = "題" * 1000  # 3,000 bytes
    cut = cut_title(title)
    assert cut == "題" * 665 + "…"
    assert len(cut.encode()) == 1998


def test_a_cut_title_is_counted_naming_the_paper_of_a_person() -> None:
    work = Work(source="semanticscholar", ids=(PaperId("s2", "1"),), title="Word" + " word" * 600)
    fitted, left_out = fit_record(Person(source="semanticscholar", ids=(), name="Ada", works=(work,)))
    assert isinstance(fitted, Person)
    assert fitted.works[0].title.endswith("…")
    assert left_out == [
        Skipped(
            OVERLONG_TITLES,
            "paper 1: title: 3,004 bytes, over the limit of 2,000: imported cut to 1,997 bytes, ending in '…'",
        )
    ]


def test_a_byline_entry_whose_name_is_over_the_limit_is_left_out_and_the_byline_is_incomplete() -> None:
    bylines = (Byline("Ada Lovelace", None), Byline("x " * 600, None), Byline("Charles Babbage", None))
    work = Work(source="crossref", ids=(PaperId("doi", "10.1/a"),), title="T", authors=bylines)

    fitted, left_out = fit_record(work)

    assert isinstance(fitted, Work)
    assert [byline.name for byline in fitted.authors] == ["Ada Lovelace", "Charles Babbage"]
    assert fitted.authors_complete is False
    assert left_out == [
        Skipped(OVERLONG_NAMES, "author 2's name: 1,200 bytes, over the limit of 1,000: the byline entry is left out")
    ]
