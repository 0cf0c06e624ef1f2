"""The newest papers citing a paper, read from an index in order instead of sorting every citer.

A paper page shows the newest papers citing the paper. Ordered by the citing papers' dates, that list
had to fetch every citing paper of a much-cited paper and sort them all, for 20 rows. Each citation now
carries the NEWEST sort key of its citing paper, `citing_newest_key` = coalesce(the citing paper's
published_on, '-infinity'), and the index on (cited_paper_id, citing_newest_key DESC, citing_paper_id DESC)
yields a paper's citers newest first, so a page reads as many rows as it shows. It replaces the index on
(cited_paper_id, citing_paper_id), whose uses (a paper's citers, their count) it serves as well.

Kept equal to the citing paper's date: the writers supply the key (api/db/bulk.py, api/db/writes.py); an
insert that leaves it NULL gets it from the citing paper (a BEFORE trigger that runs only then); a change of
a paper's date rewrites the keys of its citations (an AFTER UPDATE trigger).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE citations ADD COLUMN citing_newest_key date;
UPDATE citations c SET citing_newest_key = coalesce(p.published_on, '-infinity'::date)
FROM papers p WHERE p.id = c.citing_paper_id;
ALTER TABLE citations ALTER COLUMN citing_newest_key SET NOT NULL;

CREATE FUNCTION sg_citation_newest_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT coalesce(p.published_on, '-infinity'::date) INTO NEW.citing_newest_key
    FROM papers p WHERE p.id = NEW.citing_paper_id;
    RETURN NEW;
END $$;

CREATE FUNCTION sg_paper_citing_newest_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE citations SET citing_newest_key = coalesce(NEW.published_on, '-infinity'::date)
    WHERE citing_paper_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER citations_newest_key BEFORE INSERT ON citations
    FOR EACH ROW WHEN (NEW.citing_newest_key IS NULL) EXECUTE FUNCTION sg_citation_newest_key();
CREATE TRIGGER papers_citing_newest_key AFTER UPDATE OF published_on ON papers
    FOR EACH ROW WHEN (OLD.published_on IS DISTINCT FROM NEW.published_on)
    EXECUTE FUNCTION sg_paper_citing_newest_key();

CREATE INDEX citations_cited_newest ON citations (cited_paper_id, citing_newest_key DESC, citing_paper_id DESC);
DROP INDEX IF EXISTS citations_cited;
ANALYZE citations;
"""

DOWNGRADE = r"""
CREATE INDEX IF NOT EXISTS citations_cited ON citations (cited_paper_id, citing_paper_id);
DROP INDEX IF EXISTS citations_cited_newest;
DROP TRIGGER IF EXISTS papers_citing_newest_key ON papers;
DROP TRIGGER IF EXISTS citations_newest_key ON citations;
DROP FUNCTION IF EXISTS sg_paper_citing_newest_key();
DROP FUNCTION IF EXISTS sg_citation_newest_key();
ALTER TABLE citations DROP COLUMN IF EXISTS citing_newest_key;
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
