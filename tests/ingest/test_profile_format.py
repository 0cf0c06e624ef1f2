"""The profile-page parser: the bundled seed read exactly, and every kind of damage named by line."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from api.errors import InputFormatError
from api.ingest.profile_format import Profile, ProfilePaper, ReportedFigures, arxiv_category, parse_profile

SEED = Path(__file__).resolve().parents[2] / "seeds" / "profile-louis-bethune.txt"
SNAPSHOT = date(2026, 11, 27)
OWNER = "Louis Béthune"

FIRST_ABSTRACT = (
    "Humans describe complex scenes with compositionality, using simple text descriptions "
    "enriched with links and relationships. While vision-language research has aimed to develop "
    "models with compositional understanding capabilities, this is not reflected yet in existing "
    "datasets which, for the most part, still use plain text to describe images. In this work, we "
    "propose a new annotation strategy, graph-based captioning (GBC) that describes an image "
    "using a labeled graph structure, with nodes of various types. The nodes in GBC are created "
    "through a two-stage process: first, identifying and describing entity nodes; second, linking "
    "these nodes by highlighting \\textit{compositions} and \\textit{relations} among them. Since "
    "\\textit{all} GBC nodes hold plain text descriptions, GBC retains the flexibility found in "
    "natural language, but can also encode hierarchical information in its edges. We demonstrate "
    "that GBC can be produced automatically, using off-the-shelf multimodal LLMs and object "
    "detection models, by building a new dataset GBC10M that gathers GBC annotations for about "
    "10M images of the CC12M dataset. Through CLIP training on GBC10M, we show that leveraging "
    "GBC nodes' annotations -- particularly those in composition and relation nodes -- "
    "significantly boosts the model's performance across various benchmarks compared to when "
    "other annotations are used. To further explore the opportunities provided by GBC, we also "
    "investigate the use of GBC as middleware for text-to-image generation, and show the extra "
    "benefits of incorporating the graph structure in this task. Our code and datasets are "
    "released at https://github.com/apple/ml-gbc and https://huggingface.co/graph-based-captions."
)
LAST_ABSTRACT = (
    "We propose a novel algorithm for unsupervised graph representation learning with attributed "
    "graphs. It combines three advantages addressing some current limitations of the literature: "
    "i) The model is inductive: it can embed new graphs without re-training in the presence of "
    "new data; ii) The method takes into account both micro-structures and macro-structures by "
    "looking at the attributed graphs at different scales; iii) The model is end-to-end "
    "differentiable: it is a building block that can be plugged into deep learning pipelines and "
    "allows for back-propagation. We show that combining a coarsening method having strong "
    "theoretical guarantees with mutual information maximization suffices to produce high quality "
    "embeddings. We evaluate them on classification tasks with common benchmarks of the "
    "literature. We show that our algorithm is competitive with state of the art among "
    "unsupervised graph representation learning methods."
)

# A small valid page; the damage tests break one thing in it. Line numbers are noted on the right.
VALID = """Ada Lovelace
LG
h-index3
2papers
Novelty50%

2 Papers

LGJul 9, 2024Code
Notes on the Analytical Engine

Ada Lovelace, Charles Babbage et al. · uw

An abstract with $x^2$ -- and \\LaTeX.

CVFeb 12
Second title

Charles Babbage

