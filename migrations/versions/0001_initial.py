"""The initial data model: authors, papers, authorships, institutions, citations, external ids, metrics.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Folding for matching and search: accents off, lower case. unaccent() is only STABLE (its dictionary
-- could change); naming the dictionary makes this IMMUTABLE in practice, so it can feed indexes.
CREATE FUNCTION sg_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, $1));

-- The identity key of a name or title: folded, punctuation and spacing collapsed to single spaces, so
-- 'Alberto González-Sanz' and 'Alberto Gonzalez-Sanz' share the key 'alberto gonzalez sanz'.
CREATE FUNCTION sg_name_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN btrim(regexp_replace(sg_fold($1), '[[:space:][:punct:]]+', ' ', 'g'));

CREATE FUNCTION sg_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TABLE institutions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (btrim(name) <> ''),
    name_key     text GENERATED ALWAYS AS (sg_name_key(name)) STORED,
    country_code text CHECK (country_code ~ '^[A-Z]{2}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX institutions_name_key ON institutions (name_key);

CREATE TABLE authors (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text NOT NULL CHECK (btrim(name) <> ''),
    name_key         text GENERATED ALWAYS AS (sg_name_key(name)) STORED,
    primary_category text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX authors_name_key ON authors (name_key);
CREATE INDEX authors_name_key_trgm ON authors USING gin (name_key gin_trgm_ops);
CREATE INDEX authors_updated_at ON authors (updated_at, id);

CREATE TABLE papers (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title                   text NOT NULL CHECK (btrim(title) <> ''),
    title_key               text GENERATED ALWAYS AS (sg_name_key(title)) STORED,
    abstract                text,
    primary_category        text,
    categories              text[] NOT NULL DEFAULT '{}',
    published_on            date,
    published_precision     text CHECK (published_precision IN ('day', 'month', 'year')),
    published_year          integer GENERATED ALWAYS AS (date_part('year', published_on)::integer) STORED,
    code_url                text,
    has_code                boolean NOT NULL DEFAULT false,
    authors_complete        boolean NOT NULL DEFAULT true,
    citation_count          integer NOT NULL DEFAULT 0 CHECK (citation_count >= 0),
    reported_citation_count integer CHECK (reported_citation_count >= 0),
    search_vector           tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, sg_fold(title)), 'A')
        || setweight(to_tsvector('english'::regconfig, sg_fold(coalesce(abstract, ''))), 'B')
    ) STORED,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((published_on IS NULL) = (published_precision IS NULL))
);
CREATE INDEX papers_title_key ON papers (title_key);
CREATE INDEX papers_published ON papers (published_on DESC NULLS LAST, id DESC);
CREATE INDEX papers_search ON papers USING gin (search_vector);
CREATE INDEX papers_updated_at ON papers (updated_at, id);

-- position: the 1-based place in the full byline, NULL when the source does not show it (a name hidden
-- behind "et al."). list_order orders the authors we know of: known positions first, then the others.
CREATE TABLE authorships (
    paper_id        bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    author_id       bigint NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    position        integer CHECK (position >= 1),
    list_order      integer NOT NULL CHECK (list_order >= 1),
    name_as_written text NOT NULL,
    institution_id  bigint REFERENCES institutions (id) ON DELETE SET NULL,
    affiliation     text,
    PRIMARY KEY (paper_id, author_id),
    UNIQUE (paper_id, list_order) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX authorships_author ON authorships (author_id, paper_id);
CREATE INDEX authorships_institution ON authorships (institution_id) WHERE institution_id IS NOT NULL;

-- Institutions a source names for a paper without saying which author they belong to.
CREATE TABLE paper_institutions (
    paper_id       bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    institution_id bigint NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    PRIMARY KEY (paper_id, institution_id)
);
CREATE INDEX paper_institutions_institution ON paper_institutions (institution_id, paper_id);

CREATE TABLE citations (
    citing_paper_id bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    cited_paper_id  bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    PRIMARY KEY (citing_paper_id, cited_paper_id),
    CHECK (citing_paper_id <> cited_paper_id)
);
CREATE INDEX citations_cited ON citations (cited_paper_id, citing_paper_id);

CREATE TABLE author_external_ids (
    scheme    text NOT NULL CHECK (scheme IN ('orcid', 'openalex', 's2')),
    value     text NOT NULL CHECK (btrim(value) <> ''),
    author_id bigint NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    PRIMARY KEY (scheme, value)
);
CREATE INDEX author_external_ids_author ON author_external_ids (author_id);

CREATE TABLE paper_external_ids (
    scheme   text NOT NULL CHECK (scheme IN ('doi', 'arxiv', 'openalex', 's2')),
    value    text NOT NULL CHECK (btrim(value) <> ''),
    paper_id bigint NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    PRIMARY KEY (scheme, value)
);
CREATE INDEX paper_external_ids_paper ON paper_external_ids (paper_id);

-- Figures a source reports for an author from its own, wider corpus; one row per source and date.
CREATE TABLE author_reported_metrics (
    author_id      bigint NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    source         text NOT NULL CHECK (btrim(source) <> ''),
    as_of          date NOT NULL,
    h_index        integer CHECK (h_index >= 0),
    i10_index      integer CHECK (i10_index >= 0),
    citation_count integer CHECK (citation_count >= 0),
    paper_count    integer CHECK (paper_count >= 0),
    novelty        numeric CHECK (novelty BETWEEN 0 AND 1),
    ai_score       numeric,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (author_id, source, as_of)
);

-- Figures derived from the stored graph, refreshed by every write that touches the author.
CREATE TABLE author_computed_metrics (
    author_id      bigint PRIMARY KEY REFERENCES authors (id) ON DELETE CASCADE,
    paper_count    integer NOT NULL,
    citation_count integer NOT NULL,
    h_index        integer NOT NULL,
    i10_index      integer NOT NULL,
    g_index        integer NOT NULL,
    first_year     integer,
    last_year      integer,
    computed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER institutions_touch BEFORE UPDATE ON institutions
    FOR EACH ROW EXECUTE FUNCTION sg_touch_updated_at();
CREATE TRIGGER authors_touch BEFORE UPDATE ON authors
    FOR EACH ROW EXECUTE FUNCTION sg_touch_updated_at();
CREATE TRIGGER papers_touch BEFORE UPDATE ON papers
    FOR EACH ROW EXECUTE FUNCTION sg_touch_updated_at();
"""

DOWNGRADE = """
DROP TABLE IF EXISTS author_computed_metrics, author_reported_metrics, paper_external_ids,
    author_external_ids, citations, paper_institutions, authorships, papers, authors, institutions;
DROP FUNCTION IF EXISTS sg_touch_updated_at(), sg_name_key(text), sg_fold(text);
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
