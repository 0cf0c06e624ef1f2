"""Ids: global ids round-trip; external ids are parsed, validated and normalised the way they are stored."""

from __future__ import annotations

import base64

import pytest

from api.errors import InvalidInputError
from api.ids import (
    MAX_ID_LENGTH,
    ExternalId,
    decode_id,
    decode_id_of,
    encode_id,
    external_id_candidates,
    is_external,
    normalise_external_id,
    orcid_check_digit,
    parse_external_id,
    parse_id_of,
)


def paper(text: str) -> str:
    return str(parse_external_id(text, "Paper"))


def author(text: str) -> str:
    return str(parse_external_id(text, "Author"))


def refused(text: str, kind: str = "Paper") -> str:
    with pytest.raises(InvalidInputError) as caught:
        parse_external_id(text, kind)  # type: ignore[arg-type]
    return str(caught.value)


# Global ids ----------------------------------------------------------------------------------------------


def test_a_global_id_round_trips() -> None:
    assert decode_id(encode_id("Paper", 42)) == ("Paper", 42)


def test_a_global_id_is_unpadded_base64url_of_type_and_number() -> None:
    assert encode_id("Author", 1) == "QXV0aG9yOjE"


def test_a_global_id_of_another_type_is_refused_naming_both_types() -> None:
    with pytest.raises(InvalidInputError, match="is the id of a paper, not of an author"):
        decode_id_of("Author", encode_id("Paper", 1))


def test_an_overlong_global_id_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidInputError, match="not an id issued by this service"):
        decode_id("Q" * (MAX_ID_LENGTH + 1))


def _forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_global_id_of_bigints_largest_number_is_well_formed() -> None:
    assert decode_id(encode_id("Author", 2**63 - 1)) == ("Author", 2**63 - 1)


@pytest.mark.parametrize("number", [str(2**63), "99999999999999999999", "0", "-1", "+1", "007", " 1", "1e3"])
def test_a_global_id_of_a_number_no_row_can_have_is_refused_naming_it(number: str) -> None:
    # Beyond bigint (every row id's type) no row can exist: such an id was never issued, like any other
    # text we did not write, rather than an id that happens to name nothing.
    forged = _forged(f"Author:{number}")
    with pytest.raises(InvalidInputError, match=f"^{forged!r} is not an id issued by this service$"):
        decode_id(forged)


def test_an_openalex_id_of_more_digits_than_openalex_has_is_refused_saying_so() -> None:
    assert "at most 15 digits" in refused("openalex:A99999999999999999999", "Author")


def test_a_semantic_scholar_number_of_more_digits_than_it_has_is_refused_saying_so() -> None:
    assert "at most 18 digits" in refused("s2:99999999999999999999999", "Author")


def test_decode_id_of_refuses_an_external_id_for_institutions() -> None:
    with pytest.raises(InvalidInputError, match="institutions have no external ids"):
        decode_id_of("Institution", "ror:04fa4r544")


# Telling global and external ids apart -------------------------------------------------------------------


def test_a_global_id_is_not_external() -> None:
    assert not is_external(encode_id("Institution", 7))


def test_scheme_value_is_external() -> None:
    assert is_external("orcid:0000-0002-1825-0097")


def test_a_bare_doi_is_external() -> None:
    assert is_external("10.1234/abc")


def test_a_url_is_external() -> None:
    assert is_external("https://doi.org/10.1234/abc")


# DOI -------------------------------------------------------------------------------------------------------


def test_a_doi_is_stored_in_lower_case() -> None:
    assert paper("doi:10.1093/MIND/LIX.236.433") == "doi:10.1093/mind/lix.236.433"


def test_the_scheme_is_case_insensitive() -> None:
    assert paper("DOI:10.1234/abc") == "doi:10.1234/abc"


def test_a_bare_doi_is_read_as_a_doi() -> None:
    assert paper("10.1234/ABC") == "doi:10.1234/abc"


def test_a_doi_url_is_read_as_a_doi() -> None:
    assert paper("https://doi.org/10.1234/abc") == "doi:10.1234/abc"


