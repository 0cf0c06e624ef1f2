"""The Crossref reader: the real sample read exactly, every quirk of the format, every kind of damage."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from api.ingest.crossref import (
    NOT_PAPERS,
    NotAPaperError,
    markup_to_text,
    read_crossref,
    read_crossref_page,
    read_crossref_value,
)
from api.ingest.model import (
    INVALID_ORCIDS,
    OUT_OF_RANGE_FIGURES,
    UNTITLED_WORKS,
    AuthorId,
    Byline,
    IncompleteRecord,
    Institution,
    PaperId,
    RecordError,
    Reference,
    Skipped,
    Work,
)

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "crossref-works-sample.jsonl"


@pytest.fixture(scope="module")
def raw() -> dict[str, dict[str, Any]]:
    """The sample's work objects by DOI, as recorded."""
    records = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    return {record["DOI"]: record for record in records}


@pytest.fixture(scope="module")
def sample(raw: dict[str, dict[str, Any]]) -> dict[str, Work]:
    works: dict[str, Work] = {}
    for doi, record in raw.items():
        try:
            works[doi] = read_crossref(record)
        except (RecordError, IncompleteRecord):
            continue
    return works


def work(**fields: Any) -> dict[str, Any]:
    """A valid work object with `fields` replaced (a value of ... removes the field)."""
    base: dict[str, Any] = {
        "DOI": "10.1234/ABC.5",
        "type": "journal-article",
        "title": ["Notes on the Analytical Engine"],
        "issued": {"date-parts": [[1843, 10, 1]]},
        "author": [{"given": "Ada", "family": "Lovelace", "sequence": "first", "affiliation": []}],
        "reference": [{"key": "r1", "DOI": "10.1234/def"}],
        "is-referenced-by-count": 3,
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


def names(found: Work) -> list[str]:
    return [byline.name for byline in found.authors]


# --- the real sample ----------------------------------------------------------------------------------


def test_sample_counts_of_records_read_and_refused(raw: dict[str, dict[str, Any]]) -> None:
    assert len(raw) == 300
    outcomes: Counter[str] = Counter()
    refused: dict[str, str] = {}
    for doi, record in raw.items():
        try:
            read_crossref(record)
        except NotAPaperError:
            outcomes["not a paper"] += 1
        except IncompleteRecord as incomplete:
            outcomes[incomplete.kind] += 1
            refused[doi] = incomplete.reason
        else:
            outcomes["read"] += 1
    # None is malformed: three are valid Crossref records without a title, which a paper cannot be stored without.
    assert outcomes == Counter({"read": 294, "not a paper": 3, UNTITLED_WORKS: 3})
    assert refused == {
        "10.1016/c2013-0-11280-9": "title: missing",  # a book recorded without any title
        "10.1126/science.169.3946.635": "title: missing",  # a /works/{doi}/agency answer: DOI and agency only
        "10.26568/2359-2087.2014.1274": "title: empty",  # title [""]
    }


def test_sample_containers_are_not_papers(raw: dict[str, dict[str, Any]]) -> None:
    for doi in ("10.1007/10452.1573-5125", "10.1155/tsm", "10.1111/aec.v46.2"):  # 2 journals, 1 issue
        with pytest.raises(NotAPaperError, match=r"^type: "):
            read_crossref(raw[doi])


def test_sample_totals(sample: dict[str, Work]) -> None:
    works = list(sample.values())
    assert Counter(w.published_precision for w in works) == Counter({"day": 179, "month": 56, "year": 50, None: 9})
    # 976 author entries, less 7 affiliations deposited as authors (10.29252/ijrm.14.10.665)
    assert sum(len(w.authors) for w in works) == 969
    # 4,356 references: 3,557 with a DOI less 7 listed twice; 727 by text; 72 that name nothing are left out
    # (68 with neither author nor title, 4 with an empty `unstructured`)
    assert sum(1 for w in works for r in w.references if r.ids) == 3550
    assert sum(1 for w in works for r in w.references if not r.ids) == 727
    assert sum(1 for w in works if w.abstract) == 86  # 89 abstracts, 3 of them placeholders
    assert sum(w.reported_citation_count or 0 for w in works) == 1322


def test_sample_named_record(sample: dict[str, Work]) -> None:
    found = sample["10.1155/2020/8843299"]
    assert found.source == "crossref"
    assert found.ids == (PaperId("doi", "10.1155/2020/8843299"),)
    assert found.title == (
        "Modelling the Dynamics of Campylobacteriosis Using Nonstandard Finite Difference Approach with Optimal Control"
    )
    assert (found.published_on, found.published_precision) == (dt.date(2020, 11, 18), "day")
    ghana = (
        "Department of Basic Sciences, School of Basic and Biomedical Sciences, University of Health and Allied "
        "Sciences, PMB 31, Ho, Ghana"
    )
    assert found.authors[0] == Byline(
        "Shaibu Osman",
        1,
        ids=(AuthorId("orcid", "0000-0003-3692-3846"),),
        institutions=(Institution(ghana),),
        affiliation=ghana,
    )
    assert [(b.name, b.position, b.ids) for b in found.authors[1:]] == [
        ("Houenafa Alain Togbenon", 2, (AuthorId("orcid", "0000-0002-1332-9898"),)),
        ("Dominic Otoo", 3, (AuthorId("orcid", "0000-0002-4877-1977"),)),
    ]
    assert found.reported_citation_count == 2
    assert found.abstract is not None
    assert found.abstract.startswith("Campylobacter genus is the bacteria responsible for campylobacteriosis")
    assert (found.categories, found.primary_category, found.code_url) == ((), None, None)


def test_sample_named_record_references(sample: dict[str, Work]) -> None:
    references = sample["10.1155/2020/8843299"].references
    assert len(references) == 26
    assert sum(1 for r in references if r.ids) == 17
    assert references[0] == Reference(ids=(PaperId("doi", "10.1017/s095026881600159x"),))
    assert references[1] == Reference(
        text="HelbaJ. H.A dynamical model of campylobacteriosis in Ohio, [Ph.D. thesis]2017The Ohio State University"
    )  # `unstructured`, run together as deposited
    assert references[8] == Reference(
        text="K. A. Eustace (2018). Mathematical modelling and analysis of the dynamics of cholera. "
        "Global Journal of Pure and Applied Mathematics 14(9):1259"
    )  # built from author, year, article-title, journal-title, volume, issue, first-page
    assert references[15] == Reference(
        text="R. E. Mickens (1994). Nonstandard Finite Difference Models of Differential Equations"
    )


def test_sample_year_precision(sample: dict[str, Work]) -> None:
    found = sample["10.1016/b978-0-323-40196-8.00028-0"]  # issued [[2018]]
    assert (found.published_on, found.published_precision) == (dt.date(2018, 1, 1), "year")


def test_sample_month_precision(sample: dict[str, Work]) -> None:
    found = sample["10.1016/0016-0032(78)90468-4"]  # issued [[1878, 1]]
    assert (found.published_on, found.published_precision) == (dt.date(1878, 1, 1), "month")


def test_sample_date_from_published_without_issued(sample: dict[str, Work]) -> None:
    found = sample["10.1093/obo/9780199830060-0026"]  # only "published": [[2012, 5, 23]]
    assert (found.published_on, found.published_precision) == (dt.date(2012, 5, 23), "day")


def test_sample_date_from_approved_when_issued_is_null(sample: dict[str, Work]) -> None:
    found = sample["10.17077/etd.89e52p7n"]  # a dissertation: issued [[null]], approved [[2013, 5, 1]]
    assert (found.published_on, found.published_precision) == (dt.date(2013, 5, 1), "day")


def test_sample_no_date_rather_than_the_registration_date(sample: dict[str, Work]) -> None:
    found = sample["10.4242/balisagevol3.renear01"]  # issued [[null]], only `created` (2009-08-04)
    assert (found.published_on, found.published_precision) == (None, None)


def test_sample_minimal_record(sample: dict[str, Work]) -> None:
    found = sample["10.1002/scin.5591831002"]  # {"DOI", "title"} and nothing else
    assert found == Work(
        source="crossref",
        ids=(PaperId("doi", "10.1002/scin.5591831002"),),
        title="Science notebook",
        authors_complete=False,
    )


@pytest.mark.parametrize(
    ("doi", "title"),
    [
        (  # escaped <subtitle> inside the title
            "10.1001/archpedi.1951.02040040742008",
            "IDIOPATHIC ACQUIRED HEMOLYTIC ANEMIA IN AN INFANT: Successful Treatment with Corticotropin (ACTH)",
        ),
        (  # escaped <scp>
            "10.1002/2050-7038.12559/v3/decision1",
            'Decision letter for "Robust energy hub optimization with cross\u2010vector demand response"',
        ),
        (  # &amp;
            "10.1017/s0022050700100051",
            "The Standard of Living in Britain in the Industrial Revolution. Edited by Arthur J. Taylor. London: "
            "Methuen & Company, 1975. Pp. lvi, 216. $18.50, cloth; $10.00, paper.",
        ),
        (  # subscripts join their word
            "10.1021/jp502220m",
            "Drift Transport in Al2O3-Sheathed 3-D Transparent Conducting Oxide Photoanodes Observed in Liquid "
            "Electrolyte-Based Dye-Sensitized Solar Cells",
        ),
        ("10.1103/physrevb.89.235131", "LaSrVO4: A candidate for the spin-orbital liquid state"),  # MathML
        (  # MathML with the spaces around it lost
            "10.1103/physrevc.91.057301",
            "Persistence of collective behavior at high spin in the N=88 nucleus Tb153",
        ),
        (  # <i> with the spaces around it lost
            "10.1155/2010/435838",
            "Nest Relocation and Colony Founding in the Australian Desert Ant, Melophorus bagoti Lubbock "
            "(Hymenoptera: Formicidae)",
        ),
        (  # a double space
            "10.1155/2011/247983",
            "Thessaloniki Mud Volcano, the Shallowest Gas Hydrate-Bearing Mud Volcano in the Anaximander Mountains, "
            "Eastern Mediterranean",
        ),
        ("10.1155/2013/539573", "Endpoints in T0-Quasimetric Spaces: Part II"),
        ("10.1001/jama.2014.11667", "Abstraction: Windows"),  # subtitle ("Jeanne Rij-Rousseau") not appended
    ],
)
def test_sample_title_markup(sample: dict[str, Work], doi: str, title: str) -> None:
    assert sample[doi].title == title


def test_sample_abstract_heading_is_dropped(sample: dict[str, Work]) -> None:
    abstract = sample["10.1038/s41598-020-78656-w"].abstract  # <jats:title>Abstract</jats:title><jats:p>...
    assert abstract is not None
    assert abstract.startswith("SARS-CoV-2 virus is the causative agent of COVID-19. Here we demonstrate")


def test_sample_structured_abstract_sections(sample: dict[str, Work]) -> None:
    abstract = sample["10.1371/journal.pone.0251152"].abstract  # <jats:sec><jats:title>Purpose</jats:title>...
    assert abstract is not None
    lines = abstract.split("\n")
    assert lines[0] == "Purpose"
    assert lines[1].startswith("To compare the biometry and prediction of postoperative refractive outcomes")
    assert lines[2] == "Methods"


@pytest.mark.parametrize("doi", ["10.4212/cjhp.v70i2.1638", "10.1155/2020/5471638"])
def test_sample_placeholder_abstract_is_none(sample: dict[str, Work], doi: str) -> None:
    assert sample[doi].abstract is None  # "<jats:p>-</jats:p>" and "<jats:p />"


def test_sample_abstract_with_math(sample: dict[str, Work]) -> None:
    abstract = sample["10.1155/s0161171201006068"].abstract
    assert abstract is not None
    assert abstract.startswith("Let B be a ring with 1, C the center of B, and G a finite automorphism group of B.")


def test_sample_abstract_subscript_before_a_word(sample: dict[str, Work]) -> None:
    abstract = sample["10.1155/2013/854928"].abstract  # CuCl<jats:sub>2</jats:sub>ethanol
    assert abstract is not None
    assert "using AgNO3, HCl-EtOH, CuCl2 ethanol solutions" in abstract


def test_sample_escaped_less_than_in_math_stays_text(sample: dict[str, Work]) -> None:
    assert "homogeneous (P<0.001) since" in (sample["10.1155/2014/158601"].abstract or "")


def test_sample_sequence_all_additional(raw: dict[str, dict[str, Any]], sample: dict[str, Work]) -> None:
    doi = "10.1100/tsw.2002.664"
    assert {a["sequence"] for a in raw[doi]["author"]} == {"additional"}
    assert [(b.name, b.position) for b in sample[doi].authors][:2] == [("Anna Ebringerova", 1), ("Zdena Hromadkova", 2)]
    assert [b.position for b in sample[doi].authors] == [1, 2, 3, 4, 5, 6]


def test_sample_sequence_two_firsts(raw: dict[str, dict[str, Any]], sample: dict[str, Work]) -> None:
    doi = "10.25073/2588-1159/vnuer.4134"
    assert [a["sequence"] for a in raw[doi]["author"]] == ["first", "first"]
    assert [(b.name, b.position) for b in sample[doi].authors] == [("Nguyen The Hung", 1), ("Nguyen Thi Quyen", 2)]


def test_sample_affiliations_deposited_as_authors_are_dropped(sample: dict[str, Work]) -> None:
    assert names(sample["10.29252/ijrm.14.10.665"]) == [
        "Samira Rajaei",
        "Azadeh Akbari Sene",
        "Sara Norouzi",
        "Yasrin Berangi",
        "Sahereh Arabian",
        "Parvaneh Lak",
        "Ali Dabbagh",
    ]


def test_sample_organisation_authors_are_kept(sample: dict[str, Work]) -> None:
    assert names(sample["10.1371/journal.pone.0115930"]) == ["The PLOS ONE Staff"]
    assert "OLYMPUS Collaboration" in names(sample["10.1103/physrevlett.126.162501"])


def test_sample_family_name_only(sample: dict[str, Work]) -> None:
    assert sample["10.1371/journal.pone.0111229"].authors[2] == Byline("Yuting Yin", 3)


def test_sample_suffix(sample: dict[str, Work]) -> None:
    assert names(sample["10.1016/s0932-8610(88)80070-7"]) == ["Claude L. Hughes Jr."]


def test_sample_references_listed_twice_are_one(raw: dict[str, dict[str, Any]], sample: dict[str, Work]) -> None:
    doi = "10.1021/jp502220m"
    assert len(raw[doi]["reference"]) == 50
    assert len(sample[doi].references) == 48
    assert len({r.ids for r in sample[doi].references if r.ids}) == sum(1 for r in sample[doi].references if r.ids)


def test_sample_reference_text_without_markup(sample: dict[str, Work]) -> None:
    texts = [r.text for r in sample["10.1371/journal.pone.0100671"].references if r.text]
    assert (
        "AB Idris (1997). Detection of Nosema bombycis (Naegeli) in Diamondback moth using Giemsa Stain. "
        "Malaysia Applied Biology 26(1):105" in texts
    )


# --- quirks of the format -----------------------------------------------------------------------------


def test_doi_is_lower_case() -> None:
    assert read_crossref(work(DOI="10.1234/ABC.5")).ids == (PaperId("doi", "10.1234/abc.5"),)


def test_title_as_a_plain_string() -> None:
    assert read_crossref(work(title="A <i>plain</i> title")).title == "A plain title"


def test_not_a_paper_is_a_record_error() -> None:
    # an importer that knows nothing of NotAPaperError rejects such records like any other
    with pytest.raises(RecordError, match=r"^type: 'journal-issue' names a container or a part, not a paper$"):
        read_crossref(work(type="journal-issue"))


def test_first_non_empty_title() -> None:
    assert read_crossref(work(title=["", " <i> </i> ", "Second"])).title == "Second"


def test_null_date_parts_fall_through() -> None:
    found = read_crossref(work(issued={"date-parts": [[None]]}, **{"published-online": {"date-parts": [[2011, 5]]}}))
    assert (found.published_on, found.published_precision) == (dt.date(2011, 5, 1), "month")


def test_trailing_null_date_part() -> None:
    found = read_crossref(work(issued={"date-parts": [[2011, None]]}))
    assert (found.published_on, found.published_precision) == (dt.date(2011, 1, 1), "year")


def test_orcid_normalised_authenticated_orcid_ignored() -> None:
    author = {
        "given": "Ada",
        "family": "Lovelace",
        "ORCID": "http://orcid.org/0000-0002-1825-0097",
        "authenticated-orcid": False,
    }
    assert read_crossref(work(author=[author])).authors[0].ids == (AuthorId("orcid", "0000-0002-1825-0097"),)


def test_affiliation_with_ror() -> None:
    affiliation = {
        "name": "Eawag",
        "id": [{"id": "https://ror.org/00pc48d59", "id-type": "ROR", "asserted-by": "publisher"}],
    }
    author = {"given": "Ada", "family": "Lovelace", "affiliation": [affiliation, {"name": "Eawag"}, {"name": "ETH"}]}
    found = read_crossref(work(author=[author])).authors[0]
    assert found.institutions == (Institution("Eawag", ror="https://ror.org/00pc48d59"), Institution("ETH"))
    assert found.affiliation == "Eawag; ETH"


def test_empty_author_list_is_complete() -> None:
    assert (read_crossref(work(author=[])).authors, read_crossref(work(author=[])).authors_complete) == ((), True)


def test_reference_with_malformed_doi_is_kept_as_text() -> None:
    found = read_crossref(
        work(reference=[{"key": "1", "DOI": "doi 10.1234"}, {"key": "2", "DOI": "10.1/x", "unstructured": "X"}])
    )
    assert found.references == (Reference(text="doi:doi 10.1234"), Reference(text="X"))


def test_reference_with_doi_keeps_its_text() -> None:
    found = read_crossref(work(reference=[{"key": "1", "DOI": "10.1234/DEF", "unstructured": "A. B. <i>T</i>. 2001"}]))
    assert found.references == (Reference(ids=(PaperId("doi", "10.1234/def"),), text="A. B. T. 2001"),)


def test_reference_to_itself_is_dropped() -> None:
    assert read_crossref(work(reference=[{"key": "1", "DOI": "10.1234/abc.5"}])).references == ()


def test_reference_naming_nothing_is_dropped() -> None:
    assert read_crossref(work(reference=[{"key": "1", "year": "1978", "first-page": "3"}])).references == ()


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<i>in vivo</i> study", "in vivo study"),
        ("see<i>E. coli</i>'s (<i>Mlo</i>) gene", "see E. coli's (Mlo) gene"),
        ("10<sup>\u22123</sup>M and H<sub>2</sub>O", "10\u22123M and H2O"),
        ("p &lt; 0.05 &amp; q &gt; 1", "p < 0.05 & q > 1"),
        ("&#233;t&eacute; &#x2013; &nbsp;x", "\u00e9t\u00e9 \u2013 x"),  # numeric and named entities
        ("Title&lt;subtitle&gt;Sub&lt;/subtitle&gt;", "Title: Sub"),
        ("Why?<subtitle>Because</subtitle>", "Why? Because"),
        ("caf\u0065\u0301", "caf\u00e9"),  # NFC
        ("a\x00b\x1fc", "a b c"),  # control characters
    ],
)
def test_markup_to_text(markup: str, text: str) -> None:
    assert markup_to_text(markup) == text


