"""The arXiv snapshot reader: the real sample read exactly, every quirk of the format, every kind of damage."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from api.ingest.arxiv import read_arxiv, tex_to_unicode
from api.ingest.model import UNTITLED_WORKS, Byline, IncompleteRecord, Institution, PaperId, RecordError, Work

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv-metadata-sample.jsonl"


@pytest.fixture(scope="module")
def sample() -> dict[str, Work]:
    works = [read_arxiv(json.loads(line)) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    return {work.ids[0].value: work for work in works}


def record(**fields: Any) -> dict[str, Any]:
    """A valid snapshot record with `fields` replaced (a value of ... removes the field)."""
    base: dict[str, Any] = {
        "id": "2401.01234",
        "submitter": "Ada Lovelace",
        "authors": "Ada Lovelace and Charles Babbage",
        "title": "Notes on the Analytical Engine",
        "comments": None,
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": "cs.LG stat.ML",
        "license": None,
        "abstract": "  An abstract.\n",
        "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}],
        "update_date": "2024-01-03",
        "authors_parsed": [["Lovelace", "Ada", ""], ["Babbage", "Charles", ""]],
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


def names(work: Work) -> list[str]:
    return [byline.name for byline in work.authors]


# --- the real sample ----------------------------------------------------------------------------------


def test_sample_every_record_is_read(sample: dict[str, Work]) -> None:
    assert len(SAMPLE.read_text(encoding="utf-8").splitlines()) == 49
    assert len(sample) == 49
    assert {work.source for work in sample.values()} == {"arxiv"}


def test_sample_totals(sample: dict[str, Work]) -> None:
    works = list(sample.values())
    assert sum(len(work.authors) for work in works) == 198
    assert sum(len(work.categories) for work in works) == 93
    assert sorted(id.value for work in works for id in work.ids if id.scheme == "doi") == [
        "10.1088/1674-1137/ac600c",
        "10.18452/25593",
    ]
    assert all(work.published_precision == "day" and work.authors_complete for work in works)


def test_sample_named_record_with_accented_authors(sample: dict[str, Work]) -> None:
    work = sample["2212.11862"]
    assert work.ids == (PaperId("arxiv", "2212.11862"),)
    assert work.title == "Reduce-and-chop: Shallow circuits for deeper problems"
    assert work.authors == (
        Byline("Adrián Pérez-Salinas", 1),
        Byline("Radoica Draškić", 2),
        Byline("Jordi Tura", 3),
        Byline("Vedran Dunjko", 4),
    )
    assert (work.primary_category, work.categories) == ("quant-ph", ("quant-ph",))
    assert (work.published_on, work.published_precision) == (dt.date(2022, 12, 22), "day")
    assert work.abstract is not None
    assert work.abstract.startswith("The coherence times of state-of-the art quantum computers significantly restricts")
    assert work.code_url is None


def test_sample_named_record_with_ten_authors(sample: dict[str, Work]) -> None:
    work = sample["2212.11895"]
    assert (
        work.title
        == "Excitonic Absorption Signatures of Twisted Bilayer WSe$_{2}$ by Electron Energy-Loss Spectroscopy"
    )
    assert names(work) == [
        "Steffi Y. Woo",
        "Alberto Zobelli",
        "Robert Schneider",
        "Ashish Arora",
        "Johann A. Preuß",
        "Benjamin J. Carey",
        "Steffen Michaelis de Vasconcellos",
        "Maurizia Palummo",
        "Rudolf Bratschitsch",
        "Luiz H. G. Tizei",
    ]
    assert [byline.position for byline in work.authors] == list(range(1, 11))
    assert work.categories == ("cond-mat.mes-hall", "cond-mat.mtrl-sci")
    assert work.primary_category == "cond-mat.mes-hall"


def test_sample_doi_is_a_second_id(sample: dict[str, Work]) -> None:
    assert sample["2212.11861"].ids == (PaperId("arxiv", "2212.11861"), PaperId("doi", "10.1088/1674-1137/ac600c"))


def test_sample_title_wrapping_is_collapsed(sample: dict[str, Work]) -> None:
    # "...random polynomials with\n  independent roots" in the record
    title = "Zeros of a growing number of derivatives of random polynomials with independent roots"
    assert sample["2212.11867"].title == title


def test_sample_title_keeps_its_math(sample: dict[str, Work]) -> None:
    title = r"Spin wave dispersion of ultra-low damping hematite ($\alpha\text{-Fe}_2\text{O}_3$) at GHz frequencies"
    assert sample["2212.11887"].title == title


def test_sample_published_is_the_first_versions_day(sample: dict[str, Work]) -> None:
    # v1 on 22 Dec 2022, v2 on 23 Dec, update_date 2022-12-26
    assert sample["2212.11887"].published_on == dt.date(2022, 12, 22)


def test_sample_published_is_not_the_update_date(sample: dict[str, Work]) -> None:
    # submitted on 24 Nov 2022, announced with the batch updated on 2022-12-23
    assert sample["2212.11783"].published_on == dt.date(2022, 11, 24)


def test_sample_abstract_paragraphs(sample: dict[str, Work]) -> None:
    abstract = sample["2212.11850"].abstract
    assert abstract is not None
    paragraphs = abstract.split("\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Covert channels are unforeseen and stealthy communication channels that enable")
    assert paragraphs[1].startswith("In this paper, we present DYST (Did You See That?), which represents a new class")
    assert paragraphs[2].endswith("potential countermeasures against DYST.")


def test_sample_abstract_accents_outside_math_only(sample: dict[str, Work]) -> None:
    abstract = sample["2212.11887"].abstract
    assert abstract is not None
    assert r"up to $k\approx 24~{\rm rad}/\mu$m" in abstract
    assert "only about 1 Å. In a small" in abstract
    assert "moiré supercells" in (sample["2212.11895"].abstract or "")


def test_sample_name_split_wrongly_by_the_source_still_reads_whole(sample: dict[str, Work]) -> None:
    # authors_parsed has ["Gouellec", "Valentin J. M. Le", ""]: first + last gives the name back
    assert names(sample["2212.11899"])[0] == "Valentin J. M. Le Gouellec"


def test_sample_code_link_from_the_comments(sample: dict[str, Work]) -> None:
    assert sample["2212.11839"].code_url == "https://github.com/SumitBanikGit/MBConicHulls"


# --- quirks of the format -----------------------------------------------------------------------------


def test_old_style_id() -> None:
    assert read_arxiv(record(id="hep-th/9901001")).ids == (PaperId("arxiv", "hep-th/9901001"),)


def test_old_style_id_with_subject_class() -> None:
    assert read_arxiv(record(id="math.GT/0309136v1")).ids == (PaperId("arxiv", "math/0309136"),)


def test_id_version_is_dropped() -> None:
    assert read_arxiv(record(id="0704.0001v2")).ids == (PaperId("arxiv", "0704.0001"),)


def test_several_dois_separated_by_spaces() -> None:
    work = read_arxiv(record(doi="10.1103/PhysRevD.76.013009  10.1103/PhysRevD.77.019903\n"))
    assert work.ids[1:] == (PaperId("doi", "10.1103/physrevd.76.013009"), PaperId("doi", "10.1103/physrevd.77.019903"))


def test_repeated_doi_is_one_id() -> None:
    assert len(read_arxiv(record(doi="10.1234/abc 10.1234/ABC")).ids) == 2


def test_abstract_leading_spaces_and_wrapping() -> None:
    work = read_arxiv(record(abstract="  We show that\nthe bound holds.\n"))
    assert work.abstract == "We show that the bound holds."


def test_whitespace_only_abstract_is_none() -> None:
    assert read_arxiv(record(abstract="  \n ")).abstract is None


def test_categories_first_is_primary_repeats_dropped() -> None:
    work = read_arxiv(record(categories="math.PR  math.CA math.PR"))
    assert (work.primary_category, work.categories) == ("math.PR", ("math.PR", "math.CA"))


def test_authors_parsed_suffix_and_affiliation() -> None:
    work = read_arxiv(record(authors_parsed=[["Callan", "Curtis G.", "Jr.", "Princeton University"]]))
    assert work.authors == (
        Byline(
            "Curtis G. Callan Jr.",
            1,
            institutions=(Institution("Princeton University"),),
            affiliation="Princeton University",
        ),
    )


def test_authors_parsed_latex_is_converted() -> None:
    work = read_arxiv(record(authors_parsed=[["Chru\\'sciel", "Piotr T.", ""], ["Preu{\\ss}", "Johann", ""]]))
    assert names(work) == ["Piotr T. Chruściel", "Johann Preuß"]


def test_authors_parsed_parts_converted_apart() -> None:
    # TeX eats the spaces after \\ss: joined first, "Strau\\ss Jr." would read "StraußJr."
    assert names(read_arxiv(record(authors_parsed=[["Strau\\ss", "Johann", "Jr."]]))) == ["Johann Strauß Jr."]


def test_authors_parsed_empty_entry_is_skipped() -> None:
    work = read_arxiv(record(authors_parsed=[["Lovelace", "Ada", ""], ["", "", ""], ["Babbage", "Charles", ""]]))
    assert work.authors == (Byline("Ada Lovelace", 1), Byline("Charles Babbage", 2))


def test_authors_string_when_authors_parsed_is_absent() -> None:
    written = "Adri\\'an P\\'erez-Salinas, Radoica Dra\\v{s}ki\\'c,\n  Jordi Tura and Vedran Dunjko"
    work = read_arxiv(record(authors_parsed=..., authors=written))
    assert names(work) == ["Adrián Pérez-Salinas", "Radoica Draškić", "Jordi Tura", "Vedran Dunjko"]
    assert [byline.position for byline in work.authors] == [1, 2, 3, 4]
    assert work.authors_complete


def test_authors_string_affiliations_and_suffix() -> None:
    written = "A. Smith (1), B. Jones, Jr. (2) ((1) MIT, (2) CERN)"
    assert names(read_arxiv(record(authors_parsed=None, authors=written))) == ["A. Smith", "B. Jones Jr."]


def test_authors_string_et_al_is_incomplete() -> None:
    work = read_arxiv(record(authors_parsed=None, authors="G. Aad, B. Abbott et al."))
    assert names(work) == ["G. Aad", "B. Abbott"]
    assert not work.authors_complete


def test_authors_string_comma_et_al() -> None:
    work = read_arxiv(record(authors_parsed=None, authors="The ATLAS Collaboration, G. Aad, et al"))
    assert (names(work), work.authors_complete) == (["The ATLAS Collaboration", "G. Aad"], False)


def test_no_authors_at_all() -> None:
    work = read_arxiv(record(authors_parsed=..., authors=...))
    assert (work.authors, work.authors_complete) == ((), False)


def test_published_is_the_earliest_version_whatever_the_order() -> None:
    versions = [
        {"version": "v2", "created": "Tue, 5 Mar 2024 09:00:00 GMT"},
        {"version": "v1", "created": "Fri, 2 Feb 2024 09:00:00 GMT"},
    ]
    assert read_arxiv(record(versions=versions)).published_on == dt.date(2024, 2, 2)


def test_published_day_is_taken_in_utc() -> None:
    versions = [{"version": "v1", "created": "Mon, 1 Jan 2024 23:30:00 -0500"}]
    assert read_arxiv(record(versions=versions)).published_on == dt.date(2024, 1, 2)


def test_published_falls_back_to_update_date() -> None:
    work = read_arxiv(record(versions=[], update_date="2024-01-03"))
    assert (work.published_on, work.published_precision) == (dt.date(2024, 1, 3), "day")


def test_no_date_at_all() -> None:
    work = read_arxiv(record(versions=..., update_date=...))
    assert (work.published_on, work.published_precision) == (None, None)


def test_journal_ref_is_ignored() -> None:
    assert read_arxiv(record(**{"journal-ref": "Phys. Rev. D 76 (2007)"})) == read_arxiv(record())


def test_code_link_from_the_abstract() -> None:
    abstract = "  Code is at https://github.com/apple/ml-gbc/tree/main.\n"
    assert read_arxiv(record(abstract=abstract)).code_url == "https://github.com/apple/ml-gbc"


def test_code_link_comments_before_abstract() -> None:
    work = read_arxiv(record(comments="code: https://gitlab.com/a/b.git", abstract="  see https://github.com/c/d"))
    assert work.code_url == "https://gitlab.com/a/b"


# --- TeX accents --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("Chru\\'sciel", "Chruściel"),
        ("moir\\'{e}", "moiré"),
        ('{\\"u}ber', "über"),
        ('Eyy\\"ub', "Eyyüb"),
        ("\\c{c}a \\c c", "ça ç"),
        ("Dra\\v{s}ki\\'c", "Draškić"),
        ("Erd\\H{o}s", "Erdős"),
        ("\\`a \\^o \\~n \\=a \\.z \\u{g} \\k{a} \\r{a} \\d{s} \\b{k}", "à ô ñ ā ż ğ ą å ṣ ḵ"),
        ("\\'\\i \\\"{\\i}", "í ï"),
        ("Preu{\\ss}", "Preuß"),
        ("Przemys{\\l}aw {\\L}", "Przemysław Ł"),
        ("Bj\\o rn, {\\O} \\ae{} {\\AE}, \\oe, \\aa, \\AA", "Bjørn, Ø æ Æ, œ, å, Å"),
        ("Stra\\ss e \\ss\\ss", "Straße ßß"),  # TeX eats the spaces after a control word
        ('{{\\"u}}', "ü"),
        ("{B}ayesian", "Bayesian"),
        ("Q\\&A, 50\\%", "Q&A, 50%"),
    ],
)
def test_tex_accents(tex: str, text: str) -> None:
    assert tex_to_unicode(tex) == text


def test_tex_result_is_nfc() -> None:
    assert tex_to_unicode("\\'e") == "\u00e9"


def test_tex_unknown_commands_are_kept() -> None:
    assert tex_to_unicode("\\textit{all} and \\cite{x} and \\vec v") == "\\textit{all} and \\cite{x} and \\vec v"


def test_tex_accent_without_a_letter_is_kept() -> None:
    assert tex_to_unicode("\\'{} \\'1") == "\\'{} \\'1"


def test_tex_math_is_left_alone() -> None:
    assert tex_to_unicode("$\\hat{x}\\'e$ and $$\\\"u$$ and \\(\\'a\\) but \\'e") == (
        "$\\hat{x}\\'e$ and $$\\\"u$$ and \\(\\'a\\) but é"
    )


def test_tex_escaped_dollar_stays_escaped_and_opens_no_math() -> None:
    assert tex_to_unicode("costs \\$5 for caf\\'e") == "costs \\$5 for café"


def test_tex_plain_text_is_unchanged() -> None:
    assert tex_to_unicode("Ada Lovelace, O'Brien") == "Ada Lovelace, O'Brien"


# --- damage -------------------------------------------------------------------------------------------


def reason(obj: object) -> str:
    with pytest.raises(RecordError) as caught:
        read_arxiv(obj)
    return str(caught.value)


def test_damage_not_an_object() -> None:
    assert reason(["2401.01234"]).startswith("expected a JSON object (an arXiv metadata record), found a list")


def test_damage_id_missing() -> None:
    assert reason(record(id=...)) == "id: missing"


def test_damage_id_a_number() -> None:
    # what a spreadsheet makes of "0704.0001"
    assert reason(record(id=704.0001)).startswith("id: expected a string such as '2212.11867', found the number")


def test_damage_id_malformed() -> None:
    assert reason(record(id="2401.123")).startswith("id: 'arxiv:2401.123' is not an arXiv id")


def left_out(obj: object) -> str:
    """Why a record valid in the snapshot's terms is left out (IncompleteRecord, not RecordError)."""
    with pytest.raises(IncompleteRecord) as caught:
        read_arxiv(obj)
    assert caught.value.kind == UNTITLED_WORKS
    return caught.value.reason