def test_a_dx_doi_url_over_http_is_read_as_a_doi() -> None:
    assert paper("http://dx.doi.org/10.1234/abc") == "doi:10.1234/abc"


def test_a_doi_url_is_percent_decoded() -> None:
    assert paper("https://doi.org/10.1002/%28SICI%291097-4636") == "doi:10.1002/(sici)1097-4636"


def test_surrounding_whitespace_is_ignored() -> None:
    assert paper("  doi:10.1234/abc \n") == "doi:10.1234/abc"


def test_a_doi_without_suffix_is_refused() -> None:
    assert "is not a DOI" in refused("doi:10.1234")


def test_a_doi_with_a_short_registrant_is_refused() -> None:
    assert "is not a DOI" in refused("doi:10.12/abc")


def test_a_doi_with_a_control_character_is_refused() -> None:
    assert "is not a DOI" in refused("doi:10.1234/a\x00b")


def test_a_doi_with_a_subdivided_registrant_is_accepted() -> None:
    assert paper("doi:10.1000.10/xyz") == "doi:10.1000.10/xyz"


def test_a_doi_url_is_percent_encoded_where_needed() -> None:
    assert ExternalId("Paper", "doi", "10.1002/<x>#1").url == "https://doi.org/10.1002/%3Cx%3E%231"


# arXiv -----------------------------------------------------------------------------------------------------


def test_an_arxiv_id_loses_its_version() -> None:
    assert paper("arxiv:2401.01234v3") == "arxiv:2401.01234"


def test_an_arxiv_id_is_accepted_without_version() -> None:
    assert paper("arXiv:2401.01234") == "arxiv:2401.01234"


def test_an_old_style_arxiv_id_is_accepted() -> None:
    assert paper("arxiv:math/0601001") == "arxiv:math/0601001"


def test_an_old_style_arxiv_id_loses_its_version() -> None:
    assert paper("arxiv:hep-th/9901001v2") == "arxiv:hep-th/9901001"


def test_an_old_style_arxiv_id_loses_its_subject_class() -> None:
    assert paper("arxiv:math.GT/0309136") == "arxiv:math/0309136"


def test_an_arxiv_abstract_url_is_read_as_an_arxiv_id() -> None:
    assert paper("https://arxiv.org/abs/2401.01234v2") == "arxiv:2401.01234"


def test_an_arxiv_pdf_url_is_read_as_an_arxiv_id() -> None:
    assert paper("https://arxiv.org/pdf/math/0601001v1.pdf") == "arxiv:math/0601001"


def test_an_arxiv_id_of_2014_has_four_digits() -> None:
    assert paper("arxiv:1412.1234") == "arxiv:1412.1234"


def test_a_five_digit_arxiv_number_before_2015_is_refused() -> None:
    assert "have four digits" in refused("arxiv:1412.12345")


def test_a_four_digit_arxiv_number_since_2015_is_refused() -> None:
    assert "have five digits" in refused("arxiv:2401.1234")


def test_an_arxiv_id_with_month_13_is_refused() -> None:
    assert "13 is not a month" in refused("arxiv:2413.01234")


def test_a_new_style_arxiv_id_before_april_2007_is_refused() -> None:
    assert "start in April 2007" in refused("arxiv:0612.0001")


def test_a_malformed_arxiv_id_is_refused() -> None:
    assert "is not an arXiv id" in refused("arxiv:not-an-id")


def test_an_arxiv_url_that_is_no_abstract_is_refused() -> None:
    assert "not an arXiv abstract or PDF URL" in refused("https://arxiv.org/list/cs.LG/recent")


# ORCID -----------------------------------------------------------------------------------------------------


def test_a_valid_orcid_is_accepted() -> None:
    assert author("orcid:0000-0002-1825-0097") == "orcid:0000-0002-1825-0097"


def test_an_orcid_without_hyphens_is_hyphenated() -> None:
    assert author("orcid:0000000218250097") == "orcid:0000-0002-1825-0097"


