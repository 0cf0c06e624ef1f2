"""Bulk import: institution ids, references kept until the cited paper arrives, redirects of merged rows,
and the two-year mean citedness a source reports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- Institutions as sources identify them: a ROR id (stored as https://ror.org/<id>) and an OpenAlex id
-- (I<digits>); each names at most one institution. The bulk writer finds an institution by ROR, then by
-- OpenAlex id, then by name key.
ALTER TABLE institutions
    ADD COLUMN ror      text CHECK (ror ~ '^https://ror\.org/[0-9a-z]+$'),
    ADD COLUMN openalex text CHECK (openalex ~ '^I[0-9]+$');
CREATE UNIQUE INDEX institutions_ror ON institutions (ror) WHERE ror IS NOT NULL;
CREATE UNIQUE INDEX institutions_openalex ON institutions (openalex) WHERE openalex IS NOT NULL;

-- A reference whose paper is not stored (yet), by each id the source gave for it: when a paper with
-- that id arrives, the citation is stored and the row deleted.
CREATE TABLE pending_references (
    citing_paper_id bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    scheme          text NOT NULL CHECK (scheme IN ('doi', 'arxiv', 'openalex', 's2')),
    value           text NOT NULL CHECK (btrim(value) <> ''),
    PRIMARY KEY (citing_paper_id, scheme, value)
);
CREATE INDEX pending_references_id ON pending_references (scheme, value);

-- The other direction: a source says a paper not stored (yet) cites this one (Semantic Scholar's
-- `citations` of a paper).
CREATE TABLE pending_cited_by (
    cited_paper_id bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    scheme         text NOT NULL CHECK (scheme IN ('doi', 'arxiv', 'openalex', 's2')),
    value          text NOT NULL CHECK (btrim(value) <> ''),
    PRIMARY KEY (cited_paper_id, scheme, value)
);
CREATE INDEX pending_cited_by_id ON pending_cited_by (scheme, value);

-- Rows merged into another (two stored papers found to be one work, two authors one person): the old
-- row id and the row that now stands for it, so that old global ids keep answering.
CREATE TABLE paper_redirects (
    old_id bigint PRIMARY KEY,
    new_id bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    CHECK (old_id <> new_id)
);
CREATE INDEX paper_redirects_new ON paper_redirects (new_id);
CREATE TABLE author_redirects (
    old_id bigint PRIMARY KEY,
    new_id bigint NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    CHECK (old_id <> new_id)
);
CREATE INDEX author_redirects_new ON author_redirects (new_id);

ALTER TABLE author_reported_metrics
    ADD COLUMN two_year_mean_citedness numeric CHECK (two_year_mean_citedness >= 0);
"""

DOWNGRADE = """
ALTER TABLE author_reported_metrics DROP COLUMN IF EXISTS two_year_mean_citedness;
DROP TABLE IF EXISTS author_redirects, paper_redirects, pending_cited_by, pending_references;
DROP INDEX IF EXISTS institutions_openalex, institutions_ror;
ALTER TABLE institutions DROP COLUMN IF EXISTS openalex, DROP COLUMN IF EXISTS ror;
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