def test_markup_paragraphs() -> None:
    markup = "<jats:p>One\n  line.</jats:p>\n<jats:p>Two<br/>three.</jats:p>"
    assert markup_to_text(markup, paragraphs=True) == "One line.\nTwo\nthree."


# --- API responses ------------------------------------------------------------------------------------


def test_page_of_a_work_list() -> None:
    page = {"status": "ok", "message-type": "work-list", "message": {"items": [work(), work(DOI="10.1000/b")]}}
    assert [read_crossref(item).ids[0].value for item in read_crossref_page(page)] == ["10.1234/abc.5", "10.1000/b"]


def test_page_of_one_work() -> None:
    page = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": work()}
    assert read_crossref_page(page) == [work()]


def test_page_of_a_bare_work() -> None:
    assert read_crossref_page(work()) == [work()]


def test_page_without_message_type() -> None:
    assert read_crossref_page({"message": {"items": []}}) == []


def test_page_error_response() -> None:
    page = {"status": "failed", "message-type": "validation-failure", "message": [{"message": "Bad rows"}]}
    with pytest.raises(RecordError, match=r"^status: the API response reports 'failed': Bad rows$"):
        read_crossref_page(page)


def test_page_of_another_kind() -> None:
    page = {"status": "ok", "message-type": "member", "message": {"id": 98}}
    with pytest.raises(RecordError, match=r"^message-type: 'member' is not a work or a work list$"):
        read_crossref_page(page)


