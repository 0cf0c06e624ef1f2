"""Search that scales: an inverted table of the papers' search vectors, with each term's rank precomputed.

`paper_terms` holds one row per (lexeme, paper) of `papers.search_vector`, with the paper's relevance for
a search of that one lexeme (`ts_rank_cd` of the vector against the lexeme, exactly what RELEVANCE orders
by) and the paper's publication date. Its index on (lexeme, score DESC, paper_id DESC) INCLUDE
(published_on) yields the top of a one-word search in relevance order without ranking every match, and
counts its matches within a date range from the index alone (an index-only scan). Searches of several
words, phrases or exclusions still rank their matches from `papers.search_vector`.

Kept by triggers: a statement-level trigger inserts the rows of the inserted papers (one statement for a
whole bulk insert); a row trigger rewrites a paper's rows when its vector or its date changes; the rows
go with their paper (ON DELETE CASCADE).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- A one-lexeme tsquery for a lexeme, whatever it holds (quotes and backslashes escaped).
CREATE FUNCTION sg_lexeme_query(lexeme text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery;

-- The lexeme of a query made of one lexeme and nothing else (no operator, weight or prefix), else NULL:
-- the inverse of sg_lexeme_query, read from the query's text form ('lexeme', with ' and \ doubled).
CREATE FUNCTION sg_query_lexeme(query tsquery) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN numnode(query) = 1 AND right(query::text, 1) = '''' THEN
        replace(replace(substr(query::text, 2, length(query::text) - 2), '''''', ''''), '\\', '\')
    END;

CREATE TABLE paper_terms (
    lexeme       text NOT NULL,
    paper_id     bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    score        real NOT NULL,  -- ts_rank_cd(search_vector, sg_lexeme_query(lexeme))
    published_on date            -- the paper's
);

-- The rows of a paper's vector; `v` is detoasted once by the caller (see the triggers).
CREATE FUNCTION sg_paper_terms(v tsvector) RETURNS TABLE (lexeme text, score real)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT t.lexeme, ts_rank_cd(v, sg_lexeme_query(t.lexeme)) FROM unnest(v) AS t $$;

CREATE FUNCTION sg_paper_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO paper_terms (lexeme, paper_id, score, published_on)
    SELECT t.lexeme, n.id, t.score, n.published_on
    FROM (SELECT id, published_on, search_vector || ''::tsvector AS v FROM new_papers OFFSET 0) n,
         sg_paper_terms(n.v) t;
    RETURN NULL;
END $$;

CREATE FUNCTION sg_paper_terms_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.search_vector IS DISTINCT FROM NEW.search_vector THEN
        DELETE FROM paper_terms WHERE paper_id = OLD.id;
        INSERT INTO paper_terms (lexeme, paper_id, score, published_on)
        SELECT t.lexeme, NEW.id, t.score, NEW.published_on FROM sg_paper_terms(NEW.search_vector) t;
    ELSIF OLD.published_on IS DISTINCT FROM NEW.published_on THEN
        UPDATE paper_terms SET published_on = NEW.published_on WHERE paper_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER papers_terms_insert AFTER INSERT ON papers
    REFERENCING NEW TABLE AS new_papers FOR EACH STATEMENT EXECUTE FUNCTION sg_paper_terms_insert();
-- search_vector is set by the BEFORE trigger when the title or the abstract changes.
CREATE TRIGGER papers_terms_update AFTER UPDATE OF title, abstract, published_on, search_vector ON papers
    FOR EACH ROW
    WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector OR OLD.published_on IS DISTINCT FROM NEW.published_on)
    EXECUTE FUNCTION sg_paper_terms_update();

INSERT INTO paper_terms (lexeme, paper_id, score, published_on)
SELECT t.lexeme, n.id, t.score, n.published_on
FROM (SELECT id, published_on, search_vector || ''::tsvector AS v FROM papers OFFSET 0) n, sg_paper_terms(n.v) t;

-- A paper's rows, for the triggers and the cascade (a paper's lexemes are unique: no key needed).
CREATE INDEX paper_terms_paper ON paper_terms (paper_id);
CREATE INDEX paper_terms_rank ON paper_terms (lexeme, score DESC, paper_id DESC) INCLUDE (published_on);
ANALYZE paper_terms;
"""

DOWNGRADE = r"""
DROP TRIGGER IF EXISTS papers_terms_update ON papers;
DROP TRIGGER IF EXISTS papers_terms_insert ON papers;
DROP TABLE IF EXISTS paper_terms;
DROP FUNCTION IF EXISTS sg_paper_terms_update();
DROP FUNCTION IF EXISTS sg_paper_terms_insert();
DROP FUNCTION IF EXISTS sg_paper_terms(tsvector);
DROP FUNCTION IF EXISTS sg_query_lexeme(tsquery);
DROP FUNCTION IF EXISTS sg_lexeme_query(text);
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
