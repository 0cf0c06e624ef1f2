"""The OpenAlex reader: snapshot works and authors and merged_ids rows read exactly (fixtures written after
OpenAlex's documented objects, see tests/fixtures/README.md), and one test per kind of damage, each named by
the path of the damaged field.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from api.ingest.model import (
    INVALID_ORCIDS,
    OUT_OF_RANGE_FIGURES,
    UNNAMED_AUTHORS,
    UNTITLED_WORKS,
    AuthorId,
    IncompleteRecord,
    Institution,
    PaperId,
    Person,
    RecordError,
    Reference,
    Skipped,
    Work,
    YearCounts,
)
from api.ingest.openalex import read_openalex

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# The abstract the fixture's abstract_inverted_index encodes (words repeat: "in", "OA", "this", "of", …).
STATE_OF_OA_ABSTRACT = (
    "Despite growing interest in Open Access (OA) to scholarly literature, there is an unmet need for "
    "large-scale, up-to-date, and reproducible studies assessing the prevalence and characteristics of OA. "
    "We address this need in three samples of articles, and in each of them we estimate how much of the "
    "literature is OA."
)
OURRESEARCH = Institution(
    name="OurResearch", country_code="US", ror="https://ror.org/02nr0ka47", openalex="I4200000001"
)


def _lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]


def _state_of_oa() -> dict[str, Any]:
    return _lines("openalex-works.jsonl")[0]


def _attention() -> dict[str, Any]:
    return _lines("openalex-works.jsonl")[1]


def _priem() -> dict[str, Any]:
    return _lines("openalex-authors.jsonl")[0]


def _work(obj: dict[str, Any]) -> Work:
    (record,) = read_openalex(obj)
    assert isinstance(record, Work)
    return record


def _person(obj: dict[str, Any]) -> Person:
    (record,) = read_openalex(obj)
    assert isinstance(record, Person)
    return record


# --- works ---------------------------------------------------------------------------------------------


def test_work_ids_are_the_openalex_id_and_the_doi_not_pubmed_or_mag() -> None:
    work = _work(_state_of_oa())
    assert (work.source, work.ids) == (
        "openalex",
        (PaperId("openalex", "W2741809807"), PaperId("doi", "10.7717/peerj.4375")),
    )


def test_work_title_date_and_citation_count() -> None:
    work = _work(_state_of_oa())
    assert work.title == "The state of OA: a large-scale analysis of the prevalence and impact of Open Access articles"
    assert (work.published_on, work.published_precision) == (dt.date(2018, 2, 13), "day")
    assert work.reported_citation_count == 1312


def test_abstract_is_rebuilt_exactly_from_the_inverted_index() -> None:
    assert _work(_state_of_oa()).abstract == STATE_OF_OA_ABSTRACT


def test_abstract_words_are_placed_by_position_not_by_key_order() -> None:
    work = _state_of_oa()
    work["abstract_inverted_index"] = {"world": [1], "hello,": [0], "again": [3], "and": [2]}
    assert _work(work).abstract == "hello, world and again"


def test_authorship_positions_follow_list_order() -> None:
    authors = _work(_state_of_oa()).authors
    assert [(b.position, b.name) for b in authors] == [
        (1, "Heather Piwowar"),
        (2, "Jason Priem"),
        (3, "Juan Pablo Alperin"),
    ]


def test_authorship_ids_are_openalex_and_orcid() -> None:
    authors = _work(_state_of_oa()).authors
    assert authors[0].ids == (AuthorId("openalex", "A5048491430"),)
    assert authors[2].ids == (AuthorId("openalex", "A5016803849"), AuthorId("orcid", "0000-0002-9344-7439"))


def test_authorship_institutions_keep_name_ror_country_and_id() -> None:
    authors = _work(_state_of_oa()).authors
    assert authors[1].institutions == (OURRESEARCH,)
    assert authors[2].institutions == (
        Institution(name="Simon Fraser University", country_code="CA", ror="https://ror.org/0213rcc28",
                    openalex="I18014758"),
        Institution(name="Public Knowledge Project", openalex="I209863525"),
    )  # fmt: skip


def test_raw_affiliation_strings_are_joined_by_semicolons() -> None:
    assert _work(_state_of_oa()).authors[2].affiliation == (
        "Canadian Institute for Studies in Publishing, Simon Fraser University, Vancouver, BC, Canada; "
        "Public Knowledge Project, Vancouver, BC, Canada"
    )


def test_older_single_raw_affiliation_string_is_read() -> None:
    work = _state_of_oa()
    del work["authorships"][0]["raw_affiliation_strings"]
    work["authorships"][0]["raw_affiliation_string"] = "Impactstory"
    assert _work(work).authors[0].affiliation == "Impactstory"


def test_referenced_works_are_references_by_openalex_id() -> None:
    assert _work(_state_of_oa()).references == tuple(
        Reference(ids=(PaperId("openalex", key),))
        for key in ("W2753353163", "W2785823074", "W2511661767", "W2115339903", "W2031754690")
    )


def test_topics_and_concepts_give_no_categories() -> None:
    work = _work(_state_of_oa())
    assert (work.primary_category, work.categories) == (None, ())


def test_preprint_arxiv_id_comes_from_its_datacite_doi_and_location() -> None:
    assert _work(_attention()).ids == (
        PaperId("openalex", "W2963403868"),
        PaperId("doi", "10.48550/arxiv.1706.03762"),
        PaperId("arxiv", "1706.03762"),
    )


def test_arxiv_id_from_an_arxiv_location_alone() -> None:
    work = _attention()
    del work["doi"], work["ids"]["doi"]
    work["locations"][0]["landing_page_url"] = "http://arxiv.org/abs/1706.03762v7"
    assert _work(work).ids == (PaperId("openalex", "W2963403868"), PaperId("arxiv", "1706.03762"))


def test_arxiv_listing_page_location_is_not_an_id() -> None:
    work = _attention()
    del work["doi"], work["ids"]["doi"]
    for location in (work["primary_location"], work["best_oa_location"], *work["locations"]):
        location["landing_page_url"] = location["pdf_url"] = "https://arxiv.org/list/cs.CL/recent"
    assert _work(work).ids == (PaperId("openalex", "W2963403868"),)


def test_eight_authors_with_non_ascii_names_and_one_without_institution() -> None:
    authors = _work(_attention()).authors
    assert len(authors) == 8
    assert authors[6].name == "\u0141ukasz Kaiser"
    assert (authors[7].name, authors[7].institutions, authors[7].affiliation) == ("Illia Polosukhin", (), None)


def test_complete_author_list_ends_with_the_last_author() -> None:
    assert _work(_attention()).authors_complete


def test_author_list_truncated_by_openalex_is_not_complete() -> None:
    work = _attention()
    work["is_authors_truncated"] = True
    assert not _work(work).authors_complete


def test_author_list_whose_final_entry_is_not_last_is_not_complete() -> None:
    work = _attention()
    del work["authorships"][-1]
    assert not _work(work).authors_complete


def test_publication_year_alone_has_year_precision() -> None:
    work = _state_of_oa()
    del work["publication_date"]
    assert (_work(work).published_on, _work(work).published_precision) == (dt.date(2018, 1, 1), "year")


def test_display_name_stands_in_for_a_missing_title() -> None:
    work = _state_of_oa()
    work["title"] = None
    assert _work(work).title == work["display_name"]


def test_bare_entity_keys_are_read_like_urls() -> None:
    work = _state_of_oa()
    work["id"], work["referenced_works"] = "W2741809807", ["W2753353163"]
    read = _work(work)
    assert (read.ids[0], read.references) == (
        PaperId("openalex", "W2741809807"),
        (Reference(ids=(PaperId("openalex", "W2753353163"),)),),
    )


# --- authors -------------------------------------------------------------------------------------------


def test_author_ids_name_and_alternatives_without_the_name() -> None:
    person = _person(_priem())
    assert (person.source, person.name) == ("openalex", "Jason Priem")
    assert person.ids == (AuthorId("openalex", "A5023888391"), AuthorId("orcid", "0000-0001-6187-6610"))
    assert person.alternative_names == ("Jason R Priem", "J. Priem")


def test_author_last_known_institutions() -> None:
    assert _person(_priem()).institutions == (OURRESEARCH,)


def test_author_older_last_known_institution_is_read() -> None:
    author = _priem()
    author["last_known_institution"] = author.pop("last_known_institutions")[0]
    assert _person(author).institutions == (OURRESEARCH,)


def test_author_summary_stats_are_reported_as_of_the_updated_date() -> None:
    reported = _person(_priem()).reported
    assert reported is not None
    assert (reported.source, reported.as_of) == ("openalex", dt.date(2024, 2, 4))
    assert (reported.h_index, reported.i10_index, reported.two_year_mean_citedness) == (
        17,
        20,
        Decimal("1.5295340589458237"),
    )
    assert (reported.paper_count, reported.citation_count) == (38, 3157)


def test_author_counts_by_year_are_kept_oldest_first() -> None:
    reported = _person(_priem()).reported
    assert reported is not None
    assert reported.counts_by_year == (
        YearCounts(2018, paper_count=3, citation_count=260),
        YearCounts(2021, paper_count=2, citation_count=388),
        YearCounts(2022, paper_count=0, citation_count=431),
        YearCounts(2023, paper_count=1, citation_count=402),
    )


def test_author_without_figures_has_no_reported_figures() -> None:
    author = _priem()
    for key in ("works_count", "cited_by_count", "summary_stats", "counts_by_year", "updated_date"):
        del author[key]
    assert _person(author).reported is None


def test_author_updated_date_may_be_a_bare_date() -> None:
    author = _priem()
    author["updated_date"] = "2024-02-04"
    reported = _person(author).reported
    assert reported is not None
    assert reported.as_of == dt.date(2024, 2, 4)


# --- merged ids ----------------------------------------------------------------------------------------


def _merged_rows() -> list[dict[str, str]]:
    with (FIXTURES / "openalex-merged-ids.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_merged_author_row_is_an_ids_only_person() -> None:
    assert read_openalex(_merged_rows()[0]) == [
        Person(
            source="openalex",
            ids=(AuthorId("openalex", "A2208157607"),),
            name="",
            merged_ids=(AuthorId("openalex", "A2257618939"),),
            ids_only=True,
        )
    ]


def test_merged_work_row_is_an_ids_only_work() -> None:
    assert read_openalex(_merged_rows()[1]) == [
        Work(
            source="openalex",
            ids=(PaperId("openalex", "W2741809807"),),
            title="",
            merged_ids=(PaperId("openalex", "W2011993412"),),
            ids_only=True,
        )
    ]


# --- damage: one test per kind, the reason names the field ----------------------------------------------


def _damaged(record: dict[str, Any], *path: str | int, value: object) -> dict[str, Any]:
    target: Any = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return record


def _without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        del record[key]
    return record


DAMAGE: dict[str, tuple[object, str]] = {
    "not an object": (["W2741809807"], r"^expected an OpenAlex work or author \(a JSON object\), got a list"),
    "work without id": (_damaged(_state_of_oa(), "id", value=None), "^id: the work has no id"),
    "author without id": (_damaged(_priem(), "id", value=None), "^id: the author has no id"),
    "id not a string": (_damaged(_state_of_oa(), "id", value=2741809807), "^id: expected an OpenAlex id"),
    "malformed id": (
        _damaged(_state_of_oa(), "id", value="https://openalex.org/works"),
        "^id: .* is not an OpenAlex id",
    ),
    "id of an institution": (
        {"id": "https://openalex.org/I4200000001", "display_name": "OurResearch"},
        r"^id: I4200000001 is an OpenAlex institution; only works \(W…\) and authors \(A…\) are read",
    ),
    "count as a string": (
        _damaged(_state_of_oa(), "cited_by_count", value="1312"),
        "^cited_by_count: expected an integer",
    ),
    "authorships not a list": (_damaged(_state_of_oa(), "authorships", value={}), "^authorships: expected a list"),
    "authorship not an object": (
        _damaged(_state_of_oa(), "authorships", 1, value="Jason Priem"),
        r"^authorships\[1\]: expected an authorship \(a JSON object\), got a string",
    ),
    "unknown author_position": (
        _damaged(_state_of_oa(), "authorships", 1, "author_position", value="second"),
        r"^authorships\[1\]\.author_position: 'second' is not one of first, middle, last",
    ),
    "author id of a work": (
        _damaged(_state_of_oa(), "authorships", 0, "author", "id", value="https://openalex.org/W1"),
        r"^authorships\[0\]\.author\.id: W1 is not the OpenAlex id of an author",
    ),
    "malformed ORCID": (
        _damaged(_state_of_oa(), "authorships", 2, "author", "orcid", value="https://orcid.org/0000-0002-9344"),
        r"^authorships\[2\]\.author\.orcid: 'orcid:0000-0002-9344' is not an ORCID iD",
    ),
    "malformed DOI": (_damaged(_state_of_oa(), "doi", value="https://doi.org/peerj.4375"), "^doi: .*is not a DOI"),
    "institution id of an author": (
        _damaged(_state_of_oa(), "authorships", 0, "institutions", 0, "id", value="A4200000001"),
        r"^authorships\[0\]\.institutions\[0\]\.id: A4200000001 is not the OpenAlex id of an institution",
    ),
    "malformed ROR": (
        _damaged(_state_of_oa(), "authorships", 0, "institutions", 0, "ror", value="https://ror.org/xyz"),
        r"^authorships\[0\]\.institutions\[0\]\.ror: 'https://ror.org/xyz' is not a ROR id",
    ),
    "malformed country code": (
        _damaged(_priem(), "last_known_institutions", 0, "country_code", value="USA"),
        r"^last_known_institutions\[0\]\.country_code: 'USA' is not a two-letter country code",
    ),
    "referenced work not a work": (
        _damaged(_state_of_oa(), "referenced_works", 3, value="https://openalex.org/A5023888391"),
        r"^referenced_works\[3\]: A5023888391 is not the OpenAlex id of a work",
    ),
    "abstract index not an object": (
        _damaged(_state_of_oa(), "abstract_inverted_index", value="Despite growing interest"),
        "^abstract_inverted_index: expected an inverted index",
    ),
    "two words at one abstract position": (
        _damaged(_state_of_oa(), "abstract_inverted_index", "growing", value=[1, 0]),
        "^abstract_inverted_index: position 0 holds two words, 'Despite' and 'growing'",
    ),
    "abstract position not an integer": (
        _damaged(_state_of_oa(), "abstract_inverted_index", "growing", value=["1"]),
        r"^abstract_inverted_index\['growing'\]: expected positions that are integers from 0, got a string",
    ),
    "abstract position negative": (
        _damaged(_state_of_oa(), "abstract_inverted_index", "growing", value=[-1]),
        r"^abstract_inverted_index\['growing'\]: expected positions that are integers from 0, got a number",
    ),
    "impossible publication date": (
        _damaged(_state_of_oa(), "publication_date", value="2018-02-30"),
        "^publication_date: '2018-02-30' is not a date: day is out of range",
    ),
    "publication date in another format": (
        _damaged(_state_of_oa(), "publication_date", value="13/02/2018"),
        r"^publication_date: '13/02/2018' is not a date \(expected YYYY-MM-DD\)",
    ),
    "truncation flag not a boolean": (
        _damaged(_attention(), "is_authors_truncated", value="no"),
        "^is_authors_truncated: expected a boolean, got a string",
    ),
    "year listed twice": (
        _damaged(_priem(), "counts_by_year", 1, "year", value=2023),
        r"^counts_by_year\[1\]\.year: 2023 is listed twice",
    ),
    "year counts without year": (
        _damaged(_priem(), "counts_by_year", 0, "year", value=None),
        r"^counts_by_year\[0\]\.year: the entry has no year",
    ),
    "mean citedness not finite": (
        _damaged(_priem(), "summary_stats", "2yr_mean_citedness", value=float("nan")),
        r"^summary_stats\.2yr_mean_citedness: nan is not a finite number",
    ),
    "summary_stats not an object": (
        _damaged(_priem(), "summary_stats", value=[17]),
        "^summary_stats: expected an object",
    ),
    "merge across kinds": (
        {"merge_date": "2022-06-07", "id": "A2257618939", "merge_into_id": "W2208157607"},
        "^merge_into_id: A2257618939 cannot be merged into W2208157607, an entity of another kind",
    ),
    "merge into itself": (
        {"merge_date": "2022-06-07", "id": "A2257618939", "merge_into_id": "A2257618939"},
        "^merge_into_id: A2257618939 is merged into itself",
    ),
    "merge row without id": (
        {"merge_date": "2022-06-07", "id": "", "merge_into_id": "A2208157607"},
        "^id: the merged_ids row has no id",
    ),
    "merge of institutions": (
        {"merge_date": "2022-06-01", "id": "I182273258", "merge_into_id": "I103163165"},
        r"^id: I182273258 is an OpenAlex institution; only merged works and authors are read",
    ),
    "malformed merge date": (
        {"merge_date": "7 June 2022", "id": "A2257618939", "merge_into_id": "A2208157607"},
        "^merge_date: '7 June 2022' is not a date",
    ),
}


@pytest.mark.parametrize(("record", "reason"), DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_record_is_refused_with_the_field_and_the_reason(record: object, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        read_openalex(copy.deepcopy(record))


# --- valid in OpenAlex's terms, incomplete in ours ------------------------------------------------------

INCOMPLETE: dict[str, tuple[object, str, str]] = {
    "work without title": (
        _damaged(_damaged(_state_of_oa(), "title", value=None), "display_name", value=" "),
        UNTITLED_WORKS,
        "title: the work W2741809807 has no title",
    ),
    "work whose title has no letter": (
        _damaged(_damaged(_state_of_oa(), "title", value="?"), "display_name", value="?"),
        UNTITLED_WORKS,
        "title: the work W2741809807 has the title '?', without a letter or digit",
    ),
    "author without name": (
        _damaged(_priem(), "display_name", value=None),
        UNNAMED_AUTHORS,
        "display_name: the author A5023888391 has no name",
    ),
}


@pytest.mark.parametrize(("record", "kind", "reason"), INCOMPLETE.values(), ids=INCOMPLETE.keys())
def test_a_record_without_what_must_be_stored_is_left_out_not_refused(record: object, kind: str, reason: str) -> None:
    with pytest.raises(IncompleteRecord) as caught:
        read_openalex(copy.deepcopy(record))
    assert (caught.value.kind, caught.value.reason) == (kind, reason)


def test_a_work_without_a_title_and_a_malformed_field_is_malformed() -> None:
    record = _damaged(_damaged(_state_of_oa(), "title", value=None), "display_name", value=None)
    with pytest.raises(RecordError, match=r"^cited_by_count: expected an integer"):
        read_openalex(_damaged(record, "cited_by_count", value="3"))


def test_an_authorship_without_a_name_is_left_out_its_place_kept_the_byline_incomplete() -> None:
    record = _damaged(_state_of_oa(), "authorships", 0, value={"author_position": "first", "author": {"id": None}})
    work = _work(record)
    assert [byline.position for byline in work.authors] == [2, 3]
    assert work.authors_complete is False


def test_an_orcid_failing_its_check_digit_is_left_out_of_the_byline_and_listed() -> None:
    record = _damaged(
        _state_of_oa(), "authorships", 2, "author", "orcid", value="https://orcid.org/0000-0002-9344-7430"
    )

    work, left_out = read_openalex(record)

    assert isinstance(work, Work)
    assert work.authors[2].ids == (AuthorId("openalex", "A5016803849"),)
    assert left_out == Skipped(
        INVALID_ORCIDS,
        "authorships[2].author.orcid: 'orcid:0000-0002-9344-7430' is not a valid ORCID iD: its check digit should "
        "be 9; the author is imported without it",
    )


def test_an_authors_orcid_failing_its_check_digit_is_left_out_and_listed_once() -> None:
    record = _damaged(_priem(), "orcid", value="https://orcid.org/0000-0001-6187-6611")
    record["ids"]["orcid"] = "https://orcid.org/0000-0001-6187-6611"

    person, *left_out = read_openalex(record)

    assert isinstance(person, Person)
    assert [given.scheme for given in person.ids] == ["openalex"]
    assert [skipped.reason.split(":")[0] for skipped in left_out if isinstance(skipped, Skipped)] == ["orcid"]


def test_a_figure_out_of_range_is_read_as_absent_and_listed() -> None:
    record = _damaged(_damaged(_priem(), "works_count", value=-38), "summary_stats", "h_index", value=2**31)

    person, *left_out = read_openalex(record)

    assert isinstance(person, Person)
    assert person.reported is not None
    assert (person.reported.paper_count, person.reported.h_index, person.reported.citation_count) == (None, None, 3157)
    assert left_out == [
        Skipped(OUT_OF_RANGE_FIGURES, "summary_stats.h_index: 2147483648 is out of range (0 to 2,147,483,647): read "
                                      "as absent"),
        Skipped(OUT_OF_RANGE_FIGURES, "works_count: -38 is out of range (0 to 2,147,483,647): read as absent"),
    ]  # fmt: skip


def test_a_negative_year_stays_malformed() -> None:
    with pytest.raises(RecordError, match=r"^publication_year: -1 is negative"):
        read_openalex(_damaged(_damaged(_state_of_oa(), "publication_date", value=None), "publication_year", value=-1))


def test_an_institution_without_a_name_is_left_out() -> None:
    work = _work(_damaged(_state_of_oa(), "authorships", 0, "institutions", 0, "display_name", value=None))
    assert work.authors[0].institutions == _work(_state_of_oa()).authors[0].institutions[1:]
    assert work.authors_complete is True


def test_an_author_whose_figures_have_no_date_is_stored_without_them() -> None:
    person = _person(_without(_priem(), "updated_date"))
    assert (person.name, person.reported) == (_person(_priem()).name, None)


# --- merged-ids CSV files through `scholargraph ingest openalex` (a real database) ------------------------


def _ingest(database_url: str, *args: str) -> int:
    from api.cli import main

    return main(["ingest", "openalex", *args, "--database-url", database_url, "--json"])


def _query(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    import asyncio

    import asyncpg

    async def read() -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(database_url)
        try:
            return [tuple(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    return asyncio.run(read())


def _snapshot(database_url: str) -> dict[str, object]:
    """Every table's rows, as text, for 'changes nothing'."""
    tables = [name for (name,) in _query(database_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return {table: _query(database_url, f"SELECT t::text FROM {table} t ORDER BY 1") for table in sorted(tables)}


def _snapshot_folder(tmp_path: Path, merged: bytes) -> Path:
    """A snapshot-like folder: the works fixture as a gzip part, the merged ids as a .csv.gz part."""
    import gzip

    data = tmp_path / "data"
    (data / "works" / "updated_date=2024-01-01").mkdir(parents=True)
    (data / "merged_ids" / "works").mkdir(parents=True)
    part = data / "works" / "updated_date=2024-01-01" / "part_000.gz"
    part.write_bytes(gzip.compress((FIXTURES / "openalex-works.jsonl").read_bytes()))
    (data / "merged_ids" / "works" / "2022-06-06.csv.gz").write_bytes(gzip.compress(merged))
    return data


def test_a_merged_work_id_finds_the_paper_it_was_merged_into(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The works part holds W2741809807; the merged-ids file says W2011993412 was merged into it (and an
    author A1 into A5023888391, an author of that work): after the import, the retired ids find them."""
    import asyncio

    from api.db import external_ids
    from api.db.pool import Database
    from api.ids import ExternalId

    data = _snapshot_folder(
        tmp_path, b"merge_date,id,merge_into_id\n2022-06-06,W2011993412,W2741809807\n2022-06-06,A1,A5023888391\n"
    )
    assert _ingest(database_url, str(data)) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["read"] == 4
    assert report["rejected"] == 0

    async def look_up() -> tuple[list[Any], list[Any]]:
        db = await Database.connect(database_url, min_size=1, max_size=1)
        try:
            papers = await external_ids.find_papers(
                db, [ExternalId("Paper", "openalex", "W2011993412"), ExternalId("Paper", "openalex", "W2741809807")]
            )
            authors = await external_ids.find_authors(
                db, [ExternalId("Author", "openalex", "A1"), ExternalId("Author", "openalex", "A5023888391")]
            )
            return papers, authors
        finally:
            await db.close()

    (old_paper, paper), (old_author, author) = asyncio.run(look_up())
    assert paper is not None
    assert paper.title == "The state of OA: a large-scale analysis of the prevalence and impact of Open Access articles"
    assert old_paper is not None
    assert old_paper.id == paper.id
    assert author is not None
    assert old_author is not None
    assert old_author.id == author.id
    assert _query(database_url, "SELECT count(*) FROM papers") == [(2,)], "no paper made of a merged-ids row"


def test_merged_ids_of_entities_not_stored_create_nothing_and_are_counted(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    merged = tmp_path / "merged.csv"
    merged.write_bytes(b"merge_date,id,merge_into_id\n2022-06-06,W11,W12\n2022-06-06,A11,A12\n")
    assert _ingest(database_url, str(merged)) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["read"] == 2
    assert report["skipped"]["unknown_merge_targets"] == 2
    for table in ("papers", "authors", "paper_external_ids", "author_external_ids"):
        assert _query(database_url, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_a_malformed_merged_ids_row_under_fail_names_file_and_line_and_changes_nothing(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _ingest(database_url, str(FIXTURES / "openalex-works.jsonl")) == 0
    before = _snapshot(database_url)
    capsys.readouterr()
    for name, rows, reason in (
        ("fields.csv", b"2022-06-06,W2011993412\n", "expected 3 fields (merge_date,id,merge_into_id), found 2"),
        ("itself.csv", b"2022-06-06,W2741809807,W2741809807\n", "merge_into_id: W2741809807 is merged into itself"),
        ("kinds.csv", b"2022-06-06,W2011993412,A5023888391\n", "cannot be merged into A5023888391"),
        ("date.csv.gz", b"06/06/2022,W2011993412,W2741809807\n", "merge_date: '06/06/2022' is not a date"),
    ):
        merged = tmp_path / name
        merged.write_bytes(b"merge_date,id,merge_into_id\n" + rows)
        works = tmp_path / "works.jsonl"
        works.write_bytes((FIXTURES / "openalex-works.jsonl").read_bytes().replace(b"W2741809807", b"W7"))
        assert _ingest(database_url, str(works), str(merged)) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"scholargraph: error: {merged}:2: "), err
        assert reason in err
        assert _snapshot(database_url) == before, f"{name}: the works before the bad row were not written"


def test_malformed_merged_ids_rows_under_skip_go_to_the_reject_file(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    merged = (
        b"merge_date,id,merge_into_id\n"
        b"2022-06-06,W2011993412\n"
        b"2022-06-06,W2741809807,W2741809807\n"
        b'2022-06-06,"W2011993412,W2741809807\n'
        b"2022-06-06,I1,I2\n"
        b"2022-06-06,W1,W2741809807\n"  # one good row: a file none of whose rows is read is taken for another format
    )
    data = _snapshot_folder(tmp_path, merged)
    rejects = tmp_path / "rejects.jsonl"
    assert _ingest(database_url, str(data), "--on-error", "skip", "--rejects", str(rejects)) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    csv_part = str(data / "merged_ids" / "works" / "2022-06-06.csv.gz")
    entries = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(entry["path"], entry["line"], entry["record"]) for entry in entries] == [
        (csv_part, 2, "2022-06-06,W2011993412"),
        (csv_part, 3, "2022-06-06,W2741809807,W2741809807"),
        (csv_part, 4, '2022-06-06,"W2011993412,W2741809807'),
        (csv_part, 5, "2022-06-06,I1,I2"),
    ]
    assert [entry["reason"] for entry in entries] == [
        "expected 3 fields (merge_date,id,merge_into_id), found 2",
        "merge_into_id: W2741809807 is merged into itself",
        "not a CSV row: unexpected end of data",
        "id: I1 is an OpenAlex institution; only merged works and authors are read",
    ]
    assert report["rejected"] == 4
    assert report["read"] == 3
    assert _query(database_url, "SELECT count(*) FROM papers") == [(2,)]
