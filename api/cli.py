"""The `scholargraph` command: serve, migrate, ingest, generate, keys, db start/stop/url, export-schema.

Every command reads the same settings as the service (environment variables `SCHOLARGRAPH_*`);
flags override them for one run. Errors of ours print as one line on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy.exc
from pydantic import ValidationError

from api.errors import ScholarGraphError
from api.generate import add_openalex_arguments
from api.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    for name in ("database_url", "data_dir", "host", "port", "workers"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return Settings(**overrides)  # type: ignore[arg-type]


def _database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started if it is not running)."""
    if settings.database_url:
        return settings.database_url
    from api.db.embedded import EmbeddedPostgres

    return EmbeddedPostgres(settings.data_dir).start()


def cmd_serve(args: argparse.Namespace) -> int:
    from api.serve import run

    settings = _settings(args)
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    run(settings)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from api.db import migrate

    url = _database_url(_settings(args))
    before = migrate.revision_of(url)
    migrate.upgrade(url, args.revision)
    print(migrate.describe_upgrade(before, migrate.revision_of(url)))
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from api.db import migrate
    from api.db.pool import Database
    from api.ingest.profile import import_profile
    from api.ingest.progress import Progress

    settings = _settings(args)
    url = _database_url(settings)
    migrate.upgrade(url)

    async def run() -> None:
        db = await Database.connect(url, min_size=1, max_size=2, statement_timeout_ms=0)
        try:
            # Each file is its own transaction: a failing file changes nothing, the files before it stay.
            for path in args.paths:
                with Progress() as waiting:  # shows only a wait for another import's lock
                    done = await import_profile(
                        db, Path(path), as_of=args.as_of, source=args.source, on_lock_wait=waiting.waiting_for
                    )
                _print_summary({"path": done.path, "papers": done.papers, **done.stats.as_dict()}, as_json=args.json)
        finally:
            await db.close()

    asyncio.run(run())
    return 0


def cmd_ingest_dump(args: argparse.Namespace) -> int:
    from api.db import migrate
    from api.db.pool import Database
    from api.ingest.progress import Progress
    from api.ingest.rejects import ErrorPolicy
    from api.ingest.run import run_import

    settings = _settings(args)
    url = _database_url(settings)
    migrate.upgrade(url)

    async def run() -> int:
        db = await Database.connect(url, min_size=1, max_size=2, statement_timeout_ms=0)
        try:
            with Progress(as_json=args.json) as shown:
                done = await run_import(
                    db,
                    args.format,
                    args.paths,
                    policy=ErrorPolicy(args.on_error),
                    rejects_path=args.rejects,
                    as_of=args.as_of,
                    progress=shown,
                    batch_size=args.batch_size,
                    bulk_load=args.bulk_load,
                )
                summary = done.summary
                extra: dict[str, object] = {}
                if +summary.skipped:
                    extra["skipped"] = dict(+summary.skipped)
                if done.not_papers:
                    extra["not_papers"] = done.not_papers
                if done.rejects_path:
                    extra["rejects_file"] = done.rejects_path
                shown.finish(
                    read=sum(summary.read.values()),
                    inserted=dict(+summary.inserted),
                    updated=dict(+summary.updated),
                    merged=dict(+summary.merged),
                    rejected=done.rejected,
                    **extra,
                )
        finally:
            await db.close()
        return 0

    return asyncio.run(run())


def cmd_generate(args: argparse.Namespace) -> int:
    from api.generate import run_generate

    return run_generate(args)


def cmd_keys(args: argparse.Namespace) -> int:
    from api.db import api_keys, migrate
    from api.db.pool import Database

    async def run() -> int:
        db = await Database.connect(_database_url(_settings(args)), min_size=1, max_size=1)
        try:
            async with db.connection() as connection:
                await migrate.ensure_at_head(connection.raw)
            if args.action == "create":
                key, secret = await api_keys.create_key(db, args.name, args.scope, cost_budget=args.budget)
                print(f"made key {key.name!r} ({', '.join(key.scopes)}); it is shown this once, keep it secret:")
                print(secret)
            elif args.action == "revoke":
                key = await api_keys.revoke_key(db, args.name)
                print(f"revoked key {key.name!r} (it stops working within seconds)")
            else:
                for k in await api_keys.list_keys(db):
                    revoked = k.revoked_at.isoformat() if k.revoked_at else None
                    if args.json:
                        row = {"name": k.name, "scopes": list(k.scopes), "cost_budget": k.cost_budget,
                               "created_at": k.created_at.isoformat(), "revoked_at": revoked}  # fmt: skip
                        print(json.dumps(row))
                    else:
                        budget = "default budget" if k.cost_budget is None else f"budget {k.cost_budget}"
                        state = f"revoked {revoked}" if revoked else "active"
                        print(f"{k.name}\t{','.join(k.scopes)}\t{budget}\t{state}")
            return 0
        finally:
            await db.close()

    return asyncio.run(run())


def _print_summary(report: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report), flush=True)
        return
    inserted = ", ".join(f"{n} {kind}" for kind, n in report["inserted"].items()) or "nothing"
    updated = ", ".join(f"{n} {kind}" for kind, n in report["updated"].items()) or "nothing"
    print(f"{report['path']}: {report['papers']} papers read; inserted {inserted}; updated {updated}", flush=True)