def test_page_items_not_a_list() -> None:
    with pytest.raises(RecordError, match=r"^message.items: expected a list of works"):
        read_crossref_page({"message-type": "work-list", "message": {"items": {}}})


def test_page_not_an_object() -> None:
    with pytest.raises(RecordError, match=r"^expected a JSON object"):
        read_crossref_page([work()])


# --- damage -------------------------------------------------------------------------------------------


def reason(obj: object) -> str:
    with pytest.raises(RecordError) as caught:
        read_crossref(obj)
    assert not isinstance(caught.value, NotAPaperError)
    return str(caught.value)


def with_author(**fields: Any) -> dict[str, Any]:
    author: dict[str, Any] = {"given": "Ada", "family": "Lovelace", "affiliation": []}
    author.update(fields)
    return work(author=[{"name": "The Staff"}, author])


def test_damage_not_an_object() -> None:
    assert reason("10.1234/abc") == "expected a JSON object (a Crossref work), found the string '10.1234/abc'"


def test_damage_an_api_response_given_as_a_work() -> None:
    assert reason({"status": "ok", "message": work()}).startswith("message: this is an API response, not a work")


def test_damage_doi_missing() -> None:
    assert reason(work(DOI=...)) == "DOI: missing"


def test_damage_doi_not_a_string() -> None:
    assert reason(work(DOI=1234)) == "DOI: expected a string, found the number 1234"


