"""The papers' full-text vector kept by a trigger instead of a generated column.

A stored generated column is recomputed by every UPDATE of its row, whichever columns change: each
citation-count refresh re-parsed the paper's title and abstract (the most expensive part of a bulk
import's final phase). The trigger recomputes it only when the title or the abstract changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- The same expression the generated column had: title weighted A, abstract B, folded, English stemming.
CREATE FUNCTION sg_paper_search_vector(title text, abstract text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN setweight(to_tsvector('english'::regconfig, sg_fold(title)), 'A')
        || setweight(to_tsvector('english'::regconfig, sg_fold(coalesce(abstract, ''))), 'B');

CREATE FUNCTION sg_papers_set_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := sg_paper_search_vector(NEW.title, NEW.abstract);
    RETURN NEW;
END $$;

-- Keeps every stored value: the column becomes a plain one.
ALTER TABLE papers ALTER COLUMN search_vector DROP EXPRESSION;

CREATE TRIGGER papers_search_vector_insert BEFORE INSERT ON papers
    FOR EACH ROW EXECUTE FUNCTION sg_papers_set_search_vector();
CREATE TRIGGER papers_search_vector_update BEFORE UPDATE OF title, abstract ON papers
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract)
    EXECUTE FUNCTION sg_papers_set_search_vector();
"""

DOWNGRADE = r"""
DROP TRIGGER IF EXISTS papers_search_vector_update ON papers;
DROP TRIGGER IF EXISTS papers_search_vector_insert ON papers;
ALTER TABLE papers DROP COLUMN search_vector;
ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, sg_fold(title)), 'A')
    || setweight(to_tsvector('english'::regconfig, sg_fold(coalesce(abstract, ''))), 'B')
) STORED;
CREATE INDEX papers_search ON papers USING gin (search_vector);
DROP FUNCTION IF EXISTS sg_papers_set_search_vector();
DROP FUNCTION IF EXISTS sg_paper_search_vector(text, text);
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