def cmd_db(args: argparse.Namespace) -> int:
    from api.db.embedded import EmbeddedPostgres

    settings = _settings(args)
    server = EmbeddedPostgres(settings.data_dir)
    if args.action == "stop":
        print("stopped" if server.stop() else "not running")
    elif args.action == "start":
        print(server.start())
    elif args.action == "status":
        print("running" if server.is_running() else "not running")
    else:
        print(server.url)
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from api.schema_export import write_schema_files

    for path in write_schema_files(Path(args.out)):
        print(f"wrote {path}")
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scholargraph", description="Scholar Graph: researchers and papers over GraphQL and REST."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def database_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--database-url", help="PostgreSQL URL (default: $SCHOLARGRAPH_DATABASE_URL, else embedded)")
        p.add_argument("--data-dir", type=Path, help="embedded database folder (default: $SCHOLARGRAPH_DATA_DIR)")

    serve = sub.add_parser("serve", help="run the HTTP service")
    database_flags(serve)
    serve.add_argument("--host", help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default 8000)")
    serve.add_argument(
        "--workers", type=int, help="processes answering requests on the port (default 1; docs/operations.md)"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="migrate the database schema")
    database_flags(migrate)
    migrate.add_argument("revision", nargs="?", default="head", help="target revision (default head)")
    migrate.set_defaults(func=cmd_migrate)

    ingest = sub.add_parser("ingest", help="import records from files")
    ingest_sub = ingest.add_subparsers(dest="format", required=True)
    profile = ingest_sub.add_parser("profile", help="researcher profile pages (the seed's format)")
    database_flags(profile)
    profile.add_argument("paths", nargs="+", help="profile files")
    profile.add_argument(
        "--as-of",
        type=_date,
        default=dt.datetime.now(dt.UTC).date(),
        help="snapshot date of the page: dates its reported figures, gives undated papers their year (default: today)",
    )
    profile.add_argument("--source", default="profile-page", help="name the reported figures are stored under")
    profile.add_argument("--json", action="store_true", help="print each file's summary as a JSON line")
    profile.set_defaults(func=cmd_ingest)
    for name, about in (
        ("arxiv", "the arXiv metadata snapshot (JSON lines)"),
        ("semanticscholar", "Semantic Scholar Graph API responses and dataset JSON lines"),
        ("crossref", "Crossref works (JSON lines of works, or API response pages)"),
        ("openalex", "OpenAlex snapshot works and authors (gzipped JSON lines, folders of parts)"),
    ):
        dump = ingest_sub.add_parser(name, help=about)
        database_flags(dump)
        dump.add_argument("paths", nargs="+", help="files (plain or gzip), folders of parts, or - for stdin")
        dump.add_argument("--on-error", choices=["fail", "skip"], default="fail",
                          help="fail: the first bad record stops the import, which changes nothing (default); "
                               "skip: import the rest and write bad records to the reject file")  # fmt: skip
        dump.add_argument("--rejects", help="reject file for --on-error skip (default: <first input>.rejects.jsonl)")
        dump.add_argument(
            "--as-of", type=_date, default=None, help="date of reported figures that carry none (default: today)"
        )
        dump.add_argument("--batch-size", type=int, default=None, help="records per write batch (default 5000)")
        dump.add_argument(
            "--bulk-load", action=argparse.BooleanOptionalAction, default=None,
            help="set foreign keys and secondary indexes aside during the import and rebuild them at its end; "
                 "tables stay locked until it commits (default: only into an empty database)",
        )  # fmt: skip
        dump.add_argument("--json", action="store_true", help="print the summary as one JSON object")
        dump.set_defaults(func=cmd_ingest_dump, format=name)

    generate = sub.add_parser("generate", help="write synthetic dumps (for tests and benchmarks)")
    generate_sub = generate.add_subparsers(dest="format", required=True)
    generate_openalex = generate_sub.add_parser(
        "openalex", help="OpenAlex snapshot works (JSON lines), deterministic by seed, that `ingest openalex` reads"
    )
    add_openalex_arguments(generate_openalex)
    generate_openalex.set_defaults(func=cmd_generate)

    keys = sub.add_parser("keys", help="make, list and revoke API keys (docs/limits.md)")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    create = keys_sub.add_parser("create", help="make a key and print it (shown only this once)")
    create.add_argument("name", help="the key's name: who uses it (logs and corrections show it)")
    create.add_argument(
        "--scope", choices=["read", "write", "admin"], default="read", help="what it may do (default read)"
    )
    create.add_argument("--budget", type=int, help="its cost points per window (default: key_cost_budget)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key for good")
    revoke.add_argument("name")
    listing = keys_sub.add_parser("list", help="every key: name, scopes, budget, state (never the key)")
    listing.add_argument("--json", action="store_true", help="one JSON object per key")
    for command in (create, revoke, listing):
        database_flags(command)
    keys.set_defaults(func=cmd_keys)

    db = sub.add_parser("db", help="manage the embedded PostgreSQL")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.add_argument("--data-dir", type=Path, help="embedded database folder (default: $SCHOLARGRAPH_DATA_DIR)")
    db.set_defaults(func=cmd_db)

    export = sub.add_parser("export-schema", help="write schema.graphql and openapi.json")
    export.add_argument("--out", default="schema", help="folder to write into (default schema/)")
    export.set_defaults(func=cmd_export_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ScholarGraphError as error:
        print(f"scholargraph: error: {error}", file=sys.stderr)
        return 1
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
        print(f"scholargraph: error: invalid settings: {problems}", file=sys.stderr)
        return 1
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, sqlalchemy.exc.DBAPIError) as error:
        cause = error.orig if isinstance(error, sqlalchemy.exc.DBAPIError) else error
        first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        print(f"scholargraph: error: cannot use the database: {first_line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
