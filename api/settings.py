"""Every setting of the service, read from the environment (prefix ``SCHOLARGRAPH_``) or a ``.env`` file.

Each field's description is the documentation: `docs/settings.md` is checked against it by a test.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the embedded database lives when ``SCHOLARGRAPH_DATA_DIR`` is not set.

    Root gets the system location, so that the unprivileged PostgreSQL user never needs a way into
    root's home folder; everyone else gets the XDG data folder of their own account.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/scholargraph")
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "scholargraph"


class Settings(BaseSettings):
    """The service's configuration. Every field maps to an environment variable ``SCHOLARGRAPH_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SCHOLARGRAPH_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description=(
            "PostgreSQL connection URL (postgresql://user:pass@host:port/db). Unset: the service starts "
            "its own embedded PostgreSQL in `data_dir`, migrates it and loads the bundled seed."
        ),
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description=(
            "Folder of the embedded PostgreSQL (used only when `database_url` is unset). Default: "
            "~/.local/share/scholargraph ($XDG_DATA_HOME/scholargraph), or /var/lib/scholargraph as root."
        ),
    )
    embedded_restart_attempts: int = Field(
        default=5,
        ge=1,
        description=(
            "How many times `scholargraph serve` tries to start its embedded PostgreSQL again after it died "
            "(2 s, 4 s, 6 s ... apart). When every attempt fails, /healthz answers 503 and `serve` exits 1."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address `scholargraph serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port `scholargraph serve` listens on.")
    workers: int = Field(
        default=1,
        ge=1,
        description=(
            "Processes `scholargraph serve` answers requests with, sharing its port (`serve --workers N`). "
            "Above 1, a parent process opens the database once (starting, migrating and seeding the embedded "
            "one) and supervises the workers; each has its own pool, so the service opens up to "
            "workers x `pool_max_size` connections."
        ),
    )
    load_seed: bool = Field(
        default=True,
        description="On start, load the bundled seed profile when the database holds no author yet.",
    )
    migrate_on_start: bool = Field(
        default=True,
        description=(
            "On start, migrate the database to the code's head. Turn off where a separate one-off "
            "`scholargraph migrate` job owns schema changes (docker-compose does)."
        ),
    )
    pool_min_size: int = Field(default=1, ge=0, description="Connections the pool keeps open when idle.")
    pool_max_size: int = Field(default=10, ge=1, description="Most connections the pool opens at once.")
    pool_timeout_ms: int = Field(
        default=5_000,
        ge=0,
        description=(
            "Longest a request waits for a free database connection when all are busy; past it, the request "
            "is shed with 503 `overloaded` and Retry-After (0: wait as long as it takes)."
        ),
    )
    statement_cache_size: int = Field(
        default=256,
        ge=0,
        description=(
            "Prepared statements each connection keeps. Set 0 behind PgBouncer in transaction mode "
            "(before 1.21, or without max_prepared_statements)."
        ),
    )
    statement_timeout_ms: int = Field(
        default=10_000, ge=0, description="Longest a single SQL statement of a request may run (0: no limit)."
    )
    connect_timeout_ms: int = Field(
        default=5_000,
        ge=100,
        description=(
            "Longest opening a connection to the database may take, before a request fails as 'database "
            "unavailable' (a host that drops packets would otherwise hold it for a minute)."
        ),
    )
    max_page_size: int = Field(
        default=100, ge=1, description="Largest `first` accepted on any connection or REST page."
    )
    max_body_bytes: int = Field(
        default=1_000_000,
        ge=1,
        description=(
            "Largest request body accepted, in bytes, by /graphql and by REST alike; a larger one is refused "
            "with 413 (from its Content-Length before it is read, or as soon as the bytes received pass it)."
        ),
    )
    max_query_cost: int = Field(
        default=50_000,
        ge=0,
        description=(
            "Most cost points one request may have (docs/limits.md gives the formula: about one point per "
            "record a response may hold). A costlier request is refused with 400 `query_too_costly` before "
            "any SQL runs (0: no limit)."
        ),
    )
    cost_budget: int = Field(
        default=1_000_000,
        ge=0,
        description=(
            "Cost points an anonymous client (one address) may spend per window; past it, requests are "
            "refused with 429 `budget_spent` until the window ends (0: no budget)."
        ),
    )
    key_cost_budget: int = Field(
        default=10_000_000,
        ge=0,
        description="Cost points a request with an API key may spend per window, unless the key has its own budget.",
    )
    cost_window_seconds: int = Field(
        default=3_600,
        ge=1,
        description=(
            "Length of the budget's windows, in seconds; windows start at multiples of it since the Unix epoch, "
            "the same for every client and worker."
        ),
    )
    requests_per_second: int = Field(
        default=50,
        ge=0,
        description=(
            "Requests a client (a key, or an address) may send per second, in bursts of as many; past it, "
            "429 `too_fast` with Retry-After (0: no limit)."
        ),
    )
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis that keeps the limits' counts, shared by every worker process (redis://host:6379/0). "
            "Unset: each process counts its own. Should Redis fail, each process counts alone until it answers."
        ),
    )
    require_api_key: bool = Field(
        default=False,
        description=(
            "Answer API requests (/graphql, /v1) only when they carry an API key (`scholargraph keys create`); "
            "without one, 401 `key_required`. Off: reads are anonymous."
        ),
    )
    graphiql: bool = Field(default=True, description="Serve the GraphiQL explorer at GET /graphql.")
    graphql_compiled: bool = Field(
        default=True,
        description=(
            "Answer GraphQL queries the compiler covers with one SQL statement that builds the response in "
            "PostgreSQL. Off: every query takes the resolver path (the reference the compiler is tested against)."
        ),
    )
    log_level: str = Field(default="info", description="Log level: debug, info, warning or error.")

    @model_validator(mode="after")
    def _pool_bounds(self) -> Settings:
        if self.pool_min_size > self.pool_max_size:
            raise ValueError(f"pool_min_size ({self.pool_min_size}) exceeds pool_max_size ({self.pool_max_size})")
        return self

    @model_validator(mode="after")
    def _cost_within_budget(self) -> Settings:
        for name in ("cost_budget", "key_cost_budget"):
            budget = getattr(self, name)
            if budget and self.max_query_cost and self.max_query_cost > budget:
                raise ValueError(
                    f"max_query_cost ({self.max_query_cost}) exceeds {name} ({budget}): "
                    "a request that costly could never run"
                )
        return self

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"debug", "info", "warning", "error"}:
            raise ValueError("log_level must be one of debug, info, warning, error")
        return level

    @property
    def uses_embedded_database(self) -> bool:
        return not self.database_url