def test_damage_doi_malformed() -> None:
    assert reason(work(DOI="11.1234/abc")).startswith("DOI: ")


def test_damage_type_not_a_string() -> None:
    assert reason(work(type=["journal-article"])) == "type: expected a string, found a list"


def left_out(obj: object) -> str:
    """The reason a valid but incomplete work is left out (IncompleteRecord, not RecordError)."""
    with pytest.raises(IncompleteRecord) as caught:
        read_crossref(obj)
    assert caught.value.kind == UNTITLED_WORKS
    return caught.value.reason


def test_incomplete_title_missing() -> None:
    assert left_out(work(title=...)) == "title: missing"


def test_incomplete_title_empty_list() -> None:
    assert left_out(work(title=[])) == "title: missing (an empty list)"


def test_incomplete_title_empty() -> None:
    assert left_out(work(title=["", " "])) == "title: empty"


def test_incomplete_title_without_a_letter_or_digit() -> None:
    assert left_out(work(title=["<i>?</i>", "-"])) == "title: '?' has no letter or digit"


def test_a_work_without_a_title_and_a_malformed_field_is_malformed() -> None:
    assert reason(work(title=..., author="Ada")) == "author: expected a list of authors, found the string 'Ada'"


def test_a_page_lists_its_incomplete_and_non_paper_items_as_skipped_and_reads_the_others() -> None:
    page = {"status": "ok", "message-type": "work-list",
            "message": {"items": [work(), work(title=[]), work(type="journal"), work(DOI="10.1000/b")]}}  # fmt: skip

    found = read_crossref_value(page)

    assert [item.ids[0].value for item in found if isinstance(item, Work)] == ["10.1234/abc.5", "10.1000/b"]
    assert [item for item in found if isinstance(item, Skipped)] == [
        Skipped(UNTITLED_WORKS, "message.items[1]: title: missing (an empty list)"),
        Skipped(NOT_PAPERS, "message.items[2]: type: 'journal' names a container or a part, not a paper"),
    ]