def test_an_orcid_check_x_is_upper_cased() -> None:
    assert author("orcid:0000-0002-1694-233x") == "orcid:0000-0002-1694-233X"


def test_an_orcid_url_is_read_as_an_orcid() -> None:
    assert author("https://orcid.org/0000-0002-1825-0097") == "orcid:0000-0002-1825-0097"


def test_an_orcid_http_url_as_crossref_writes_it_is_read_as_an_orcid() -> None:
    assert author("http://orcid.org/0000-0002-1694-233X") == "orcid:0000-0002-1694-233X"


def test_an_orcid_with_a_wrong_check_digit_is_refused_naming_the_right_one() -> None:
    assert "check digit should be 7" in refused("orcid:0000-0002-1825-0098", "Author")


def test_an_orcid_with_misplaced_hyphens_is_refused() -> None:
    assert "is not an ORCID iD" in refused("orcid:0000-00021825-0097", "Author")


def test_an_orcid_of_the_wrong_length_is_refused() -> None:
    assert "is not an ORCID iD" in refused("orcid:0000-0002-1825-009", "Author")


def test_the_orcid_check_digit_follows_iso_7064_mod_11_2() -> None:
    assert (orcid_check_digit("000000021825009"), orcid_check_digit("000000021694233")) == ("7", "X")


# OpenAlex --------------------------------------------------------------------------------------------------


def test_an_openalex_work_id_names_a_paper_with_an_upper_case_letter() -> None:
    assert paper("openalex:w2741809807") == "openalex:W2741809807"


def test_an_openalex_author_id_names_an_author() -> None:
    assert author("openalex:A5023888391") == "openalex:A5023888391"


def test_an_openalex_url_is_read_as_an_openalex_id() -> None:
    assert paper("https://openalex.org/W2741809807") == "openalex:W2741809807"


def test_an_openalex_api_url_is_read_as_an_openalex_id() -> None:
    assert author("https://api.openalex.org/authors/A5023888391") == "openalex:A5023888391"


def test_an_openalex_author_id_is_refused_as_a_paper() -> None:
    assert "OpenAlex id of an author, not of a paper" in refused("openalex:A5023888391")


def test_an_openalex_institution_id_is_refused() -> None:
    assert "is not an OpenAlex id" in refused("openalex:I136199984")


# Semantic Scholar ------------------------------------------------------------------------------------------


def test_a_semantic_scholar_paper_sha_is_stored_in_lower_case() -> None:
    sha = "2D5673CAA9E6AF3A7B82A43F19EE920992DB07AD"
    assert paper(f"s2:{sha}") == f"s2:{sha.lower()}"


def test_a_semantic_scholar_corpus_id_names_a_paper() -> None:
    assert paper("s2:14636783") == "s2:14636783"


def test_a_semantic_scholar_corpus_id_may_carry_its_prefix() -> None:
    assert paper("s2:CorpusId:14636783") == "s2:14636783"


def test_a_semantic_scholar_author_id_is_a_number() -> None:
    assert author("s2:2262347") == "s2:2262347"


def test_a_semantic_scholar_author_url_is_read_as_an_author_id() -> None:
    assert author("https://www.semanticscholar.org/author/A.-Turing/2262347") == "s2:2262347"


def test_a_semantic_scholar_paper_url_is_read_as_a_paper_id() -> None:
    url = "https://www.semanticscholar.org/paper/Computing/2d5673caa9e6af3a7b82a43f19ee920992db07ad"
    assert paper(url) == "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad"


def test_a_semantic_scholar_corpus_url_is_read_as_a_paper_id() -> None:
    assert paper("https://api.semanticscholar.org/CorpusID:14636783") == "s2:14636783"


def test_a_semantic_scholar_author_url_is_refused_as_a_paper() -> None:
    assert "s2 ids name authors" in refused("https://www.semanticscholar.org/author/2262347")


def test_a_paper_sha_is_refused_as_an_author() -> None:
    assert "Semantic Scholar id of an author" in refused("s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad", "Author")


