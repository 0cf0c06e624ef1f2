"""GraphQL answers without the limits' figures, for tests about something else.

Every GraphQL response carries `extensions.rateLimit` (tests/limits/ checks it); a test comparing a whole
answer to what it expects takes the figures out first, and only them.
"""

from __future__ import annotations

from typing import Any


def without_cost(document: dict[str, Any]) -> dict[str, Any]:
    extensions = document.get("extensions")
    assert isinstance(extensions, dict), document
    assert set(extensions) == {"rateLimit"}, document
    return {name: value for name, value in document.items() if name != "extensions"}