def test_a_malformed_page_item_is_named_by_its_place() -> None:
    page = {"message-type": "work-list", "message": {"items": [work(), work(DOI=12)]}}

    with pytest.raises(RecordError, match=r"^message\.items\[1\]: DOI: expected a string, found the number 12$"):
        read_crossref_value(page)


def test_damage_title_not_a_list() -> None:
    assert reason(work(title=12)) == "title: expected a list of strings, found the number 12"


def test_damage_title_entry_not_a_string() -> None:
    assert reason(work(title=[None])) == "title[0]: expected a string, found null"


def test_damage_abstract_not_a_string() -> None:
    assert reason(work(abstract=["<jats:p>x</jats:p>"])) == "abstract: expected a string, found a list"


def test_damage_date_not_an_object() -> None:
    assert reason(work(issued="2011-05-03")).startswith("issued: expected an object with date-parts")


def test_damage_date_parts_not_nested() -> None:
    assert reason(work(issued={"date-parts": [2011, 5]})).startswith("issued.date-parts: expected [[year, month, day]]")


def test_damage_date_parts_not_integers() -> None:
    assert reason(work(issued={"date-parts": [["2011", "05"]]})).startswith("issued.date-parts: expected [[year, month")


def dated(**dates: Any) -> tuple[dt.date | None, str | None]:
    found = read_crossref(work(**{"issued": ..., **dates}))
    return found.published_on, found.published_precision


