"""The published contract in schema/ is exactly what the code exports: regenerate it when this fails
(`scholargraph export-schema`)."""

from __future__ import annotations

from pathlib import Path

from api.schema_export import graphql_sdl, openapi_json

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"


def test_schema_graphql_matches_the_code() -> None:
    committed = (SCHEMA_DIR / "schema.graphql").read_text(encoding="utf-8")
    assert committed == graphql_sdl(), "schema/schema.graphql drifted: run `scholargraph export-schema`"


def test_openapi_json_matches_the_code() -> None:
    committed = (SCHEMA_DIR / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_json(), "schema/openapi.json drifted: run `scholargraph export-schema`"


def test_every_type_and_field_of_the_graphql_schema_is_described() -> None:
    from graphql import GraphQLEnumType, GraphQLInterfaceType, GraphQLObjectType

    from api.graphql.schema import schema

    undescribed: list[str] = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID", "Date", "DateTime"}:
            continue
        if not graphql_type.description:
            undescribed.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            undescribed += [f"{name}.{field}" for field, f in graphql_type.fields.items() if not f.description]
        if isinstance(graphql_type, GraphQLEnumType):
            continue
    assert undescribed == []