def test_incomplete_title_missing() -> None:
    assert left_out(record(title=...)) == "title: missing"


def test_incomplete_title_empty() -> None:
    assert left_out(record(title=" \n ")) == "title: empty"


def test_incomplete_title_without_a_letter_or_digit() -> None:
    assert left_out(record(title="$$")) == "title: '$$' has no letter or digit"


def test_a_record_without_a_title_and_a_malformed_field_is_malformed() -> None:
    assert reason(record(title=..., doi=["10.1234/abc"])) == "doi: expected a string, found a list"


def test_damage_title_not_a_string() -> None:
    assert reason(record(title=["A title"])) == "title: expected a string, found a list"


def test_damage_abstract_not_a_string() -> None:
    assert reason(record(abstract=42)) == "abstract: expected a string, found the number 42"


def test_damage_doi_malformed() -> None:
    assert reason(record(doi="10.1234/abc doi-typo")).startswith("doi: 'doi:doi-typo' is not a DOI")


def test_damage_doi_not_a_string() -> None:
    assert reason(record(doi=["10.1234/abc"])) == "doi: expected a string, found a list"


def test_damage_categories_not_a_string() -> None:
    assert reason(record(categories=["cs.LG"])).startswith("categories: expected a space-separated string")


def test_damage_category_malformed() -> None:
    assert reason(record(categories="cs.LG 12,cs")).startswith("categories: '12,cs' is not an arXiv category")


