"""Institutions: look-up by id, the institutions named for papers, and the list of institutions by name."""

from __future__ import annotations

from collections.abc import Sequence

from api.db.keyset import Page, Window
from api.db.listing import Ordering, Params, SortKey
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


_BY_NAME = Ordering(
    "institutions:name", (SortKey("i.name_key", False, str, "text"), SortKey("i.id", False, int, "bigint"))
)


def search_condition(search: str | None, params: Params) -> str:
    """Institutions whose folded name contains `search` or is within typo distance of it."""
    if not search:
        return "TRUE"
    key = params.add(search, "text")
    return f"(i.name_key LIKE '%' || sg_name_key({key}) || '%' OR sg_name_key({key}) <% i.name_key)"


BY_NAME = _BY_NAME


async def list_institutions(db: Database, search: str | None, window: Window) -> Page[InstitutionRecord]:
    """Institutions by name; with `search`, those whose folded name contains it or is within typo distance."""
    params = Params()
    condition = search_condition(search, params)
    after = _BY_NAME.after_predicate(window, params)
    limit = params.add(window.first + 1, "integer")
    rows = await db.fetch(
        f"""
        SELECT page.*, {_BY_NAME.cursor("page")} AS cursor FROM (
            {_BY_NAME.page_sql("i.id, i.name, i.country_code", "institutions i", f"{condition} AND {after}", limit)}
        ) page ORDER BY {_BY_NAME.order_by("page")}
        """,
        *params.values,
    )
    items = [InstitutionRecord(id=row["id"], name=row["name"], country_code=row["country_code"]) for row in rows]
    return _BY_NAME.page(rows, items, window.first)


async def count_institutions(db: Database, search: str | None) -> int:
    if not search:
        count: int = await db.fetchval("SELECT count(*) FROM institutions")
        return count
    found: int = await db.fetchval(
        "SELECT count(*) FROM institutions i WHERE i.name_key LIKE '%' || sg_name_key($1) || '%' "
        "OR sg_name_key($1) <% i.name_key",
        search,
    )
    return found
