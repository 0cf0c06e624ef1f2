"""`paper_terms` follows its papers by triggers alone: its foreign key is replaced by delete and truncate triggers.

`paper_terms` is derived data (migration 0006): every row is written by a trigger of `papers` from the
paper's own vector, in the statement that writes the paper. Its foreign key added nothing those triggers do
not already guarantee, and cost a check per row, a lookup of the paper with a row lock: about 45 rows a
paper, so 4.5M checks for 100,000 papers imported into a loaded database (a bulk load sets the key aside
and re-adds it at its end, checking every row at once instead). What the key's ON DELETE CASCADE did, a
statement-level trigger of `papers` does now: it deletes the terms of the deleted papers (one statement
per DELETE, through the index by paper). A TRUNCATE of `papers` empties `paper_terms` too, as the cascade
of `TRUNCATE papers CASCADE` did.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE paper_terms DROP CONSTRAINT paper_terms_paper_id_fkey;

CREATE FUNCTION sg_paper_terms_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- by the index of a paper's rows, as the cascade did, whatever the planner guesses of the deleted papers
    DELETE FROM paper_terms WHERE paper_id = ANY (ARRAY(SELECT id FROM old_papers));
    RETURN NULL;
END $$;

CREATE FUNCTION sg_paper_terms_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE paper_terms;
    RETURN NULL;
END $$;

CREATE TRIGGER papers_terms_delete AFTER DELETE ON papers
    REFERENCING OLD TABLE AS old_papers FOR EACH STATEMENT EXECUTE FUNCTION sg_paper_terms_delete();
CREATE TRIGGER papers_terms_truncate AFTER TRUNCATE ON papers
    FOR EACH STATEMENT EXECUTE FUNCTION sg_paper_terms_truncate();
"""

DOWNGRADE = r"""
DROP TRIGGER IF EXISTS papers_terms_truncate ON papers;
DROP TRIGGER IF EXISTS papers_terms_delete ON papers;
DROP FUNCTION IF EXISTS sg_paper_terms_truncate();
DROP FUNCTION IF EXISTS sg_paper_terms_delete();
DELETE FROM paper_terms t WHERE NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = t.paper_id);
ALTER TABLE paper_terms ADD CONSTRAINT paper_terms_paper_id_fkey
    FOREIGN KEY (paper_id) REFERENCES papers (id) ON DELETE CASCADE;
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
