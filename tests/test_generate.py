"""The synthetic OpenAlex generator (api/generate.py): determinism, what the reader makes of its records,
the shape of its distributions, references, constant memory and speed."""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

from api.generate import GENERATOR_VERSION, fold, generate_openalex_works, main, write_openalex_works
from api.ingest.model import Work
from api.ingest.openalex import read_openalex

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = 20_000
ROR = re.compile(r"https://ror\.org/0([0-9a-hjkmnp-tv-z]{6})(\d{2})")
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


# --- determinism ---------------------------------------------------------------------------------------


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = write_openalex_works(tmp_path / "a.jsonl.gz", 3_000, seed=7)
    second = write_openalex_works(tmp_path / "b.jsonl.gz", 3_000, seed=7)
    other = write_openalex_works(tmp_path / "c.jsonl.gz", 3_000, seed=8)
    a, b, c = ((tmp_path / name).read_bytes() for name in ("a.jsonl.gz", "b.jsonl.gz", "c.jsonl.gz"))
    assert a == b
    assert a != c
    assert (first.works, first.authorships, first.references) == (second.works, second.authorships, second.references)
    assert other.works == 3_000
    assert a[4:8] == b"\0\0\0\0", "the gzip header carries no time"
    assert not list(tmp_path.glob("*.partial"))


def test_other_processes_write_the_same_bytes(tmp_path: Path) -> None:
    """No dependence on the process: string hashing is salted per process (PYTHONHASHSEED)."""
    for salt in ("1", "2"):
        subprocess.run(
            [sys.executable, "-m", "api.generate", "openalex", "--papers", "1000", "--seed", "5", "--out",
             str(tmp_path / f"{salt}.jsonl.gz")],
            cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": salt}, check=True, capture_output=True,
        )  # fmt: skip
    written = write_openalex_works(tmp_path / "here.jsonl.gz", 1_000, seed=5)
    assert written.works == 1_000
    assert (tmp_path / "1.jsonl.gz").read_bytes() == (tmp_path / "2.jsonl.gz").read_bytes()
    assert (tmp_path / "1.jsonl.gz").read_bytes() == (tmp_path / "here.jsonl.gz").read_bytes()


def test_the_file_holds_the_generated_records_one_per_line(tmp_path: Path) -> None:
    path = tmp_path / "works.jsonl.gz"
    stats = write_openalex_works(path, 1_000, seed=3)
    with gzip.open(path, "rb") as lines:
        written = [orjson.loads(line) for line in lines]
    assert written == list(generate_openalex_works(1_000, seed=3))
    assert stats.works == 1_000
    assert stats.authorships == sum(len(work["authorships"]) for work in written)
    assert stats.references == sum(len(work["referenced_works"]) for work in written)
    plain = tmp_path / "works.jsonl"
    write_openalex_works(plain, 1_000, seed=3)
    assert plain.read_bytes() == gzip.decompress(path.read_bytes())