def test_damage_authors_parsed_not_a_list() -> None:
    assert reason(record(authors_parsed="Lovelace, Ada")).startswith("authors_parsed: expected a list")


def test_damage_authors_parsed_entry_not_a_list() -> None:
    assert reason(record(authors_parsed=[["Lovelace", "Ada", ""], "Babbage"])).startswith("authors_parsed[1]: ")


def test_damage_authors_parsed_entry_not_strings() -> None:
    assert reason(record(authors_parsed=[["Lovelace", None, ""]])).startswith("authors_parsed[0]: expected strings")


def test_damage_authors_not_a_string() -> None:
    assert reason(record(authors_parsed=..., authors=["Ada"])) == "authors: expected a string, found a list"


def test_damage_versions_not_a_list() -> None:
    assert reason(record(versions="v1")).startswith("versions: expected a list")


def test_damage_version_not_an_object() -> None:
    assert reason(record(versions=["Mon, 1 Jan 2024"])).startswith("versions[0]: expected an object")


def test_damage_version_date_missing() -> None:
    assert reason(record(versions=[{"version": "v1"}])) == "versions[0].created: expected a date string, found null"


def test_damage_version_date_unparseable() -> None:
    bad = [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}, {"version": "v2", "created": "yesterday"}]
    assert reason(record(versions=bad)).startswith("versions[1].created: 'yesterday' is not an RFC 2822 date")


def test_damage_update_date_unparseable() -> None:
    assert reason(record(versions=..., update_date="23/12/2022")).startswith("update_date: '23/12/2022' is not a date")
