"""The bundled seed: the profile the service starts with, loaded into an empty database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from api.db import writes
from api.db.import_lock import take_import_lock
from api.db.pool import Database
from api.errors import ConfigurationError
from api.ingest.profile import ProfileImport, read_profile, write_profile

SEED_FILE = "profile-louis-bethune.txt"
# The day the bundled profile was captured: it dates the figures it reports and gives a year to the
# papers listed without one. Fixed, so the seed means the same whenever it is loaded.
SEED_AS_OF = dt.date(2026, 11, 27)
SEED_SOURCE = "profile-page"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def bundled_seed_path() -> Path:
    for folder in (_PACKAGE_DIR / "_bundled" / "seeds", _PACKAGE_DIR.parent / "seeds"):
        if (folder / SEED_FILE).exists():
            return folder / SEED_FILE
    raise ConfigurationError(f"the bundled seed {SEED_FILE} is missing from this installation")


async def load_seed_if_empty(db: Database) -> ProfileImport | None:
    """Load the seed unless the database already holds an author. Safe when several processes start."""
    path = bundled_seed_path()
    profile = read_profile(path, as_of=SEED_AS_OF)
    async with db.transaction() as connection:
        await take_import_lock(connection)
        if not await writes.holds_no_author(connection):
            return None
        return await write_profile(connection, profile, path=str(path), as_of=SEED_AS_OF, source=SEED_SOURCE)
