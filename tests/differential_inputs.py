"""The given requests the differential tests send (tests/graphql/test_differential.py) and the coverage
tests hold to the compiled path (tests/graphql/test_compiled_coverage.py): the contract's queries, the
docs' queries and the serving benchmark's, each with variables that fit tests/rich_data.py's database.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from differential import Differential, Request
from hypothesis import HealthCheck, Phase, settings
from query_generator import Context
from test_doc_examples import EMBEDDED_QUERIES, GRAPHQL_RUNS

from api.graphql.schema import schema
from api.ids import encode_id

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "tests" / "contract" / "queries"  # the repository's copy of the contract queries
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from servebench.queries import OURS_METRICS, OURS_PAPER, OURS_PROFILE, OURS_SEARCH  # noqa: E402

__all__ = ["EMBEDDED_QUERIES", "GRAPHQL_RUNS", "OURS_METRICS", "OURS_PAPER", "OURS_PROFILE", "OURS_SEARCH"]

GRAPHQL_SCHEMA = schema._schema
OWNER_ID = encode_id("Author", 1)  # the seed's owner: the first author the seed writes
UNKNOWN_AUTHOR = encode_id("Author", 999_999)
UNKNOWN_PAPER = encode_id("Paper", 999_999)

# Shrinking a failure of a hypothesis test here replays hundreds of request pairs (minutes): off unless asked
# for with SCHOLARGRAPH_DIFFTEST_SHRINK=1. The failure message holds the whole request either way.
SHRINK = os.environ.get("SCHOLARGRAPH_DIFFTEST_SHRINK") == "1"
HYPOTHESIS = settings(
    derandomize=True,
    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if SHRINK else [])],
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def contract(name: str) -> str:
    return (CONTRACT / f"{name}.graphql").read_text(encoding="utf-8")


def context_of(differential: Differential) -> Context:
    return Context(GRAPHQL_SCHEMA, differential.rich.samples, differential.cursors)


def contract_checks() -> list[Request]:
    """The contract's queries with exactly check.py's variables (the node query: the owner's id)."""
    return [
        Request(contract("profile"), {"search": "louis bethune"}, label="contract profile"),
        Request(contract("node"), {"id": OWNER_ID}, label="contract node"),
        Request(contract("node"), {"id": "not-a-real-id"}, label="contract node, malformed id"),
        Request(contract("papers_page"), {"search": "louis bethune", "first": 5, "after": None}, label="papers_page"),
        Request(contract("paper_relations"), {"search": "Sturm Liouville"}, label="contract paper_relations"),
    ]


def contract_requests(differential: Differential) -> list[Request]:
    """The contract's queries with check.py's variables, then with others drawn from the data."""
    samples = differential.rich.samples
    searches = ["louis bethune", "ablin", "zoe", "Serrurier", "nobody at all", *samples.name_words[:4]]
    requests = [Request(contract("profile"), {"search": s}, label=f"contract profile {s!r}") for s in searches]
    ids = [
        OWNER_ID, "not-a-real-id", UNKNOWN_AUTHOR, samples.paper_ids[0], samples.institution_ids[0],
        *samples.external_author_ids[:3], *samples.external_paper_ids[:3], *samples.rich_author_ids[:3],
    ]  # fmt: skip
    requests += [Request(contract("node"), {"id": i}, label=f"contract node {i!r}") for i in ids]
    relations = ["Sturm Liouville", "zymurgy", *samples.title_words[:3], *samples.title_words[-3:]]
    requests += [
        Request(contract("paper_relations"), {"search": s}, label=f"contract paper_relations {s!r}") for s in relations
    ]
    return requests


def bench_requests(differential: Differential) -> list[Request]:
    """The serving benchmark's four GraphQL queries on inputs of the database."""
    samples = differential.rich.samples
    requests = [
        Request(OURS_PROFILE, {"id": author}, label="bench profile")
        for author in [OWNER_ID, *samples.rich_author_ids, UNKNOWN_AUTHOR]
    ]
    for count in (1, 100):
        ids = [*samples.author_ids[:count], *samples.rich_author_ids, UNKNOWN_AUTHOR]
        requests.append(Request(OURS_METRICS, {"ids": ids}, label=f"bench metrics of {len(ids)}"))
    requests += [
        Request(OURS_PAPER, {"id": paper}, label="bench paper page")
        for paper in [*samples.cited_paper_ids, samples.paper_ids[0], UNKNOWN_PAPER]
    ]
    requests += [
        Request(OURS_SEARCH, {"q": word, "from": start}, label=f"bench search {word!r} from {start}")
        for word in [*samples.title_words[:5], "zymurgy"]
        for start in ("1900-01-01", "2020-01-01")
    ]
    return requests


def doc_requests() -> list[Request]:
    """Every GraphQL operation of the docs with its documented variables, and the one their JavaScript sends."""
    requests = [Request(run.block.text, run.variables, label=run.name) for run in GRAPHQL_RUNS]
    requests += [
        Request(query, {"id": OWNER_ID, "after": None}, label=block.where) for block, query in EMBEDDED_QUERIES
    ]
    return requests


def given_requests(differential: Differential) -> list[Request]:
    """The contract's, the docs' and the benchmark's requests: what the variations start from."""
    return [*contract_checks(), *contract_requests(differential), *doc_requests(), *bench_requests(differential)]