def test_a_corpus_id_is_refused_as_an_author() -> None:
    assert "Semantic Scholar id of an author" in refused("s2:CorpusId:14636783", "Author")


def test_s2_digits_may_name_an_author_or_a_paper() -> None:
    assert external_id_candidates("s2:2262347") == (
        ExternalId("Author", "s2", "2262347"),
        ExternalId("Paper", "s2", "2262347"),
    )


def test_an_s2_sha_can_only_name_a_paper() -> None:
    assert [c.kind for c in external_id_candidates("s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad")] == ["Paper"]


# Schemes and kinds -----------------------------------------------------------------------------------------


def test_an_unknown_scheme_is_refused_listing_the_known_ones() -> None:
    assert "unknown id scheme 'isbn' (known: arxiv, doi, openalex, orcid, s2)" in refused("isbn:9780262033848")


def test_a_url_of_an_unknown_host_is_refused() -> None:
    assert "not a URL of a known identifier" in refused("https://example.org/10.1234/abc")


def test_a_paper_scheme_is_refused_for_an_author() -> None:
    assert "doi ids name papers" in refused("doi:10.1234/abc", "Author")


def test_an_author_scheme_is_refused_for_a_paper() -> None:
    assert "orcid ids name authors" in refused("orcid:0000-0002-1825-0097")


def test_an_empty_id_is_refused() -> None:
    assert "must not be empty" in refused("   ")


def test_an_overlong_external_id_is_refused() -> None:
    assert f"longer than {MAX_ID_LENGTH}" in refused("doi:10.1234/" + "a" * MAX_ID_LENGTH)


def test_error_messages_quote_the_id_cut_short() -> None:
    message = refused("doi:" + "x" * 300)
    assert message.startswith("'doi:xxx")
    assert len(message) < 200


def test_a_text_with_no_valid_reading_has_no_candidates() -> None:
    with pytest.raises(InvalidInputError, match="is not an ORCID iD"):
        external_id_candidates("orcid:nope")


# Canonical URLs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("external", "url"),
    [
        (ExternalId("Paper", "doi", "10.1234/abc"), "https://doi.org/10.1234/abc"),
        (ExternalId("Paper", "arxiv", "math/0601001"), "https://arxiv.org/abs/math/0601001"),
        (ExternalId("Author", "orcid", "0000-0002-1825-0097"), "https://orcid.org/0000-0002-1825-0097"),
        (ExternalId("Author", "openalex", "A5023888391"), "https://openalex.org/A5023888391"),
        (ExternalId("Paper", "s2", "2d5673caa9e6af3a7b82a43f19ee920992db07ad"),
         "https://www.semanticscholar.org/paper/2d5673caa9e6af3a7b82a43f19ee920992db07ad"),
        (ExternalId("Paper", "s2", "14636783"), "https://api.semanticscholar.org/CorpusID:14636783"),
        (ExternalId("Author", "s2", "2262347"), "https://www.semanticscholar.org/author/2262347"),
    ],
)  # fmt: skip
def test_each_scheme_has_its_canonical_resolver_url(external: ExternalId, url: str) -> None:
    assert external.url == url


def test_every_canonical_url_parses_back_to_its_id() -> None:
    ids = [
        ExternalId("Paper", "doi", "10.1002/(sici)1097-4636"),
        ExternalId("Paper", "arxiv", "2401.01234"),
        ExternalId("Author", "orcid", "0000-0002-1825-0097"),
        ExternalId("Paper", "openalex", "W2741809807"),
        ExternalId("Paper", "s2", "14636783"),
        ExternalId("Author", "s2", "2262347"),
    ]
    assert [parse_external_id(i.url, i.kind) for i in ids] == ids


# parse_id_of: what every look-up calls ---------------------------------------------------------------------


def test_parse_id_of_gives_the_row_of_a_global_id() -> None:
    assert parse_id_of("Author", encode_id("Author", 5)) == 5


