"""Indexes for the orderings and filters of lists (papers by date either way, by citations; categories).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The list orderings sort by these exact expressions (see api/db/papers.py), so that a page of the
# whole corpus reads the first rows of an index instead of sorting every paper.
UPGRADE = """
DROP INDEX IF EXISTS papers_published;
CREATE INDEX papers_newest ON papers ((coalesce(published_on, '-infinity'::date)) DESC, id DESC);
CREATE INDEX papers_oldest ON papers ((coalesce(published_on, 'infinity'::date)), id);
CREATE INDEX papers_most_cited ON papers (citation_count DESC, id DESC);
CREATE INDEX papers_categories ON papers USING gin (categories);
CREATE INDEX authors_name_key_id ON authors (name_key, id);
DROP INDEX IF EXISTS authors_name_key;
"""

DOWNGRADE = """
CREATE INDEX authors_name_key ON authors (name_key);
DROP INDEX IF EXISTS authors_name_key_id, papers_categories, papers_most_cited, papers_oldest, papers_newest;
CREATE INDEX papers_published ON papers (published_on DESC NULLS LAST, id DESC);
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
