"""The benchmark scripts (bench/) write what anyone can rerun from the repository's root: paths relative to
it, generated dumps in a folder of it that git ignores, never a folder of the machine they ran on."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str) -> ModuleType:
    """A bench script as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


benchmark = _load("import_benchmark")


def test_a_report_row_names_the_importer_and_the_dump_from_the_repository_root() -> None:
    url = "postgresql://postgres:secret@127.0.0.1:5432/sg_bench_import_0123abcd"
    command = [
        str(ROOT / ".venv" / "bin" / "scholargraph"),
        *("ingest", "openalex", str(ROOT / "bench" / "cache" / "openalex-works-1000-seed42-v1.jsonl.gz")),
        *("--json", "--database-url", url),
    ]
    assert benchmark.report_command(command, url) == (
        ".venv/bin/scholargraph ingest openalex bench/cache/openalex-works-1000-seed42-v1.jsonl.gz --json"
        " --database-url postgresql://postgres:***@127.0.0.1:5432/sg_bench_import_0123abcd"
    )


def test_the_embedded_servers_socket_folder_is_shown_from_the_repository_root() -> None:
    url = f"postgresql://postgres@/sg_bench_import_0123abcd?host={ROOT / 'bench' / 'cache' / 'embedded' / 'run'}"
    command = [".venv/bin/scholargraph", "ingest", "openalex", "works.jsonl.gz", "--database-url", url]
    assert benchmark.report_command(command, url).endswith(
        "--database-url postgresql://postgres@/sg_bench_import_0123abcd?host=bench/cache/embedded/run"
    )


def test_a_path_outside_the_repository_is_shown_as_given() -> None:
    assert benchmark.shown_path("/srv/dumps/works.jsonl.gz") == "/srv/dumps/works.jsonl.gz"


def test_generated_dumps_are_kept_in_a_folder_of_the_repository_that_git_ignores() -> None:
    cache = benchmark.build_parser().parse_args([]).cache_dir
    assert benchmark.shown_path(cache) == "bench/cache"
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", "bench/cache/openalex-works-1000-seed42-v1.jsonl.gz"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0


async def test_the_server_counters_are_read_on_the_server_the_tests_run_against(server_url: str) -> None:
    """PostgreSQL 17 moved the checkpoint and backend-write counters out of pg_stat_bgwriter; the suite runs
    on the embedded server (18) and on the machine's (15) in CI, so both ways are read here."""
    server = await benchmark._server(server_url)
    assert set(server["counters"]) == {
        "wal_records",
        "wal_fpi",
        "wal_bytes",
        "checkpoints_timed",
        "checkpoints_req",
        "buffers_backend",
    }
    assert all(isinstance(value, int) and value >= 0 for value in server["counters"].values())
    assert server["settings"]["server_version"]
