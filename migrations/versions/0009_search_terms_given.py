"""An import that writes its papers' search terms itself tells the insert trigger so: it skips them.

The per-lexeme rows of `paper_terms` cost more than anything else per paper an import inserts (each
lexeme's `ts_rank_cd`: 126 µs a paper, measured on 20,000 generated papers), and the statement-level
insert trigger computes them on the backend that runs the import's transaction. The bulk writer now has
them computed on a second connection of its own, while its transaction does other work, and inserts them
with the papers. Inside a transaction that sets `scholargraph.paper_terms_given` to `on` (SET LOCAL), the
insert trigger leaves the terms to that transaction; everywhere else it computes them as before. Updates
are unchanged.

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
CREATE OR REPLACE FUNCTION sg_paper_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('scholargraph.paper_terms_given', true) = 'on' THEN
        RETURN NULL;  -- the inserting transaction writes the terms itself
    END IF;
    INSERT INTO paper_terms (lexeme, paper_id, score, published_on)
    SELECT t.lexeme, n.id, t.score, n.published_on
    FROM (SELECT id, published_on, search_vector || ''::tsvector AS v FROM new_papers OFFSET 0) n,
         sg_paper_terms(n.v) t;
    RETURN NULL;
END $$;
"""

DOWNGRADE = r"""
CREATE OR REPLACE FUNCTION sg_paper_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO paper_terms (lexeme, paper_id, score, published_on)
    SELECT t.lexeme, n.id, t.score, n.published_on
    FROM (SELECT id, published_on, search_vector || ''::tsvector AS v FROM new_papers OFFSET 0) n,
         sg_paper_terms(n.v) t;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
