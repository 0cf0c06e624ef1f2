"""Corrections of authors through the API: merges, splits and the undoing of a merge, with their history.

Each correction is a row: what was done (`kind`), to whom (`author_id`: the survivor of a merge, the
author a split takes papers from, the author an unmerge brings back; `other_author_id`: the author merged
away, the author the papers went to, the survivor of the undone merge), by whom (the API key's name),
when, why (free text, required), and the evidence: what moved, in enough detail to undo a merge exactly
(`evidence`, JSON). Corrections are never deleted: an unmerge is a correction of its own, and the merge
it undoes points to it (`undone_by`).

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
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS corrections;
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