Second abstract."""
# 1 name, 2 category, 3-5 metrics, 7 count, 9 first header, 10 title, 12 byline, 14 abstract,
# 16 second header, 17 title, 19 byline, 21 abstract


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> Profile:
    return parse_profile(seed_text, as_of=SNAPSHOT, path=str(SEED))


def by_title(profile: Profile, prefix: str) -> ProfilePaper:
    (paper,) = [p for p in profile.papers if p.title.startswith(prefix)]
    return paper


def error(text: str, *, as_of: date = SNAPSHOT) -> InputFormatError:
    with pytest.raises(InputFormatError) as caught:
        parse_profile(text, as_of=as_of, path="page.txt")
    assert str(caught.value).startswith(f"page.txt:{caught.value.line}: ")
    return caught.value


# The seed


def test_seed_header(seed: Profile) -> None:
    assert seed.name == OWNER
    assert seed.primary_category == "cs.LG"
    assert seed.reported == ReportedFigures(34, 18, 220, Decimal("0.59"), Decimal("59"))
    assert seed.declared_paper_count == 18
    assert len(seed.papers) == 18


def test_seed_categories_and_code_badges(seed: Profile) -> None:
    counts = Counter(p.primary_category for p in seed.papers)
    assert counts == Counter({"cs.LG": 10, "stat.ML": 3, "cs.CV": 2, "cs.CL": 2, "cs.AI": 1})
    assert sorted(p.title[:9] for p in seed.papers if p.has_code) == ["Graph-Bas", "TaCo: Tar"]


def test_seed_dates(seed: Profile) -> None:
    first = seed.papers[0]
    assert (first.line, first.published_on, first.year_inferred) == (12, date(2024, 7, 9), False)
    inferred = {p.published_on for p in seed.papers if p.year_inferred}
    assert inferred == {date(2026, 2, 12), date(2026, 5, 13), date(2026, 5, 8)}
    assert by_title(seed, "LaCy").published_on == date(2026, 2, 12)
    assert by_title(seed, "Mix, Don't Tune").published_on == date(2026, 5, 13)
    assert by_title(seed, "Scaling Categorical").published_on == date(2026, 5, 8)


def test_seed_year_less_dates_never_lie_after_the_snapshot(seed_text: str) -> None:
    early = parse_profile(seed_text, as_of=date(2026, 3, 1))
    assert by_title(early, "Mix, Don't Tune").published_on == date(2025, 5, 13)
    assert by_title(early, "Scaling Categorical").published_on == date(2025, 5, 8)
    assert by_title(early, "LaCy").published_on == date(2026, 2, 12)


def test_seed_bylines(seed: Profile) -> None:
    hidden = {p.title[:20] for p in seed.papers if OWNER not in p.byline and p.byline_truncated}
    assert hidden == {
        "Graph-Based Captioni",
        "On the explainable p",
        "Scaling Categorical ",
        "Multimodal Autoregre",
    }
    assert all(OWNER in p.byline for p in seed.papers if not p.byline_truncated)
    assert all(1 <= len(p.byline) <= 3 for p in seed.papers)
    assert by_title(seed, "Graph-Based").byline == ("Yu-Guan Hsieh", "Cheng-Yu Hsieh", "Shih-Ying Yeh")
    tags = {p.title[:9]: p.affiliation_tag for p in seed.papers if p.affiliation_tag}
    assert tags == {"Graph-Bas": "uw", "On the ex": "harvard"}
    assert by_title(seed, "Gaussian Processes").byline[2] == "Alberto Gonzalez-Sanz"
    assert by_title(seed, "GAN Estimation").byline[0] == "Alberto González-Sanz"
    assert all(unicodedata.is_normalized("NFC", name) for p in seed.papers for name in p.byline)


def test_seed_first_and_last_paper_exact(seed: Profile) -> None:
    first, last = seed.papers[0], seed.papers[-1]
    assert first.title == ("Graph-Based Captioning: Enhancing Visual Descriptions by Interconnecting Region Captions")
    assert first.abstract == FIRST_ABSTRACT
    assert last.title == "Hierarchical and Unsupervised Graph Representation Learning with Loukas's Coarsening"
    assert last.abstract == LAST_ABSTRACT
    assert (last.line, last.byline_truncated, last.affiliation_tag) == (131, True, None)


def test_seed_abstracts_keep_latex_and_dashes(seed: Profile) -> None:
    assert "2--3$\\times$" in by_title(seed, "Mix, Don't Tune").abstract
    assert by_title(seed, "Deep Sturm--Liouville").title.startswith("Deep Sturm--Liouville:")


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: "\ufeff" + t + "\n",
        lambda t: t.replace("\n", " \t\n"),
    ],
    ids=["crlf", "bom-and-trailing-newline", "trailing-whitespace"],
)
def test_seed_encoding_variants_parse_identically(
    seed_text: str, seed: Profile, transform: Callable[[str], str]
) -> None:
    assert parse_profile(transform(seed_text), as_of=SNAPSHOT, path=str(SEED)) == seed


# The small page and its variants


def test_valid_page() -> None:
    page = parse_profile(VALID, as_of=SNAPSHOT)
    assert page.reported == ReportedFigures(3, 2, None, Decimal("0.5"), None)
    first, second = page.papers
    assert (first.line, first.has_code, first.affiliation_tag) == (9, True, "uw")
    assert first.byline == ("Ada Lovelace", "Charles Babbage")
    assert first.abstract == "An abstract with $x^2$ -- and \\LaTeX."
    assert (second.line, second.primary_category, second.byline, second.byline_truncated) == (
        16,
        "cs.CV",
        ("Charles Babbage",),
        False,
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("34h-index", ReportedFigures(34, None, None, None, None)),
        ("H-Index 34", ReportedFigures(34, None, None, None, None)),
        ("Papers18", ReportedFigures(None, 18, None, None, None)),
        ("1,234citations", ReportedFigures(None, None, 1234, None, None)),
        ("59%novelty", ReportedFigures(None, None, None, Decimal("0.59"), None)),
        ("59.5AI Score", ReportedFigures(None, None, None, None, Decimal("59.5"))),
    ],
)
def test_metric_lines_in_either_order(line: str, expected: ReportedFigures) -> None:
    text = f"Ada Lovelace\nLG\n\n{line}\n\n0 Papers"
    assert parse_profile(text, as_of=SNAPSHOT).reported == expected


def test_names_are_nfc_and_abstract_blank_lines_are_kept() -> None:
    decomposed = unicodedata.normalize("NFD", "Louis Béthune")
    text = VALID.replace("Charles Babbage\n", f"{decomposed}\n").replace("Second abstract.", "Para one.\n\nPara two.\n")
    second = parse_profile(text, as_of=SNAPSHOT).papers[1]
    assert second.byline == (OWNER,)
    assert second.abstract == "Para one.\n\nPara two."


def test_arxiv_category() -> None:
    assert [arxiv_category(c) for c in ("LG", "ML", "CV", "AI", "CL", "SY")] == [
        "cs.LG",
        "stat.ML",
        "cs.CV",
        "cs.AI",
        "cs.CL",
        "cs.SY",
    ]
    assert arxiv_category("XX") is None
    assert arxiv_category("lg") is None


# Damage: each names its line and the problem


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("i10-index5", "unknown metric line 'i10-index5'"),
        ("h-index3x", "garbled number '3x' for h_index in 'h-index3x'"),
    ],
)
def test_bad_metric_line(bad: str, reason: str) -> None:
    err = error(VALID.replace("h-index3", bad))
    assert (err.line, err.reason) == (3, reason)


def test_duplicate_metric() -> None:
    err = error(VALID.replace("2papers", "h-index4"))
    assert err.line == 4
    assert "h_index given twice (first on line 3)" in err.reason


def test_unknown_category_code() -> None:
    err = error(VALID.replace("CVFeb 12", "XYFeb 12"))
    assert (err.line, err.reason) == (16, "unknown arXiv category code 'XY'")
    err = error(VALID.replace("\nLG\n", "\nZZ\n"))
    assert (err.line, err.reason) == (2, "unknown arXiv category code 'ZZ'")


@pytest.mark.parametrize(("header", "shown"), [("CVFeb 30", "Feb 30"), ("CVFeb 29, 2023", "Feb 29, 2023")])
def test_invalid_date(header: str, shown: str) -> None:
    err = error(VALID.replace("CVFeb 12", header))
    assert err.line == 16
    assert f"invalid date '{shown}'" in err.reason


def test_dates_after_the_snapshot_are_refused() -> None:
    err = error(VALID, as_of=date(2024, 7, 8))
    assert err.line == 9
    assert "'Jul 9, 2024' is implausible for a page captured 2024-07-08" in err.reason


def test_year_less_feb_29_needs_a_leap_year_within_the_past_year() -> None:
    text = VALID.replace("CVFeb 12", "CVFeb 29")
    assert parse_profile(text, as_of=date(2025, 1, 1)).papers[1].published_on == date(2024, 2, 29)
    err = error(text, as_of=date(2026, 11, 27))
    assert err.line == 16
    assert "no Feb 29 within the year before" in err.reason


def test_missing_title() -> None:
    err = error(VALID.replace("Second title\n", ""))
    assert err.line == 17
    assert "missing title" in err.reason


def test_wrapped_title() -> None:
    err = error(VALID.replace("Second title\n", "Second title\nwrapped on two lines\n"))
    assert err.line == 18
    assert "expected a blank line after the title" in err.reason


def test_missing_byline() -> None:
    text = VALID.replace(
        "Charles Babbage\n\nSecond abstract.", "We describe the engine, which computes Bernoulli numbers."
    )
    err = error(text)
    assert err.line == 19
    assert "expected the byline" in err.reason
    err = error(VALID.replace("\nCharles Babbage\n\nSecond abstract.", ""))
    assert err.line == 18
    assert "missing byline" in err.reason


def test_missing_abstract() -> None:
    err = error(VALID.replace("\n\nSecond abstract.", ""))
    assert err.line == 19
    assert "missing abstract" in err.reason


def test_byline_with_more_than_three_names() -> None:
    four = "Ada Lovelace, Charles Babbage, Mary Somerville, Augustus De Morgan et al. · uw"
    err = error(VALID.replace("Ada Lovelace, Charles Babbage et al. · uw", four))
    assert (err.line, err.reason) == (12, "byline lists 4 names; the format shows at most three")


def test_empty_author_name() -> None:
    err = error(VALID.replace("Ada Lovelace, Charles Babbage et al.", "Ada Lovelace, , Charles Babbage"))
    assert (err.line, err.reason) == (12, "empty author name in byline")


def test_count_mismatch() -> None:
    err = error(VALID.replace("2 Papers", "3 Papers"))
    assert (err.line, err.reason) == (7, "the page declares 3 papers but 2 paper blocks follow")


def test_malformed_paper_header_is_not_swallowed_by_an_abstract() -> None:
    err = error(VALID.replace("CVFeb 12", "CVSept 12"))
    assert err.line == 16
    assert "malformed paper header 'CVSept 12'" in err.reason


def test_missing_count_line() -> None:
    err = error(VALID.replace("2 Papers\n", ""))
    assert err.line == 8  # the first paper header, which came too early
    assert "missing the 'N Papers' line" in err.reason


def test_text_between_count_and_first_paper() -> None:
    err = error(VALID.replace("2 Papers\n", "2 Papers\nstray words\n"))
    assert err.line == 8
    assert "expected a paper header" in err.reason


@pytest.mark.parametrize("text", ["", "  \n\t\n", "\ufeff"])
def test_empty_file(text: str) -> None:
    err = error(text)
    assert err.line == 1
    assert "empty file" in err.reason


def test_json_input() -> None:
    err = error('\n{"name": "Louis Béthune", "papers": []}\n')
    assert err.line == 2
    assert "looks like JSON" in err.reason


def test_binary_input() -> None:
    err = error("Ada Lovelace\nLG\x00\n")
    assert err.line == 2
    assert "NUL" in err.reason


def test_crlf_page_parses_identically() -> None:
    assert parse_profile(VALID.replace("\n", "\r\n"), as_of=SNAPSHOT) == parse_profile(VALID, as_of=SNAPSHOT)
