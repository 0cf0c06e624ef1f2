"""Corrections of authors: merge two into one, split papers off to another, undo a merge; and their history.

Each correction is one transaction that locks the authors it changes (in id order, so two corrections
never deadlock), moves what it moves, records what it moved (`evidence`), touches the `updated_at` of
every author and paper whose byline changed, and recomputes the computed figures of the authors it
changed before it commits: a reader never sees figures that disagree with the bylines.

- **merge** (`merge_authors`): the absorbed author's authorships, external ids and reported figures move
  to the survivor. Where both are on one paper, or both have figures of one source and date, the
  survivor's stay and the absorbed author's are set aside in the evidence. The absorbed row is deleted
  and its id redirects to the survivor (`author_redirects`, which reads follow), as do ids that
  redirected to it.
- **split** (`split_author`): the authorships of the given papers move to another author, existing or
  made for the occasion (named as given, or as the author is).
- **unmerge** (`unmerge_authors`): undoes a merge: the absorbed author comes back under its old id and
  name, with what moved away from it that the survivor still holds (what later corrections moved
  elsewhere stays there), and its redirect is gone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from api.db import idempotency
from api.db.drafts import check_name, check_reason
from api.db.idempotency import Claim, Outcome
from api.db.keyset import Page, Window, decode_cursor, page_from_rows
from api.db.metrics import refresh_computed_metrics
from api.db.pool import Connection, Database
from api.errors import InvalidInputError, NotFoundError

MAX_SPLIT_PAPERS = 1_000


@dataclass(frozen=True)
class CorrectionRecord:
    id: int
    kind: str
    author_id: int
    other_author_id: int
    made_by: str
    made_at: dt.datetime
    reason: str
    moved_paper_ids: tuple[int, ...]
    undoes: int | None
    undone_by: int | None

    @classmethod
    def from_row(cls, row: Any) -> CorrectionRecord:
        evidence = json.loads(row["evidence"]) if isinstance(row["evidence"], str) else row["evidence"]
        return cls(
            id=row["id"],
            kind=row["kind"],
            author_id=row["author_id"],
            other_author_id=row["other_author_id"],
            made_by=row["made_by"],
            made_at=row["made_at"],
            reason=row["reason"],
            moved_paper_ids=tuple(evidence.get("papers", ())),
            undoes=row["undoes"],
            undone_by=row["undone_by"],
        )


_COLUMNS = (
    "id, kind, author_id, other_author_id, made_by, made_at, reason, evidence::text AS evidence, undoes, undone_by"
)


async def _lock_authors(connection: Connection, roles: dict[str, int]) -> dict[int, str]:
    """The names of the authors, locked for this transaction; NotFoundError naming the role of one missing."""
    ids = sorted(set(roles.values()))
    rows = await connection.fetch(
        "SELECT id, name FROM authors WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", ids
    )
    names = {row["id"]: row["name"] for row in rows}
    for role, author_id in roles.items():
        if author_id not in names:
            raise NotFoundError(f"`{role}` names no stored author")
    return names


async def _touch_and_refresh(connection: Connection, author_ids: Sequence[int], paper_ids: Sequence[int]) -> None:
    await connection.execute("UPDATE authors SET updated_at = now() WHERE id = ANY($1::bigint[])", list(author_ids))
    await connection.execute("UPDATE papers SET updated_at = now() WHERE id = ANY($1::bigint[])", list(paper_ids))
    await refresh_computed_metrics(connection, author_ids)


async def _record(
    connection: Connection,
    kind: str,
    author_id: int,
    other_author_id: int,
    made_by: str,
    reason: str,
    evidence: dict[str, Any],
    undoes: int | None = None,
    *,
    claim: Claim | None = None,
) -> CorrectionRecord:
    row = await connection.fetchrow(
        f"""
        INSERT INTO corrections (kind, author_id, other_author_id, made_by, reason, evidence, undoes)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING {_COLUMNS}
        """,
        kind,
        author_id,
        other_author_id,
        made_by,
        reason,
        json.dumps(evidence),
        undoes,
    )
    assert row is not None
    record = CorrectionRecord.from_row(row)
    await idempotency.settle(connection, claim, Outcome(201, f"Correction:{record.id}"))
    return record


async def merge_authors(
    db: Database, survivor: int, absorbed: int, *, made_by: str, reason: str, claim: Claim | None = None
) -> CorrectionRecord:
    """Merge `absorbed` into `survivor` (one person stored twice)."""
    reason = check_reason(reason)
    if survivor == absorbed:
        raise InvalidInputError("an author cannot be merged into itself: `survivor` and `absorbed` are the same")
    async with db.transaction() as connection:
        await idempotency.claim(connection, claim)
        names = await _lock_authors(connection, {"survivor": survivor, "absorbed": absorbed})
        bylines = await connection.fetch(
            """
            SELECT a.paper_id, a.position, a.list_order, a.name_as_written, a.institution_id, a.affiliation,
                   EXISTS (SELECT 1 FROM authorships s WHERE s.paper_id = a.paper_id AND s.author_id = $2) AS shared
            FROM authorships a WHERE a.author_id = $1 ORDER BY a.paper_id
            """,
            absorbed,
            survivor,
        )
        figures = await connection.fetch(
            """
            SELECT r.source, r.as_of, to_jsonb(r) - 'author_id' AS row,
                   EXISTS (SELECT 1 FROM author_reported_metrics s
                           WHERE s.author_id = $2 AND s.source = r.source AND s.as_of = r.as_of) AS shared
            FROM author_reported_metrics r WHERE r.author_id = $1
            """,
            absorbed,
            survivor,
        )
        await connection.execute(
            "DELETE FROM authorships a WHERE a.author_id = $1 AND EXISTS "
            "(SELECT 1 FROM authorships s WHERE s.paper_id = a.paper_id AND s.author_id = $2)",
            absorbed,
            survivor,
        )
        await connection.execute("UPDATE authorships SET author_id = $2 WHERE author_id = $1", absorbed, survivor)
        ids = await connection.fetch(
            "UPDATE author_external_ids SET author_id = $2 WHERE author_id = $1 RETURNING scheme, value",
            absorbed,
            survivor,
        )
        await connection.execute(
            "DELETE FROM author_reported_metrics r WHERE r.author_id = $1 AND EXISTS (SELECT 1 FROM "
            "author_reported_metrics s WHERE s.author_id = $2 AND s.source = r.source AND s.as_of = r.as_of)",
            absorbed,
            survivor,
        )
        await connection.execute(
            "UPDATE author_reported_metrics SET author_id = $2 WHERE author_id = $1", absorbed, survivor
        )
        repointed = await connection.fetch(
            "UPDATE author_redirects SET new_id = $2 WHERE new_id = $1 RETURNING old_id", absorbed, survivor
        )
        await connection.execute(
            "INSERT INTO author_redirects (old_id, new_id) VALUES ($1, $2) "
            "ON CONFLICT (old_id) DO UPDATE SET new_id = EXCLUDED.new_id",
            absorbed,
            survivor,
        )
        await connection.execute("DELETE FROM authors WHERE id = $1", absorbed)
        papers = [row["paper_id"] for row in bylines]
        await _touch_and_refresh(connection, [survivor], papers)
        evidence = {
            "absorbed_name": names[absorbed],
            "papers": papers,
            "bylines": [{k: (v if k != "shared" else bool(v)) for k, v in row.items()} for row in bylines],
            "external_ids": [[row["scheme"], row["value"]] for row in ids],
            "figures": [
                {
                    "source": r["source"],
                    "as_of": r["as_of"].isoformat(),
                    "shared": r["shared"],
                    "row": json.loads(r["row"]),
                }
                for r in figures
            ],
            "redirects": [row["old_id"] for row in repointed],
        }
        return await _record(connection, "merge", survivor, absorbed, made_by, reason, evidence, claim=claim)


async def split_author(
    db: Database,
    author: int,
    paper_ids: Sequence[int],
    *,
    into: int | None,
    new_name: str | None,
    made_by: str,
    reason: str,
    claim: Claim | None = None,
) -> CorrectionRecord:
    """Move the authorships of `paper_ids` from `author` to `into`, or to a new author named `new_name`
    (the author's own name when None)."""
    reason = check_reason(reason)
    papers = list(dict.fromkeys(paper_ids))
    if not papers:
        raise InvalidInputError("`papers` must name at least one paper of the author")
    if len(papers) > MAX_SPLIT_PAPERS:
        raise InvalidInputError(f"`papers`: at most {MAX_SPLIT_PAPERS:,} per split (got {len(papers):,})")
    if into is not None and new_name is not None:
        raise InvalidInputError("give `into` (an existing author) or `newName` (a new one), not both")
    if into == author:
        raise InvalidInputError("`into` is the author the papers are taken from")
    async with db.transaction() as connection:
        await idempotency.claim(connection, claim)
        roles = {"author": author} if into is None else {"author": author, "into": into}
        names = await _lock_authors(connection, roles)
        mine = {
            row["paper_id"]
            for row in await connection.fetch(
                "SELECT paper_id FROM authorships WHERE author_id = $1 AND paper_id = ANY($2::bigint[])", author, papers
            )
        }
        foreign = [str(i) for i, p in enumerate(papers) if p not in mine]
        if foreign:
            raise InvalidInputError(f"`papers` at positions {', '.join(foreign[:20])} are not papers of the author")
        if into is not None:
            theirs = await connection.fetch(
                "SELECT paper_id FROM authorships WHERE author_id = $1 AND paper_id = ANY($2::bigint[])", into, papers
            )
            if theirs:
                shared = {row["paper_id"] for row in theirs}
                positions = [str(i) for i, p in enumerate(papers) if p in shared]
                raise InvalidInputError(
                    f"`into` is already an author of the papers at positions {', '.join(positions[:20])}: "
                    "merge the two authors instead"
                )
            target = into
        else:
            name = check_name(new_name or names[author], "new_name")
            target = await connection.fetchval("INSERT INTO authors (name) VALUES ($1) RETURNING id", name)
        await connection.execute(
            "UPDATE authorships SET author_id = $2 WHERE author_id = $1 AND paper_id = ANY($3::bigint[])",
            author,
            target,
            papers,
        )
        await _touch_and_refresh(connection, sorted({author, target}), papers)
        evidence = {"papers": papers, "created": into is None}
        return await _record(connection, "split", author, target, made_by, reason, evidence, claim=claim)


async def unmerge_authors(
    db: Database, correction_id: int, *, made_by: str, reason: str, claim: Claim | None = None
) -> CorrectionRecord:
    """Undo the merge `correction_id`."""
    reason = check_reason(reason)
    async with db.transaction() as connection:
        await idempotency.claim(connection, claim)
        merge = await connection.fetchrow(
            "SELECT id, kind, author_id, other_author_id, evidence::text AS evidence, undone_by "
            "FROM corrections WHERE id = $1 FOR UPDATE",
            correction_id,
        )
        if merge is None:
            raise NotFoundError("`correction` names no correction")
        if merge["kind"] != "merge":
            raise InvalidInputError(
                f"correction {correction_id} is a {merge['kind']}, not a merge: only merges are undone"
            )
        if merge["undone_by"] is not None:
            raise InvalidInputError(f"merge {correction_id} was undone already (by correction {merge['undone_by']})")
        survivor, absorbed = merge["author_id"], merge["other_author_id"]
        evidence = json.loads(merge["evidence"])
        try:
            await _lock_authors(connection, {"survivor": survivor})
        except NotFoundError:
            raise InvalidInputError(
                f"the survivor of merge {correction_id} has since been merged away: undo that merge first"
            ) from None
        await connection.execute(
            "INSERT INTO authors (id, name) OVERRIDING SYSTEM VALUE VALUES ($1, $2)",
            absorbed,
            evidence["absorbed_name"],
        )
        moved = [b["paper_id"] for b in evidence["bylines"] if not b["shared"]]
        await connection.execute(
            "UPDATE authorships SET author_id = $2 WHERE author_id = $1 AND paper_id = ANY($3::bigint[])",
            survivor,
            absorbed,
            moved,
        )
        for byline in (b for b in evidence["bylines"] if b["shared"]):
            await connection.execute(
                """
                INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written, institution_id,
                                         affiliation)
                SELECT p.id, $2, $3,
                       CASE WHEN EXISTS (SELECT 1 FROM authorships t WHERE t.paper_id = p.id AND t.list_order = $4)
                            THEN (SELECT max(list_order) + 1 FROM authorships t WHERE t.paper_id = p.id) ELSE $4 END,
                       $5, (SELECT id FROM institutions WHERE id = $6), $7
                FROM papers p WHERE p.id = $1
                ON CONFLICT (paper_id, author_id) DO NOTHING
                """,
                byline["paper_id"],
                absorbed,
                byline["position"],
                byline["list_order"],
                byline["name_as_written"],
                byline["institution_id"],
                byline["affiliation"],
            )
        for scheme, value in evidence["external_ids"]:
            await connection.execute(
                "UPDATE author_external_ids SET author_id = $3 WHERE scheme = $1 AND value = $2 AND author_id = $4",
                scheme,
                value,
                absorbed,
                survivor,
            )
        for figure in evidence["figures"]:
            if figure["shared"]:
                await connection.execute(
                    "INSERT INTO author_reported_metrics SELECT * FROM jsonb_populate_record("
                    "null::author_reported_metrics, $1::jsonb || jsonb_build_object('author_id', $2::bigint)) "
                    "ON CONFLICT DO NOTHING",
                    json.dumps(figure["row"]),
                    absorbed,
                )
            else:
                await connection.execute(
                    "UPDATE author_reported_metrics SET author_id = $3 WHERE author_id = $4 AND source = $1 "
                    "AND as_of = $2::date",
                    figure["source"],
                    dt.date.fromisoformat(figure["as_of"]),
                    absorbed,
                    survivor,
                )
        await connection.execute("DELETE FROM author_redirects WHERE old_id = $1", absorbed)
        await connection.execute(
            "UPDATE author_redirects SET new_id = $1 WHERE old_id = ANY($2::bigint[]) AND new_id = $3",
            absorbed,
            evidence["redirects"],
            survivor,
        )
        papers = [b["paper_id"] for b in evidence["bylines"]]
        await _touch_and_refresh(connection, sorted({survivor, absorbed}), papers)
        record = await _record(
            connection,
            "unmerge",
            absorbed,
            survivor,
            made_by,
            reason,
            {"papers": papers},
            undoes=correction_id,
            claim=claim,
        )
        await connection.execute("UPDATE corrections SET undone_by = $1 WHERE id = $2", record.id, correction_id)
        return record


async def corrections_by_ids(db: Database, ids: Sequence[int]) -> dict[int, CorrectionRecord]:
    rows = await db.fetch(f"SELECT {_COLUMNS} FROM corrections WHERE id = ANY($1::bigint[])", list(ids))
    return {row["id"]: CorrectionRecord.from_row(row) for row in rows}


ORDERING = "corrections"


async def list_corrections(db: Database, author_id: int | None, window: Window) -> Page[CorrectionRecord]:
    """Corrections newest first, of one author (as either party) or of all, keyset-paged."""
    before = decode_cursor(ORDERING, window.after, (int,))[0] if window.after else None
    rows = await db.fetch(
        f"""
        SELECT {_COLUMNS} FROM corrections
        WHERE ($1::bigint IS NULL OR author_id = $1 OR other_author_id = $1)
          AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3
        """,
        author_id,
        before,
        window.first + 1,
    )
    records = [CorrectionRecord.from_row(row) for row in rows]
    return page_from_rows(records, [(record.id,) for record in records], ORDERING, window.first)


async def count_corrections(db: Database, author_id: int | None) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM corrections WHERE $1::bigint IS NULL OR author_id = $1 OR other_author_id = $1",
        author_id,
    )
    return count