def test_a_month_that_does_not_exist_keeps_the_year() -> None:
    assert dated(issued={"date-parts": [[2011, 13]]}) == (dt.date(2011, 1, 1), "year")


def test_a_day_that_does_not_exist_keeps_the_month() -> None:
    assert dated(issued={"date-parts": [[2011, 2, 30]]}) == (dt.date(2011, 2, 1), "month")


def test_an_implausible_year_is_no_date_and_the_next_field_is_read() -> None:
    assert dated(issued={"date-parts": [[20011, 2]]}) == (None, None)
    assert dated(issued={"date-parts": [[20011, 2]]}, published={"date-parts": [[2011, 2]]}) == (
        dt.date(2011, 2, 1),
        "month",
    )


def test_a_month_zero_in_a_fallback_field_keeps_its_year() -> None:
    assert dated(**{"published-print": {"date-parts": [[2011, 0]]}}) == (dt.date(2011, 1, 1), "year")


def test_damage_authors_not_a_list() -> None:
    assert reason(work(author={"given": "Ada"})) == "author: expected a list of authors, found an object"


def test_damage_author_not_an_object() -> None:
    assert reason(work(author=["Ada Lovelace"])) == "author[0]: expected an object, found the string 'Ada Lovelace'"


def test_an_author_without_a_name_is_left_out_and_the_byline_is_incomplete() -> None:
    authors = [
        {"given": "Ada", "family": "Lovelace"},
        {"given": None, "family": " "},
        {"given": "-", "family": "."},
        {"given": "Charles", "family": "Babbage"},
    ]
    found = read_crossref(work(author=authors))

    assert [(byline.name, byline.position) for byline in found.authors] == [("Ada Lovelace", 1), ("Charles Babbage", 4)]
    assert found.authors_complete is False


