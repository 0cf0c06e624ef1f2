"""Writes through the API: retractions, idempotency keys, and the database roles that reads and writes run as.

- A paper can be retracted (`retracted_at`, `retraction_reason`): it stays, marked, and its id keeps
  answering; it no longer counts among its authors' papers in the computed figures.
- `idempotency_keys`: the outcome of each REST write sent with an `Idempotency-Key`, per client, so a
  retried request is answered with the first one's outcome instead of being done twice. The row is
  written in the write's own transaction: a write and its key commit together or not at all.
- Two roles without login, shared by the databases of one server: `scholargraph_read` may only read
  (SELECT), `scholargraph_write` may also insert, update and delete the data (never the API keys, never
  the migration state). The service connects as its configured user and runs every request as
  `scholargraph_read`; a write transaction switches to `scholargraph_write` (`SET LOCAL ROLE`), so a bug
  in a read path cannot write. The migrating user must be allowed to create roles (a superuser, or
  CREATEROLE); where it is not, the roles are left out with a notice and the service runs everything as
  the connecting user (it logs which).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE papers
    ADD COLUMN retracted_at timestamptz,
    ADD COLUMN retraction_reason text,
    ADD CONSTRAINT papers_retraction_reason CHECK ((retracted_at IS NULL) = (retraction_reason IS NULL));
CREATE INDEX papers_retracted ON papers (retracted_at, id) WHERE retracted_at IS NOT NULL;

CREATE TABLE idempotency_keys (
    client      text NOT NULL,
    key         text NOT NULL CHECK (key ~ '^[\x21-\x7e]{1,255}$'),
    fingerprint text NOT NULL,
    status      smallint NOT NULL,
    resource    text NOT NULL,
    made_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client, key)
);
CREATE INDEX idempotency_keys_made ON idempotency_keys (made_at);

DO $roles$
DECLARE
    allowed boolean;
BEGIN
    SELECT rolsuper OR rolcreaterole INTO allowed FROM pg_roles WHERE rolname = current_user;
    IF NOT allowed THEN
        RAISE NOTICE 'scholargraph: % may not create roles; reads and writes will run as it', current_user;
        RETURN;
    END IF;
    BEGIN
        CREATE ROLE scholargraph_read NOLOGIN;
    EXCEPTION WHEN duplicate_object THEN NULL;  -- made by another database of this server
    END;
    BEGIN
        CREATE ROLE scholargraph_write NOLOGIN;
    EXCEPTION WHEN duplicate_object THEN NULL;
    END;
    -- the connecting user switches to them (from PostgreSQL 16 a CREATEROLE user needs the grant to SET them)
    EXECUTE format('GRANT scholargraph_read, scholargraph_write TO %I', current_user);
    GRANT USAGE ON SCHEMA public TO scholargraph_read, scholargraph_write;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO scholargraph_read, scholargraph_write;
    GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO scholargraph_write;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO scholargraph_write;
    REVOKE INSERT, UPDATE, DELETE ON api_keys, alembic_version FROM scholargraph_write;
    -- tables later migrations make get the same grants
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO scholargraph_read, scholargraph_write;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT INSERT, UPDATE, DELETE ON TABLES TO scholargraph_write;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO scholargraph_write;
    -- the change feed's horizon reads other sessions' transaction starts from pg_stat_activity
    BEGIN
        GRANT pg_read_all_stats TO scholargraph_read, scholargraph_write;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'scholargraph: pg_read_all_stats not granted; the change feed horizon sees only its role';
    END;
END
$roles$;
"""

DOWNGRADE = r"""
DO $roles$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'scholargraph_read') THEN
        DROP OWNED BY scholargraph_read, scholargraph_write;  -- this database's grants, default ones included
    END IF;
END
$roles$;
DROP TABLE IF EXISTS idempotency_keys;
DROP INDEX IF EXISTS papers_retracted;
ALTER TABLE papers
    DROP CONSTRAINT IF EXISTS papers_retraction_reason,
    DROP COLUMN IF EXISTS retraction_reason,
    DROP COLUMN IF EXISTS retracted_at;
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
