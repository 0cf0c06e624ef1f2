"""Import a researcher profile page (the seed's format) in one transaction.

Identity, since the format carries no ids:
- the profile owner is the author with the owner's name key who already authors one of the profile's
  papers, else the oldest author with that key, else a new author;
- a paper is the stored paper with the same normalised title and year (title alone when the page showed
  no year and the year was inferred from the snapshot date), preferring one the owner authors;
- a byline name is, by name key: the owner, else one of the owner's coauthors, else a name met earlier in
  the same file, else a new author. So 'Alberto González-Sanz' and 'Alberto Gonzalez-Sanz' are one author,
  and the display name keeps the spelling with the most accents.

The owner is an author of every paper on the profile; where "et al." hides the name, the owner is added
after the listed names with an unknown byline position. Reported figures are stored under `source` as of
the snapshot date and never overwrite computed ones. A re-import changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from api.db import writes
from api.db.import_lock import LockWait, take_import_lock
from api.db.metrics import refresh_computed_metrics
from api.db.pool import Connection, Database
from api.db.write_policy import best_spelling
from api.db.writes import PaperFields, WriteStats
from api.errors import IngestError, InputFormatError
from api.ingest.profile_format import Profile, ProfilePaper, parse_profile

DEFAULT_SOURCE = "profile-page"


@dataclass(frozen=True)
class ProfileImport:
    """What one profile import did."""

    path: str
    owner_id: int
    papers: int
    stats: WriteStats


def read_profile(path: Path, *, as_of: dt.date) -> Profile:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise IngestError(f"{path}: cannot read: {error.strerror or error}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputFormatError(str(path), line, "not valid UTF-8 text") from error
    return parse_profile(text, as_of=as_of, path=str(path))


async def import_profile(
    db: Database, path: Path, *, as_of: dt.date, source: str = DEFAULT_SOURCE, on_lock_wait: LockWait | None = None
) -> ProfileImport:
    """Parse the file, then write it whole or not at all (`on_lock_wait`: see take_import_lock)."""
    profile = read_profile(path, as_of=as_of)
    async with db.transaction() as connection:
        await take_import_lock(connection, on_wait=on_lock_wait)
        return await write_profile(connection, profile, path=str(path), as_of=as_of, source=source)


async def write_profile(
    connection: Connection, profile: Profile, *, path: str, as_of: dt.date, source: str
) -> ProfileImport:
    stats = WriteStats()
    owner_id = await _find_owner(connection, profile, stats)
    owner_key = await writes.name_key(connection, profile.name)
    known: dict[str, int] = await writes.coauthors_by_name_key(connection, owner_id)
    known[owner_key] = owner_id
    spellings: dict[int, set[str]] = {owner_id: {profile.name}}

    for paper in profile.papers:
        paper_id = await _upsert_paper(connection, stats, paper, owner_id)
        on_byline = await writes.authorships_of_paper(connection, paper_id)
        for position, name in enumerate(paper.byline, start=1):
            key = await writes.name_key(connection, name)
            if not key:
                raise InputFormatError(path, paper.line, f"byline name {name!r} has no letters")
            author_id = known.get(key)
            if author_id is None:
                author_id = await writes.create_author(connection, stats, name)
                known[key] = author_id
            spellings.setdefault(author_id, set()).add(name)
            if author_id not in on_byline or on_byline[author_id] is None:
                # New on this byline, or placed earlier behind "et al." and now shown at `position`.
                await writes.add_authorship(
                    connection, stats, paper_id, author_id, position=position, name_as_written=name
                )
                on_byline[author_id] = position
        if owner_id not in on_byline:
            # "et al." hides the owner: an author all the same, position unknown.
            await writes.add_authorship(
                connection, stats, paper_id, owner_id, position=None, name_as_written=profile.name
            )
        if paper.affiliation_tag:
            institution_id = await writes.institution_by_name(connection, stats, paper.affiliation_tag)
            await writes.link_paper_institution(connection, stats, paper_id, institution_id)

    # The stored name competes too: a later page without the accents must not remove them.
    for author_id, stored in (await writes.author_names(connection, list(spellings))).items():
        spellings[author_id].add(stored)
    for author_id, names in spellings.items():
        category = profile.primary_category if author_id == owner_id else None
        await writes.update_author(connection, stats, author_id, name=best_spelling(names), primary_category=category)

    reported = profile.reported
    figures = (reported.h_index, reported.citation_count, reported.paper_count, reported.novelty, reported.ai_score)
    if any(figure is not None for figure in figures):  # a page without figures reports nothing
        await writes.record_reported_metrics(
            connection,
            stats,
            owner_id,
            source,
            as_of,
            writes.ReportedFigures(
                h_index=reported.h_index,
                citation_count=reported.citation_count,
                paper_count=reported.paper_count,
                novelty=reported.novelty,
                ai_score=reported.ai_score,
            ),
        )
    await refresh_computed_metrics(connection, sorted(spellings))
    return ProfileImport(path=path, owner_id=owner_id, papers=len(profile.papers), stats=stats)


async def _find_owner(connection: Connection, profile: Profile, stats: WriteStats) -> int:
    candidates = await writes.authors_named(connection, profile.name)
    for candidate in candidates:
        for paper in profile.papers:
            year = None if paper.year_inferred else paper.published_on.year
            for paper_id in await writes.papers_by_title(connection, paper.title, year):
                if candidate in await writes.authorships_of_paper(connection, paper_id):
                    return candidate
    if candidates:
        return candidates[0]
    return await writes.create_author(connection, stats, profile.name)


async def _upsert_paper(connection: Connection, stats: WriteStats, paper: ProfilePaper, owner_id: int) -> int:
    fields = PaperFields(
        title=paper.title,
        abstract=paper.abstract,
        primary_category=paper.primary_category,
        categories=[paper.primary_category],
        published_on=paper.published_on,
        published_precision="day",
        has_code=paper.has_code,
        authors_complete=not paper.byline_truncated,
    )
    # A year the page did not show was inferred from the snapshot date: match on the title alone then,
    # and keep the date stored by an earlier import (a later snapshot would shift it by a year).
    year = None if paper.year_inferred else paper.published_on.year
    matches = await writes.papers_by_title(connection, paper.title, year)
    chosen = matches[0] if matches else None
    for paper_id in matches:
        if owner_id in await writes.authorships_of_paper(connection, paper_id):
            chosen = paper_id
            break
    if chosen is None:
        return await writes.insert_paper(connection, stats, fields)
    if paper.year_inferred:
        stored_on, stored_precision = await writes.paper_date(connection, chosen)
        if stored_on is not None:
            fields = dataclasses.replace(fields, published_on=stored_on, published_precision=stored_precision)
    await writes.update_paper(connection, stats, chosen, fields)
    return chosen