def test_a_left_out_authors_fields_are_still_checked() -> None:
    assert reason(with_author(given=None, family="", ORCID=18250097)).startswith("author[1].ORCID: expected a string")


def test_damage_author_name_not_a_string() -> None:
    assert reason(with_author(family=["Lovelace"])) == "author[1].family: expected a string, found a list"


def test_damage_orcid_not_a_string() -> None:
    assert reason(with_author(ORCID=18250097)) == "author[1].ORCID: expected a string, found the number 18250097"


def test_damage_orcid_malformed() -> None:
    assert reason(with_author(ORCID="http://orcid.org/0000-0002-1825")).startswith(
        "author[1].ORCID: 'orcid:0000-0002-1825' is not an ORCID iD"
    )


def test_an_orcid_failing_its_check_digit_is_left_out_and_listed() -> None:
    left_out: list[Skipped] = []
    found = read_crossref(with_author(ORCID="http://orcid.org/0000-0002-1825-0098"), left_out)

    assert [(byline.name, byline.ids) for byline in found.authors][1] == ("Ada Lovelace", ())
    assert left_out == [
        Skipped(
            INVALID_ORCIDS,
            "author[1].ORCID: 'orcid:0000-0002-1825-0098' is not a valid ORCID iD: its check digit should be 7; "
            "the author is imported without it",
        )
    ]


