"""A paper inserted with its search vector keeps it: the insert trigger computes it only when it is missing.

The bulk writer inserts thousands of papers per statement. Computed by the row trigger, each paper's vector
cost a PL/pgSQL call beside the vector itself (104 µs a paper against 80 for the bare function, measured on
20,000 generated papers); the bulk writer now computes it in its INSERT, with the same function
(`sg_paper_search_vector(title, abstract)`), and the trigger fills it in for every other insert. Updates
are unchanged: a change of title or abstract recomputes the vector.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = r"""
DROP TRIGGER papers_search_vector_insert ON papers;
CREATE TRIGGER papers_search_vector_insert BEFORE INSERT ON papers
    FOR EACH ROW WHEN (NEW.search_vector IS NULL) EXECUTE FUNCTION sg_papers_set_search_vector();
"""

DOWNGRADE = r"""
DROP TRIGGER papers_search_vector_insert ON papers;
CREATE TRIGGER papers_search_vector_insert BEFORE INSERT ON papers
    FOR EACH ROW EXECUTE FUNCTION sg_papers_set_search_vector();
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
