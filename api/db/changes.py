"""The change feed: what changed in authors and papers since a moment, in the order it happened, so that a
mirror can stay exact without harvesting again.

Events, oldest first, keyset-paged by (moment, source, row):

    CREATED / UPDATED    an author or a paper, at its `updated_at` (CREATED while it was never updated since);
                         one event per row, its latest, so a mirror fetches the row as it is now
    MERGED_INTO          an author or a paper merged into another (by an import that found them one, or by a
                         correction): its id now names `other`; at the moment of the merge
    SPLIT_FROM           an author that received papers split from `other` (a correction)
    RETRACTED            a paper retracted (a write through the API), at its retraction; its UPDATED event
                         comes too

A transaction still writing holds back the feed at its start: every event at or after the start of the
oldest transaction that has written and not yet committed waits until it ends (`horizon`), since its
rows carry that moment but are not visible yet. So a mirror that pages to the end and comes back later
from its last cursor misses nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

from api.db.keyset import Page, Window, decode_cursor, encode_cursor
from api.db.pool import Database
from api.errors import InvalidInputError

ORDERING = "changes"
_BEFORE_ANY_ID = -1
_AFTER_ANY_ID = 2**63 - 1


class Source(IntEnum):
    """Where an event comes from; its rank orders events of one moment."""

    PAPERS = 1
    AUTHORS = 2
    PAPER_MERGES = 3
    AUTHOR_MERGES = 4
    SPLITS = 5
    RETRACTIONS = 6


@dataclass(frozen=True)
class ChangeRecord:
    at: dt.datetime
    entity: str  # "author" | "paper"
    row_id: int
    kind: str  # "created" | "updated" | "merged_into" | "split_from" | "retracted"
    other_id: int | None


_SOURCES = {
    Source.PAPERS: """
        SELECT updated_at AS at, {rank} AS rank, id AS key, 'paper' AS entity, id AS row_id,
               CASE WHEN created_at = updated_at THEN 'created' ELSE 'updated' END AS kind, NULL::bigint AS other_id
        FROM papers WHERE (updated_at, id) > ($1, {bound}) AND updated_at < $2
        ORDER BY updated_at, id LIMIT $3""",
    Source.AUTHORS: """
        SELECT updated_at, {rank}, id, 'author', id,
               CASE WHEN created_at = updated_at THEN 'created' ELSE 'updated' END, NULL::bigint
        FROM authors WHERE (updated_at, id) > ($1, {bound}) AND updated_at < $2
        ORDER BY updated_at, id LIMIT $3""",
    Source.PAPER_MERGES: """
        SELECT changed_at, {rank}, old_id, 'paper', old_id, 'merged_into', new_id
        FROM paper_redirects WHERE (changed_at, old_id) > ($1, {bound}) AND changed_at < $2
        ORDER BY changed_at, old_id LIMIT $3""",
    Source.AUTHOR_MERGES: """
        SELECT changed_at, {rank}, old_id, 'author', old_id, 'merged_into', new_id
        FROM author_redirects WHERE (changed_at, old_id) > ($1, {bound}) AND changed_at < $2
        ORDER BY changed_at, old_id LIMIT $3""",
    Source.SPLITS: """
        SELECT made_at, {rank}, id, 'author', other_author_id, 'split_from', author_id
        FROM corrections WHERE kind = 'split' AND (made_at, id) > ($1, {bound}) AND made_at < $2
        ORDER BY made_at, id LIMIT $3""",
    Source.RETRACTIONS: """
        SELECT retracted_at, {rank}, id, 'paper', id, 'retracted', NULL::bigint
        FROM papers WHERE retracted_at IS NOT NULL AND (retracted_at, id) > ($1, {bound}) AND retracted_at < $2
        ORDER BY retracted_at, id LIMIT $3""",
}

# The oldest start of a transaction that has written and not committed: its rows carry moments from then on.
_HORIZON = """
SELECT coalesce(min(xact_start), now()) FROM pg_stat_activity
WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
  AND xact_start IS NOT NULL
"""


def _bounds(rank: int, key: int) -> dict[Source, int]:
    """For each source, the row after which it continues, given the cursor's (rank, key) at its moment."""
    return {source: _BEFORE_ANY_ID if source > rank else key if source == rank else _AFTER_ANY_ID for source in Source}


async def list_changes(
    db: Database, since: dt.datetime | None, window: Window
) -> tuple[Page[ChangeRecord], dt.datetime]:
    """The events after the cursor `window.after` (else from `since`, else from the beginning), and the
    horizon: the moment up to which the feed is complete now."""
    if window.after:
        at_text, rank, key = decode_cursor(ORDERING, window.after, (str, int, int))
        try:
            start = dt.datetime.fromisoformat(str(at_text))
        except ValueError as error:
            raise InvalidInputError("malformed cursor: its moment is not a moment") from error
        bounds = _bounds(int(rank), int(key))  # type: ignore[arg-type]
    else:  # from `since` included: after (since, a row before any)
        start = since if since is not None else dt.datetime.min.replace(tzinfo=dt.UTC)
        bounds = _bounds(0, 0)
    sql = " UNION ALL ".join(
        f"({query.format(rank=int(source), bound=bounds[source])})" for source, query in _SOURCES.items()
    )
    async with db.connection() as connection:
        horizon: dt.datetime = await connection.fetchval(_HORIZON)
        rows = await connection.fetch(
            f"SELECT * FROM ({sql}) AS events ORDER BY at, rank, key LIMIT $3", start, horizon, window.first + 1
        )
    records = [ChangeRecord(row["at"], row["entity"], row["row_id"], row["kind"], row["other_id"]) for row in rows]
    cursors = [encode_cursor(ORDERING, (row["at"].isoformat(), row["rank"], row["key"])) for row in rows]
    page = Page(items=records[: window.first], cursors=cursors[: window.first], has_next=len(rows) > window.first)
    return page, horizon
