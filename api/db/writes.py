"""Writes the importers share: find-or-create and update-if-changed, each a single statement.

Every function takes a `Connection` inside the caller's transaction, so an import commits whole or not
at all. Updates only touch a row when a value differs, which is what makes a re-import a no-op (and
keeps `updated_at` meaningful for mirrors that follow changes).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from api.db.papers import NEWEST_KEY
from api.db.pool import Connection
from api.db.write_policy import PAPER_FIELDS, merged_paper_sql


@dataclass
class WriteStats:
    """What an import did, by kind of row: inserted and updated counts."""

    inserted: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "inserted": {kind: n for kind, n in sorted(self.inserted.items()) if n},
            "updated": {kind: n for kind, n in sorted(self.updated.items()) if n},
        }


async def holds_no_author(connection: Connection) -> bool:
    found: bool = await connection.fetchval("SELECT EXISTS (SELECT 1 FROM authors)")
    return not found


async def name_key(connection: Connection, text: str) -> str:
    key: str = await connection.fetchval("SELECT sg_name_key($1::text)", text)
    return key


async def authors_named(connection: Connection, name: str) -> list[int]:
    """Authors whose name has the same identity key as `name` (accents, case, punctuation folded)."""
    rows = await connection.fetch("SELECT id FROM authors WHERE name_key = sg_name_key($1) ORDER BY id", name)
    return [row["id"] for row in rows]


async def coauthors_by_name_key(connection: Connection, author_id: int) -> dict[str, int]:
    """The name keys of an author's coauthors (and the author's own), lowest id first on a tie."""
    rows = await connection.fetch(
        """
        SELECT DISTINCT ON (a.name_key) a.name_key, a.id
        FROM authorships me JOIN authorships co ON co.paper_id = me.paper_id
        JOIN authors a ON a.id = co.author_id
        WHERE me.author_id = $1
        ORDER BY a.name_key, a.id
        """,
        author_id,
    )
    return {row["name_key"]: row["id"] for row in rows}


async def author_names(connection: Connection, author_ids: Sequence[int]) -> dict[int, str]:
    rows = await connection.fetch("SELECT id, name FROM authors WHERE id = ANY($1::bigint[])", list(author_ids))
    return {row["id"]: row["name"] for row in rows}


async def create_author(connection: Connection, stats: WriteStats, name: str) -> int:
    author_id: int = await connection.fetchval("INSERT INTO authors (name) VALUES ($1) RETURNING id", name)
    stats.inserted["authors"] += 1
    return author_id


async def update_author(
    connection: Connection, stats: WriteStats, author_id: int, *, name: str, primary_category: str | None
) -> None:
    """Set the display name and (when given) the primary category, if they differ."""
    status = await connection.execute(
        """
        UPDATE authors SET name = $2, primary_category = coalesce($3, primary_category)
        WHERE id = $1 AND (name, primary_category) IS DISTINCT FROM ($2, coalesce($3, primary_category))
        """,
        author_id,
        name,
        primary_category,
    )
    stats.updated["authors"] += _affected(status)


async def papers_by_title(connection: Connection, title: str, year: int | None) -> list[int]:
    """Papers with the same normalised title and, when both are known, the same year."""
    rows = await connection.fetch(
        """
        SELECT id FROM papers
        WHERE title_key = sg_name_key($1) AND ($2::int IS NULL OR published_year IS NULL OR published_year = $2)
        ORDER BY id
        """,
        title,
        year,
    )
    return [row["id"] for row in rows]


@dataclass(frozen=True)
class PaperFields:
    title: str
    abstract: str | None
    primary_category: str | None
    categories: Sequence[str]
    published_on: dt.date | None
    published_precision: str | None
    has_code: bool
    authors_complete: bool
    code_url: str | None = None
    reported_citation_count: int | None = None


_PAPER_VALUES = ", ".join(PAPER_FIELDS)


def _paper_args(fields: PaperFields) -> tuple[object, ...]:
    """The fields' values in PAPER_FIELDS order."""
    return (
        fields.title,
        fields.abstract,
        fields.primary_category,
        list(fields.categories),
        fields.published_on,
        fields.published_precision,
        fields.code_url,
        fields.has_code,
        fields.authors_complete,
        fields.reported_citation_count,
    )


async def insert_paper(connection: Connection, stats: WriteStats, fields: PaperFields) -> int:
    paper_id: int = await connection.fetchval(
        f"INSERT INTO papers ({_PAPER_VALUES}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        *_paper_args(fields),
    )
    stats.inserted["papers"] += 1
    return paper_id


# The source's fields ($2 …, in PAPER_FIELDS order) merged into the stored row: the write policy
# (api/db/write_policy.py), the bulk writer's too.
_SOURCE_TYPES = ("text", "text", "text", "text[]", "date", "text", "text", "boolean", "boolean", "int")
_MERGED_PAPER = merged_paper_sql(
    {name: f"${number}::{kind}" for number, (name, kind) in enumerate(zip(PAPER_FIELDS, _SOURCE_TYPES, strict=True), 2)}
)


async def update_paper(connection: Connection, stats: WriteStats, paper_id: int, fields: PaperFields) -> None:
    """Merge a source's view of a paper into the stored row (see _MERGED_PAPER); touch it only if it changes."""
    status = await connection.execute(
        f"""
        UPDATE papers SET ({_PAPER_VALUES}) = {_MERGED_PAPER}
        WHERE id = $1 AND ({_PAPER_VALUES}) IS DISTINCT FROM {_MERGED_PAPER}
        """,
        paper_id,
        *_paper_args(fields),
    )
    stats.updated["papers"] += _affected(status)