def test_parse_id_of_gives_an_external_id_to_look_up() -> None:
    assert parse_id_of("Paper", "10.1234/ABC") == ExternalId("Paper", "doi", "10.1234/abc")


def test_parse_id_of_refuses_an_external_id_for_an_institution() -> None:
    with pytest.raises(InvalidInputError, match="institutions have no external ids"):
        parse_id_of("Institution", "openalex:I136199984")


def test_parse_id_of_refuses_a_malformed_global_id() -> None:
    with pytest.raises(InvalidInputError, match="not an id issued by this service"):
        parse_id_of("Author", "not-an-id")


# normalise_external_id: what writers call ------------------------------------------------------------------


def test_a_writer_may_give_a_bare_value() -> None:
    assert normalise_external_id("Paper", "doi", "10.1093/MIND/LIX.236.433") == ExternalId(
        "Paper", "doi", "10.1093/mind/lix.236.433"
    )


def test_a_writer_may_give_the_value_as_a_url() -> None:
    assert str(normalise_external_id("Author", "orcid", "http://orcid.org/0000-0002-0132-5785")) == (
        "orcid:0000-0002-0132-5785"
    )


def test_a_writer_may_give_a_prefixed_value() -> None:
    assert str(normalise_external_id("Paper", "arxiv", "arXiv:2401.01234v1")) == "arxiv:2401.01234"


def test_a_writer_may_give_a_corpus_id_with_its_prefix() -> None:
    assert str(normalise_external_id("Paper", "s2", "CorpusId:14636783")) == "s2:14636783"


def test_a_writer_scheme_is_case_insensitive() -> None:
    assert str(normalise_external_id("Paper", "DOI", "10.1234/abc")) == "doi:10.1234/abc"


def test_a_writer_value_of_another_scheme_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="is not a DOI"):
        normalise_external_id("Paper", "doi", "https://arxiv.org/abs/2401.01234")


@pytest.mark.parametrize(
    ("kind", "scheme", "value", "reason"),
    [
        (
            "Author",
            "orcid",
            "https://orcid.org/0000-0002-1825-0098",
            "'https://orcid.org/0000-0002-1825-0098' is not a valid ORCID iD: its check digit should be 7",
        ),
        (
            "Author",
            "orcid",
            "orcid:0000-0002-1825-0098",
            "'orcid:0000-0002-1825-0098' is not a valid ORCID iD: its check digit should be 7",
        ),
        (
            "Paper",
            "arxiv",
            "https://arxiv.org/abs/0812.00001",
            "'https://arxiv.org/abs/0812.00001' is not an arXiv id: numbers of 0812 have four digits",
        ),
        (
            "Paper",
            "arxiv",
            "https://arxiv.org/list/math",
            "'https://arxiv.org/list/math' is not an arXiv abstract or PDF URL (https://arxiv.org/abs/…)",
        ),
        (
            "Paper",
            "openalex",
            "https://openalex.org/A5023888391",
            "'https://openalex.org/A5023888391' is the OpenAlex id of an author, not of a paper",
        ),
    ],
)
def test_a_writer_value_written_with_its_scheme_is_refused_with_the_real_reason(
    kind: str, scheme: str, value: str, reason: str
) -> None:
    # Not "'orcid:https://orcid.org/…' is not an ORCID iD": the value is read as written, not as a bare value.
    with pytest.raises(InvalidInputError) as caught:
        normalise_external_id(kind, scheme, value)  # type: ignore[arg-type]
    assert str(caught.value) == reason


def test_a_writer_scheme_of_another_kind_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="not an id scheme of authors"):
        normalise_external_id("Author", "doi", "10.1234/abc")


def test_digits_of_other_scripts_are_refused() -> None:
    arabic_indic_zeros = "\u0660" * 4
    assert "is not an ORCID iD" in refused(f"orcid:{arabic_indic_zeros}-0002-1825-0097", "Author")


def test_a_malformed_url_is_refused_as_input_not_crashing() -> None:
    assert "is not a valid URL" in refused("https://[::1/10.1234/abc")