def test_an_interrupted_write_leaves_no_file(tmp_path: Path) -> None:
    def stop(stats: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_openalex_works(tmp_path / "works.jsonl.gz", 2_000, seed=1, on_progress=stop)
    assert list(tmp_path.iterdir()) == []


def test_no_papers_is_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "none.jsonl.gz"
    assert write_openalex_works(path, 0, seed=1).works == 0
    assert gzip.decompress(path.read_bytes()) == b""


def test_the_command_line_writes_a_file_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.jsonl.gz"
    assert main(["openalex", "--papers", "50", "--seed", "5", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["works"] == 50
    assert summary["generator_version"] == GENERATOR_VERSION
    assert summary["path"] == str(out)
    assert len(gzip.decompress(out.read_bytes()).splitlines()) == 50


# --- the reader accepts every record -------------------------------------------------------------------


def test_every_record_is_read_by_the_openalex_reader() -> None:
    for work in generate_openalex_works(2_000, seed=11):
        (record,) = read_openalex(work)
        assert isinstance(record, Work)
        schemes = Counter(paper_id.scheme for paper_id in record.ids)
        assert record.ids[0].value == work["id"].rsplit("/", 1)[1]
        assert schemes["doi"] == (work["doi"] is not None)
        on_arxiv = any("arxiv.org" in place["landing_page_url"] for place in work["locations"])
        assert schemes["arxiv"] == (on_arxiv or "10.48550" in (work["doi"] or ""))
        assert len(record.authors) == len(work["authorships"])
        assert record.authors_complete
        assert all(byline.ids for byline in record.authors)
        assert len(record.references) == len(work["referenced_works"])
        assert record.title == work["title"]
        assert (record.abstract is None) == (work["abstract_inverted_index"] is None)
        assert record.published_precision == ("day" if "publication_date" in work else "year")


# --- distributions -------------------------------------------------------------------------------------


@dataclass
class Sample:
    works: int = 0
    authors_per_work: list[int] = field(default_factory=list)
    works_of: Counter[str] = field(default_factory=Counter)
    names_of: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ids_of_orcid: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    orcids_of: defaultdict[str, set[str | None]] = field(default_factory=lambda: defaultdict(set))
    cited: Counter[str] = field(default_factory=Counter)
    references: int = 0
    forward_or_missing: int = 0
    repeated: int = 0
    years: Counter[int] = field(default_factory=Counter)
    year_only: int = 0
    dois: Counter[str] = field(default_factory=Counter)
    arxiv: Counter[str] = field(default_factory=Counter)
    ids: set[str] = field(default_factory=set)
    abstracts: int = 0
    institutions: dict[str, dict[str, object]] = field(default_factory=dict)
    titles: Counter[tuple[str, int]] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def sample() -> Sample:
    """One pass over SAMPLE generated works, tallied."""
    found = Sample()
    for work in generate_openalex_works(SAMPLE, seed=2024):
        found.works += 1
        found.authors_per_work.append(len(work["authorships"]))
        for authorship in work["authorships"]:
            author = authorship["author"]
            found.works_of[author["id"]] += 1
            found.names_of[author["id"]].add(author["display_name"])
            found.orcids_of[author["id"]].add(author["orcid"])
            if author["orcid"]:
                found.ids_of_orcid[author["orcid"]].add(author["id"])
            for place in authorship["institutions"]:
                found.institutions[place["id"]] = place
        for target in work["referenced_works"]:
            found.references += 1
            found.forward_or_missing += target not in found.ids
            found.cited[target] += 1
        found.repeated += len(work["referenced_works"]) - len(set(work["referenced_works"]))
        assert work["id"] not in found.ids
        found.ids.add(work["id"])
        found.years[work["publication_year"]] += 1
        found.year_only += "publication_date" not in work
        found.titles[(work["title"], work["publication_year"])] += 1
        if work["doi"]:
            found.dois[work["doi"].lower()] += 1
        for place in work["locations"]:
            if "arxiv.org/abs/" in place["landing_page_url"]:
                found.arxiv[re.sub(r"v\d+$", "", place["landing_page_url"].split("/abs/")[1])] += 1
        found.abstracts += work["abstract_inverted_index"] is not None
    return found


def test_authors_per_work_run_from_1_to_50_with_a_median_of_about_4(sample: Sample) -> None:
    sizes = sample.authors_per_work
    assert min(sizes) == 1
    assert max(sizes) <= 50
    assert 3 <= statistics.median(sizes) <= 5
    assert sum(size == 1 for size in sizes) > 0.03 * len(sizes)
    assert sum(size >= 20 for size in sizes) > 0.002 * len(sizes), "a tail of large collaborations"
    assert max(sizes) >= 40


def test_a_few_authors_are_prolific(sample: Sample) -> None:
    counts = sorted(sample.works_of.values(), reverse=True)
    median = statistics.median(counts)
    assert median <= 3
    assert counts[0] >= 100 * median, counts[:5]
    assert counts[0] >= 0.01 * sample.works
    assert sum(count >= 50 for count in counts) >= 10
    assert sum(count == 1 for count in counts) > 0.2 * len(counts), "many authors with a single work"


def test_citations_are_heavy_tailed(sample: Sample) -> None:
    in_degree = sorted((sample.cited.get(work_id, 0) for work_id in sample.ids), reverse=True)
    median = statistics.median(in_degree)
    top = in_degree[: len(in_degree) // 100]
    assert in_degree[0] >= 50 * max(median, 1), in_degree[:5]
    assert sum(top) >= 0.12 * sample.references, "the top 1% of works take a large share of citations"
    # a power-law-like tail: each tenfold step in citations keeps a sizeable share of the works above it
    above = [sum(degree >= threshold for degree in in_degree) for threshold in (10, 100, 1000)]
    assert above[0] > above[1] > above[2] > 0
    assert above[1] / above[0] > 0.02


def test_references_point_only_to_earlier_works(sample: Sample) -> None:
    assert sample.references > 10 * sample.works
    assert sample.forward_or_missing == 0
    assert sample.repeated == 0


def test_ids_dates_and_texts(sample: Sample) -> None:
    assert 0.62 <= sum(sample.dois.values()) / sample.works <= 0.8
    assert max(sample.dois.values()) == 1, "DOIs are unique"
    assert 0.05 <= sum(sample.arxiv.values()) / sample.works <= 0.3
    assert max(sample.arxiv.values()) == 1, "arXiv ids are unique"
    assert any("/" in arxiv for arxiv in sample.arxiv), "old-style ids before 2007"
    assert min(sample.years) == 1990
    assert max(sample.years) == 2026
    assert sample.years[2025] > 2 * sample.years[1991], "output grows over the years"
    assert 0.01 <= sample.year_only / sample.works <= 0.15
    assert 0.5 <= sample.abstracts / sample.works <= 0.75
    repeated_titles = [key for key, count in sample.titles.items() if count > 1]
    assert len(repeated_titles) <= 0.002 * sample.works, "only generic titles repeat"


def test_people_appear_under_variants_of_their_name_with_one_id(sample: Sample) -> None:
    regulars = [author for author, count in sample.works_of.items() if count >= 5]
    varied = [author for author in regulars if len(sample.names_of[author]) > 1]
    assert len(varied) > 0.5 * len(regulars)
    names = {name for found in sample.names_of.values() for name in found}
    assert sum(name != fold(name) for name in names) > 0.1 * len(names), "accents"
    assert any(unicodedata.normalize("NFC", name) != name for name in names), "decomposed accents"
    assert any(re.fullmatch(r"(\w\.[ -]?)+ .+", name) for name in names), "initials"
    pairs = [
        (a, b) for found in sample.names_of.values() for a in found for b in found if a != b and fold(a) == fold(b)
    ]
    assert pairs, "the same name with and without accents, under one author id"
    assert all(len(orcids) == 1 for orcids in sample.orcids_of.values()), "an author id has one ORCID or none"
    split = [ids for ids in sample.ids_of_orcid.values() if len(ids) > 1]
    assert split, "split profiles: two author ids sharing one ORCID"
    assert all(len(ids) == 2 for ids in split)


def test_institutions_have_ror_ids_and_countries(sample: Sample) -> None:
    assert len(sample.institutions) > 200
    for place in sample.institutions.values():
        assert isinstance(place["country_code"], str)
        assert re.fullmatch(r"[A-Z]{2}", place["country_code"])
        match = ROR.fullmatch(str(place["ror"]))
        assert match, place["ror"]
        number = 0
        for character in match[1]:
            number = number * 32 + CROCKFORD.index(character)
        assert int(match[2]) == 98 - (number * 100) % 97, "ISO 7064 mod 97-10 check digits"


# --- memory and speed ----------------------------------------------------------------------------------

_MEMORY_PROBE = """
import json, sys, psutil
from api.generate import generate_openalex_works
process = psutil.Process()
seen = {}
for index, work in enumerate(generate_openalex_works(200_000, seed=9)):
    if index + 1 in (50_000, 200_000):
        seen[index + 1] = {"rss": process.memory_info().rss, "blocks": sys.getallocatedblocks()}
print(json.dumps(seen))
"""


def test_memory_stays_constant_over_200k_records() -> None:
    """The generator's memory after 50k records and after 200k is the same (caches are full by 50k).

    Measured in a fresh process by RSS and by the interpreter's count of allocated blocks: tracemalloc
    slows this generator about fifteenfold (it hooks every allocation), too slow for 200k records.
    """
    probe = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE], capture_output=True, text=True, cwd=ROOT, check=True, timeout=900
    )
    seen = json.loads(probe.stdout)
    early, late = seen["50000"], seen["200000"]
    assert late["rss"] < 150 * 2**20
    assert late["rss"] - early["rss"] < 16 * 2**20
    assert late["blocks"] - early["blocks"] < 0.02 * early["blocks"]


def test_tracemalloc_peak_is_small() -> None:
    tracemalloc.start()
    try:
        for _ in generate_openalex_works(2_000, seed=4):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.1f} MB"


def test_generation_speed(tmp_path: Path) -> None:
    started = time.perf_counter()
    stats = write_openalex_works(tmp_path / "speed.jsonl.gz", 10_000, seed=6)
    rate = stats.works / (time.perf_counter() - started)
    print(f"\ngenerated and wrote {stats.works:,} works ({stats.authorships:,} authorships) at {rate:,.0f} works/s")
    assert rate > 500


# --- `scholargraph generate openalex` (api.cli) ---------------------------------------------------------


def cli_generate(*args: str) -> int:
    from api.cli import main as scholargraph

    return scholargraph(["generate", "openalex", *args])


def test_scholargraph_generate_writes_the_same_bytes_for_the_same_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second, other = (tmp_path / f"{name}.jsonl.gz" for name in ("first", "second", "other"))
    for out, seed in ((first, "7"), (second, "7"), (other, "8")):
        assert cli_generate("--papers", "300", "--seed", seed, "--out", str(out)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{first}: 300 works, ")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert first.read_bytes()[:2] == b"\x1f\x8b", "a .gz name is gzipped"
    assert first.read_bytes() == write_and_read(tmp_path / "api.jsonl.gz", 300, seed=7), "the same as the library"
    plain = tmp_path / "plain.jsonl"
    assert cli_generate("--papers", "300", "--seed", "7", "--out", str(plain)) == 0
    assert plain.read_bytes() == gzip.decompress(first.read_bytes()), "any other name is plain JSON lines"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "api.jsonl.gz", "first.jsonl.gz", "other.jsonl.gz", "plain.jsonl", "second.jsonl.gz",
    ], "no partial files are left"  # fmt: skip


def write_and_read(path: Path, papers: int, *, seed: int) -> bytes:
    write_openalex_works(path, papers, seed)
    return path.read_bytes()


def test_scholargraph_generate_to_standard_output_writes_plain_lines_and_the_summary_to_stderr(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert cli_generate("--papers", "120", "--seed", "2", "--out", "-", "--json") == 0
    captured = capsysbinary.readouterr()
    plain = tmp_path / "same.jsonl"
    write_openalex_works(plain, 120, seed=2)
    assert captured.out == plain.read_bytes()
    summary = json.loads(captured.err.decode().strip().splitlines()[-1])
    assert (summary["path"], summary["works"], summary["bytes_written"]) == ("-", 120, len(captured.out))


def test_scholargraph_generate_stops_quietly_when_the_reader_of_its_output_goes_away() -> None:
    generate = subprocess.Popen(
        [sys.executable, "-m", "api", "generate", "openalex", "--papers", "200000", "--out", "-"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert generate.stdout is not None
    assert generate.stderr is not None
    with generate, generate.stderr:
        first = generate.stdout.read(1000)
        generate.stdout.close()  # as `| head -c 1000` does
        error = generate.stderr.read()
        assert generate.wait(timeout=60) == 1
    assert first.startswith(b'{"id":"https://openalex.org/W')
    assert error == b""


def test_scholargraph_generate_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_generate("--papers", "10", "--out", str(tmp_path / "missing" / "works.jsonl.gz")) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"scholargraph: error: cannot write {tmp_path / 'missing' / 'works.jsonl.gz'}: ")
    assert len(err.splitlines()) == 1
    with pytest.raises(SystemExit) as exited:
        cli_generate("--papers", "-5", "--out", str(tmp_path / "x.jsonl"))
    assert exited.value.code == 2
    assert "must not be negative" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_generated_file_imports_into_an_empty_database_with_the_generators_counts(
    tmp_path: Path, empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """200 works, generated then imported with `scholargraph ingest openalex` into a database with no schema
    yet (the import migrates it): every work a paper, every authorship and reference stored, and one
    author per person (author ids joined by shared ORCIDs, the generator's split profiles)."""
    from api.cli import main as scholargraph

    out = tmp_path / "works.jsonl.gz"
    assert cli_generate("--papers", "200", "--seed", "3", "--out", str(out), "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert scholargraph(["ingest", "openalex", str(out), "--database-url", empty_database_url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    people: dict[str, str] = {}  # union-find over author ids and ORCIDs

    def find(key: str) -> str:
        while people.setdefault(key, key) != key:
            key = people[key]
        return key

    works = list(generate_openalex_works(200, seed=3))
    for work in works:
        for authorship in work["authorships"]:
            author = authorship["author"]
            if author["orcid"]:
                people[find(author["id"])] = find(author["orcid"])
            find(author["id"])
    persons = {find(key) for key in list(people)}
    author_ids = sum(key.startswith("https://openalex.org/A") for key in people)
    orcids = len(people) - author_ids

    assert stats["works"] == 200
    assert report["read"] == 200
    assert report["rejected"] == 0
    assert report["inserted"] == {
        "papers": 200,
        "paper_external_ids": stats["works"] + stats["with_doi"] + stats["with_arxiv"],
        "authorships": stats["authorships"],
        "citations": stats["references"],
        "authors": len(persons),
        "author_external_ids": author_ids + orcids,
        "institutions": report["inserted"]["institutions"],
        "paper_institutions": report["inserted"]["paper_institutions"],
    }
    counts = stored_counts(empty_database_url)
    assert counts == {
        "papers": 200,
        "openalex": 200,
        "doi": stats["with_doi"],
        "arxiv": stats["with_arxiv"],
        "authorships": stats["authorships"],
        "citations": stats["references"],
        "pending_references": 0,
        "authors": len(persons),
    }


def stored_counts(url: str) -> dict[str, int]:
    import asyncio

    import asyncpg

    async def read() -> dict[str, int]:
        connection = await asyncpg.connect(url)
        try:
            row = await connection.fetchrow(
                """
                SELECT (SELECT count(*) FROM papers) AS papers,
                       (SELECT count(*) FROM paper_external_ids WHERE scheme = 'openalex') AS openalex,
                       (SELECT count(*) FROM paper_external_ids WHERE scheme = 'doi') AS doi,
                       (SELECT count(*) FROM paper_external_ids WHERE scheme = 'arxiv') AS arxiv,
                       (SELECT count(*) FROM authorships) AS authorships,
                       (SELECT count(*) FROM citations) AS citations,
                       (SELECT count(*) FROM pending_references) AS pending_references,
                       (SELECT count(*) FROM authors) AS authors
                """
            )
            return dict(row)
        finally:
            await connection.close()

    return asyncio.run(read())


def test_two_seeds_share_institutions_and_no_work_or_arxiv_id() -> None:
    def gather(seed: int) -> tuple[set[str], set[str], set[str], set[tuple[str, str]]]:
        work_ids: set[str] = set()
        arxiv: set[str] = set()
        dois: set[str] = set()
        institutions: set[tuple[str, str]] = set()
        for work in generate_openalex_works(20_000, seed=seed):
            work_ids.add(work["id"])
            if work["doi"]:
                dois.add(work["doi"])
            for place in work["locations"]:
                if "arxiv.org/abs/" in place["landing_page_url"]:
                    arxiv.add(place["landing_page_url"].rsplit("/abs/", 1)[1].split("v")[0])
            for authorship in work["authorships"]:
                for institution in authorship["institutions"]:
                    institutions.add((institution["id"], institution["ror"]))
        return work_ids, arxiv, dois, institutions

    first, second = gather(42), gather(43)
    assert len(first[1]) > 500, "the first file carries arXiv ids"
    assert len(second[1]) > 500, "the second file carries arXiv ids"
    assert not first[0] & second[0], "work ids"
    assert not first[1] & second[1], "arXiv ids"
    assert not first[2] & second[2], "DOIs"
    shared = first[3] & second[3]
    assert len(shared) > 0.9 * min(len(first[3]), len(second[3])), "the same institutions, with the same ids"