async def paper_date(connection: Connection, paper_id: int) -> tuple[dt.date | None, str | None]:
    """The stored publication date of a paper and its precision."""
    row = await connection.fetchrow("SELECT published_on, published_precision FROM papers WHERE id = $1", paper_id)
    return (row["published_on"], row["published_precision"]) if row else (None, None)


async def authorships_of_paper(connection: Connection, paper_id: int) -> dict[int, int | None]:
    """The paper's authors and their byline positions."""
    rows = await connection.fetch("SELECT author_id, position FROM authorships WHERE paper_id = $1", paper_id)
    return {row["author_id"]: row["position"] for row in rows}


async def add_authorship(
    connection: Connection,
    stats: WriteStats,
    paper_id: int,
    author_id: int,
    *,
    position: int | None,
    name_as_written: str,
) -> None:
    """Put the author on the paper's byline (after the authors already there), or fill in a position that
    was unknown. Counted as an inserted authorship, or an updated one."""
    inserted: bool | None = await connection.fetchval(
        """
        INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written)
        SELECT $1, $2, $3, coalesce(max(list_order), 0) + 1, $4 FROM authorships WHERE paper_id = $1
        ON CONFLICT (paper_id, author_id) DO UPDATE SET position = EXCLUDED.position
            WHERE authorships.position IS NULL AND EXCLUDED.position IS NOT NULL
        RETURNING (xmax = 0)
        """,
        paper_id,
        author_id,
        position,
        name_as_written,
    )
    if inserted is not None:
        (stats.inserted if inserted else stats.updated)["authorships"] += 1


async def institution_by_name(connection: Connection, stats: WriteStats, name: str) -> int:
    existing: int | None = await connection.fetchval(
        "SELECT id FROM institutions WHERE name_key = sg_name_key($1) ORDER BY id LIMIT 1", name
    )
    if existing is not None:
        return existing
    created: int = await connection.fetchval("INSERT INTO institutions (name) VALUES ($1) RETURNING id", name)
    stats.inserted["institutions"] += 1
    return created


async def link_paper_institution(connection: Connection, stats: WriteStats, paper_id: int, institution_id: int) -> None:
    status = await connection.execute(
        "INSERT INTO paper_institutions (paper_id, institution_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        paper_id,
        institution_id,
    )
    stats.inserted["paper_institutions"] += _affected(status)


@dataclass(frozen=True)
class ReportedFigures:
    h_index: int | None = None
    i10_index: int | None = None
    citation_count: int | None = None
    paper_count: int | None = None
    novelty: Decimal | None = None
    ai_score: Decimal | None = None


async def record_reported_metrics(
    connection: Connection,
    stats: WriteStats,
    author_id: int,
    source: str,
    as_of: dt.date,
    figures: ReportedFigures,
) -> None:
    """Store a source's figures for an author as of a date; a second identical report changes nothing."""
    values = (
        figures.h_index,
        figures.i10_index,
        figures.citation_count,
        figures.paper_count,
        figures.novelty,
        figures.ai_score,
    )
    inserted: bool | None = await connection.fetchval(
        """
        INSERT INTO author_reported_metrics AS m
            (author_id, source, as_of, h_index, i10_index, citation_count, paper_count, novelty, ai_score)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (author_id, source, as_of) DO UPDATE SET
            h_index = EXCLUDED.h_index, i10_index = EXCLUDED.i10_index,
            citation_count = EXCLUDED.citation_count, paper_count = EXCLUDED.paper_count,
            novelty = EXCLUDED.novelty, ai_score = EXCLUDED.ai_score, recorded_at = now()
        WHERE (m.h_index, m.i10_index, m.citation_count, m.paper_count, m.novelty, m.ai_score)
              IS DISTINCT FROM (EXCLUDED.h_index, EXCLUDED.i10_index, EXCLUDED.citation_count,
                                EXCLUDED.paper_count, EXCLUDED.novelty, EXCLUDED.ai_score)
        RETURNING (xmax = 0)
        """,
        author_id,
        source,
        as_of,
        *values,
    )
    if inserted is not None:  # None: an identical report was already stored
        (stats.inserted if inserted else stats.updated)["author_reported_metrics"] += 1


async def add_citations(connection: Connection, stats: WriteStats, pairs: Sequence[tuple[int, int]]) -> list[int]:
    """Store `(citing paper, cited paper)` links (a paper citing itself is ignored); returns the cited papers
    whose counts changed, for the caller to refresh (`metrics.refresh_paper_citation_counts`)."""
    rows = await connection.fetch(
        f"""
        INSERT INTO citations (citing_paper_id, cited_paper_id, citing_newest_key)
        SELECT link.citing, link.cited, {NEWEST_KEY}
        FROM unnest($1::bigint[], $2::bigint[]) AS link(citing, cited) LEFT JOIN papers p ON p.id = link.citing
        WHERE link.citing <> link.cited
        ON CONFLICT DO NOTHING
        RETURNING cited_paper_id
        """,
        [citing for citing, _ in pairs],
        [cited for _, cited in pairs],
    )
    stats.inserted["citations"] += len(rows)
    return sorted({row["cited_paper_id"] for row in rows})


async def authors_of_papers(connection: Connection, paper_ids: Sequence[int]) -> list[int]:
    rows = await connection.fetch(
        "SELECT DISTINCT author_id FROM authorships WHERE paper_id = ANY($1::bigint[]) ORDER BY author_id",
        list(paper_ids),
    )
    return [row["author_id"] for row in rows]


def _affected(status: str) -> int:
    """The row count at the end of a command tag such as 'UPDATE 1' or 'INSERT 0 1'."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
