"""The `scholargraph` command (api.cli.main): one-line errors for bad settings and unusable databases,
what `migrate` says it did, per-file commits and summaries of `ingest profile`, and `export-schema`.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from api.cli import main
from api.db import migrate

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"

ADA = """Ada Lovelace
LG
h-index3
1papers

1 Papers

LGJul 9, 2024Code
Notes on the Analytical Engine

Ada Lovelace, Charles Babbage

An abstract of the notes."""

BROKEN = """Grace Hopper
LG

1 Papers

LGNov 31, 2024
A Paper Dated On A Day That Does Not Exist

Grace Hopper

An abstract."""


def one_error_line(err: str) -> str:
    """The whole of stderr, which must be exactly one `scholargraph: error:` line."""
    assert err.endswith("\n"), err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scholargraph: error: "), err
    assert "Traceback" not in err
    return lines[0]


def titles(url: str) -> list[str]:
    async def run() -> list[str]:
        connection = await asyncpg.connect(url)
        try:
            return [row["title"] for row in await connection.fetch("SELECT title FROM papers ORDER BY title")]
        finally:
            await connection.close()

    return asyncio.run(run())


@pytest.fixture
def profiles(tmp_path: Path) -> tuple[Path, Path]:
    good, broken = tmp_path / "ada.txt", tmp_path / "grace.txt"
    good.write_text(ADA, encoding="utf-8")
    broken.write_text(BROKEN, encoding="utf-8")
    return good, broken


# Settings and connection errors ----------------------------------------------------------------------


def test_invalid_settings_are_one_error_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCHOLARGRAPH_PORT", "notaport")
    assert main(["migrate"]) == 1
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert line.startswith("scholargraph: error: invalid settings")
    assert "port" in line
    assert captured.out == ""


def test_pool_bounds_out_of_order_are_invalid_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCHOLARGRAPH_POOL_MIN_SIZE", "5")
    monkeypatch.setenv("SCHOLARGRAPH_POOL_MAX_SIZE", "2")
    assert main(["migrate"]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("scholargraph: error: invalid settings")
    assert "pool_min_size (5)" in line
    assert "pool_max_size (2)" in line


def test_an_unreachable_database_is_one_error_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--database-url", UNREACHABLE]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "database" in line


def test_a_database_that_does_not_exist_is_one_error_line_and_exit_1(
    server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parts = urlsplit(server_url)
    missing = urlunsplit((parts.scheme, parts.netloc, "/sg_no_such_database", parts.query, parts.fragment))
    assert main(["migrate", "--database-url", missing]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "sg_no_such_database" in line


# What `migrate` did -------------------------------------------------------------------------------------


def test_migrate_on_a_new_database_says_it_migrated_it_to_head(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--database-url", empty_database_url]) == 0
    assert capsys.readouterr().out == f"migrated from no revision to {migrate.head_revision()} (head)\n"


def test_migrate_at_head_says_there_was_nothing_to_do(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--database-url", database_url]) == 0
    assert capsys.readouterr().out == f"already at {migrate.head_revision()} (head): nothing to do\n"


def test_migrate_says_from_which_revision_to_which(empty_database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    head = migrate.head_revision()
    assert main(["migrate", "--database-url", empty_database_url, "0002"]) == 0
    assert main(["migrate", "--database-url", empty_database_url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"migrated from no revision to 0002 (head is {head})",
        f"migrated from 0002 to {head} (head)",
    ]


def test_ingest_into_an_unreachable_database_is_one_error_line_and_exit_1(
    profiles: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good, _ = profiles
    assert main(["ingest", "profile", str(good), "--database-url", UNREACHABLE, "--as-of", "2026-11-27"]) == 1
    one_error_line(capsys.readouterr().err)


# ingest profile --------------------------------------------------------------------------------------


def ingest(url: str, *paths: Path, as_json: bool = False) -> int:
    return main(
        ["ingest", "profile", *map(str, paths), "--database-url", url, "--as-of", "2026-11-27"]
        + (["--json"] if as_json else [])
    )


def test_ingest_with_a_malformed_second_file_prints_the_first_files_summary(
    database_url: str, profiles: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good, broken = profiles
    assert ingest(database_url, good, broken) == 1
    captured = capsys.readouterr()
    (summary,) = captured.out.splitlines()
    assert summary.startswith(f"{good}: 1 papers read; inserted ")
    assert "1 papers" in summary
    assert one_error_line(captured.err).startswith(f"scholargraph: error: {broken}:6:")


def test_ingest_with_a_malformed_second_file_commits_the_first(
    database_url: str, profiles: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good, broken = profiles
    assert ingest(database_url, good, broken) == 1
    assert titles(database_url) == ["Notes on the Analytical Engine"]


def test_ingest_json_prints_one_line_per_file(
    database_url: str, profiles: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good, _ = profiles
    assert ingest(database_url, good, good, as_json=True) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (first["path"], first["papers"], first["inserted"]["papers"]) == (str(good), 1, 1)
    assert (second["path"], second["inserted"], second["updated"]) == (str(good), {}, {})


# export-schema ---------------------------------------------------------------------------------------


def test_export_schema_writes_the_committed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exported"
    assert main(["export-schema", "--out", str(out)]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["openapi.json", "schema.graphql"]
    for name in ("schema.graphql", "openapi.json"):
        assert (out / name).read_bytes() == (SCHEMA_DIR / name).read_bytes(), name
    assert capsys.readouterr().out.splitlines() == [f"wrote {out / 'schema.graphql'}", f"wrote {out / 'openapi.json'}"]


def test_keys_are_made_listed_and_revoked_and_the_key_is_shown_only_when_made(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "keys",
                "create",
                "metrics-service",
                "--scope",
                "write",
                "--budget",
                "5000",
                "--database-url",
                database_url,
            ]
        )
        == 0
    )
    made = capsys.readouterr().out
    secret = made.splitlines()[-1]
    assert made.startswith("made key 'metrics-service' (write)")
    assert secret.startswith("sg_")
    assert len(secret) == 46  # sg_ and 256 bits of URL-safe base64
    assert main(["keys", "list", "--json", "--database-url", database_url]) == 0
    listed = capsys.readouterr().out
    [row] = [json.loads(line) for line in listed.splitlines()]
    assert (row["name"], row["scopes"], row["cost_budget"], row["revoked_at"]) == (
        "metrics-service",
        ["write"],
        5000,
        None,
    )
    assert secret not in listed
    assert main(["keys", "revoke", "metrics-service", "--database-url", database_url]) == 0
    assert main(["keys", "list", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("metrics-service\twrite\tbudget 5000\trevoked ")


def test_a_key_name_taken_or_malformed_and_an_unknown_key_are_one_error_line(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "svc", "--database-url", database_url]) == 0
    capsys.readouterr()
    assert main(["keys", "create", "svc", "--database-url", database_url]) == 1
    assert capsys.readouterr().err == "scholargraph: error: a key named 'svc' exists already (names are never reused)\n"
    assert main(["keys", "create", "no spaces", "--database-url", database_url]) == 1
    assert "a key's name is 1 to 64 letters" in capsys.readouterr().err
    assert main(["keys", "revoke", "nobody", "--database-url", database_url]) == 1
    assert capsys.readouterr().err == "scholargraph: error: no key is named 'nobody'\n"
