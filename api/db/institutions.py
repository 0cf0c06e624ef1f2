"""Institutions: look-up by id and the institutions named for papers."""

from __future__ import annotations

from collections.abc import Sequence

from api.db.pool import Database
from api.db.records import InstitutionRecord


async def institutions_by_ids(db: Database, ids: Sequence[int]) -> dict[int, InstitutionRecord]:
    if not ids:
        return {}
    rows = await db.fetch("SELECT id, name, country_code FROM institutions WHERE id = ANY($1::bigint[])", list(ids))
    return {row["id"]: InstitutionRecord(**dict(row)) for row in rows}


async def institutions_of_papers(db: Database, paper_ids: Sequence[int]) -> dict[int, list[InstitutionRecord]]:
    """Institutions named for each paper, by its authors' affiliations or by the source, by name."""
    rows = await db.fetch(
        """
        SELECT DISTINCT ON (links.paper_id, i.name_key, i.id) links.paper_id, i.id, i.name, i.country_code
        FROM (
            SELECT paper_id, institution_id FROM paper_institutions WHERE paper_id = ANY($1::bigint[])
            UNION
            SELECT paper_id, institution_id FROM authorships
            WHERE paper_id = ANY($1::bigint[]) AND institution_id IS NOT NULL
        ) links
        JOIN institutions i ON i.id = links.institution_id
        ORDER BY links.paper_id, i.name_key, i.id
        """,
        list(paper_ids),
    )
    grouped: dict[int, list[InstitutionRecord]] = {paper_id: [] for paper_id in paper_ids}
    for row in rows:
        grouped[row["paper_id"]].append(
            InstitutionRecord(id=row["id"], name=row["name"], country_code=row["country_code"])
        )
    return grouped
