"""API keys: who may read when keys are required, and each key's own cost budget.

A key is shown once, when it is made; the table keeps its SHA-256 digest (a key is 256 random bits, so a
fast digest is as safe as a slow one and costs nothing per request), its name (what logs and corrections
show), its scopes and when it was revoked. A revoked key stays, so that its name keeps meaning who it was.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    digest bytea NOT NULL UNIQUE CHECK (length(digest) = 32),
    scopes text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'admin'] AND cardinality(scopes) > 0),
    cost_budget integer CHECK (cost_budget >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS api_keys;
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
