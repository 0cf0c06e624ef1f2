"""The published contract: the GraphQL SDL and the OpenAPI document, as files clients generate code from.

`scholargraph export-schema` writes them into schema/; a test fails when the committed files drift
from what the code would write.
"""

from __future__ import annotations

import json
from pathlib import Path

from api.graphql.schema import schema
from api.rest.openapi import openapi_document


def graphql_sdl() -> str:
    return schema.as_str() + "\n"


def openapi_json() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_schema_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("schema.graphql", graphql_sdl()), ("openapi.json", openapi_json())):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
