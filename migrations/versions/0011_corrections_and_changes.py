"""Corrections of authors through the API: merges, splits and the undoing of a merge, with their history.

Each correction is a row: what was done (`kind`), to whom (`author_id`: the survivor of a merge, the
author a split takes papers from, the author an unmerge brings back; `other_author_id`: the author merged
away, the author the papers went to, the survivor of the undone merge), by whom (the API key's name),
when, why (free text, required), and the evidence: what moved, in enough detail to undo a merge exactly
(`evidence`, JSON). Corrections are never deleted: an unmerge is a correction of its own, and the merge
it undoes points to it (`undone_by`).

Redirects (rows merged into others, by imports and by corrections) get the moment they were made or last
re-pointed, so that the change feed (`api.db.changes`) can tell mirrors which ids were merged since when.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION sg_touch_changed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_at := now();
    RETURN NEW;
END $$;

CREATE TABLE corrections (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('merge', 'split', 'unmerge')),
    author_id       bigint NOT NULL,
    other_author_id bigint NOT NULL CHECK (other_author_id <> author_id),
    made_by         text NOT NULL,
    made_at         timestamptz NOT NULL DEFAULT now(),
    reason          text NOT NULL CHECK (btrim(reason) <> ''),
    evidence        jsonb NOT NULL,
    undoes          bigint UNIQUE REFERENCES corrections (id),
    undone_by       bigint UNIQUE REFERENCES corrections (id)
);
CREATE INDEX corrections_author ON corrections (author_id, id);
CREATE INDEX corrections_other_author ON corrections (other_author_id, id);
CREATE INDEX corrections_splits ON corrections (made_at, id) WHERE kind = 'split';

ALTER TABLE author_redirects ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE paper_redirects ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX author_redirects_changed ON author_redirects (changed_at, old_id);
CREATE INDEX paper_redirects_changed ON paper_redirects (changed_at, old_id);
CREATE TRIGGER author_redirects_touch BEFORE UPDATE ON author_redirects
    FOR EACH ROW EXECUTE FUNCTION sg_touch_changed_at();
CREATE TRIGGER paper_redirects_touch BEFORE UPDATE ON paper_redirects
    FOR EACH ROW EXECUTE FUNCTION sg_touch_changed_at();
"""

DOWNGRADE = r"""
DROP TRIGGER IF EXISTS paper_redirects_touch ON paper_redirects;
DROP TRIGGER IF EXISTS author_redirects_touch ON author_redirects;
ALTER TABLE paper_redirects DROP COLUMN IF EXISTS changed_at;
ALTER TABLE author_redirects DROP COLUMN IF EXISTS changed_at;
DROP TABLE IF EXISTS corrections;
DROP FUNCTION IF EXISTS sg_touch_changed_at();
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