def test_in_a_page_what_a_work_is_read_without_follows_it_named_by_its_place() -> None:
    page = {"message-type": "work-list", "message": {"items": [with_author(ORCID="0000-0002-1825-0098")]}}

    work, skipped = read_crossref_value(page)

    assert isinstance(work, Work)
    assert isinstance(skipped, Skipped)
    assert skipped.reason.startswith("message.items[0]: author[1].ORCID: ")


def test_an_orcid_of_an_author_left_out_is_not_listed() -> None:
    left_out: list[Skipped] = []
    read_crossref(with_author(given=None, family="", ORCID="0000-0002-1825-0098"), left_out)
    assert left_out == []


def test_damage_affiliation_not_a_list() -> None:
    assert reason(with_author(affiliation="MIT")).startswith("author[1].affiliation: expected a list")


def test_damage_affiliation_not_an_object() -> None:
    assert (
        reason(with_author(affiliation=["MIT"]))
        == "author[1].affiliation[0]: expected an object, found the string 'MIT'"
    )


def test_damage_references_not_a_list() -> None:
    assert reason(work(reference="none")) == "reference: expected a list of references, found the string 'none'"


def test_damage_reference_not_an_object() -> None:
    assert (
        reason(work(reference=[{"key": "1"}, "10.1/x"]))
        == "reference[1]: expected an object, found the string '10.1/x'"
    )


def test_damage_reference_doi_not_a_string() -> None:
    assert (
        reason(work(reference=[{"key": "1", "DOI": 10.1}]))
        == "reference[0].DOI: expected a string, found the number 10.1"
    )


def test_a_citation_count_out_of_range_is_read_as_absent_and_listed() -> None:
    left_out: list[Skipped] = []
    assert read_crossref(work(**{"is-referenced-by-count": -1}), left_out).reported_citation_count is None
    assert left_out == [
        Skipped(OUT_OF_RANGE_FIGURES, "is-referenced-by-count: -1 is out of range (0 to 2,147,483,647): read as absent")
    ]


def test_damage_citation_count_not_an_integer() -> None:
    assert reason(work(**{"is-referenced-by-count": "12"})).startswith("is-referenced-by-count: expected a count")
