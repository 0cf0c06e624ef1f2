"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis): for every operation,
generated requests, valid and invalid alike, sent over real HTTP to the service on the seed. No answer
may be a 5xx, every answer must match the document (its status, content type, headers and body), and a
request the document does not allow must be refused.

Left out: schemathesis's check that every request the document allows is accepted. An id parameter is a
string in the document, but only ids this service issued (or external ids) are well formed, which JSON
Schema cannot say; a malformed one is a 400 naming it (tests/rest/ check each such message).
Schemathesis is driven through hypothesis directly (its pytest plugin does not support this pytest)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance
from serving import ThreadedServer

from api.app import create_app
from api.db import api_keys
from api.db.pool import Database
from api.rest.openapi import openapi_document
from api.settings import Settings

EXAMPLES_PER_OPERATION = 40
"""Bounded, so the suite's time stays bounded; each run draws new cases."""

SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
WRITES = [operation for operation in OPERATIONS if operation.method.upper() in {"POST", "PATCH"}]


@pytest.fixture(scope="module")
def fuzzed_service(seeded_url: str) -> Iterator[ThreadedServer]:
    server = ThreadedServer(create_app(Settings(database_url=seeded_url, load_seed=False)))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def write_key(seeded_url: str) -> str:
    async def make() -> str:
        db = await Database.connect(seeded_url, min_size=1, max_size=1)
        try:
            return (await api_keys.create_key(db, "fuzzer", "write"))[1]
        finally:
            await db.close()

    return asyncio.run(make())


def test_every_operation_of_the_document_is_fuzzed() -> None:
    assert len(OPERATIONS) == sum(len(item) for item in openapi_document()["paths"].values())


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_no_request_makes_a_5xx_or_an_answer_the_document_does_not_describe(
    operation: schemathesis.APIOperation, fuzzed_service: ThreadedServer
) -> None:
    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=fuzzed_service.url, excluded_checks=[positive_data_acceptance])

    call()


@pytest.mark.parametrize("operation", WRITES, ids=[operation.label for operation in WRITES])
def test_no_write_with_a_write_key_makes_a_5xx_or_an_undocumented_answer(
    operation: schemathesis.APIOperation, fuzzed_service: ThreadedServer, write_key: str
) -> None:
    # Anonymous, every write above is a 403 before its body is read; with the key, the bodies are read,
    # checked and (when valid) written, on the module's database of its own.
    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        headers = {**(case.headers or {}), "Authorization": f"Bearer {write_key}"}
        case.call_and_validate(base_url=fuzzed_service.url, headers=headers, excluded_checks=[positive_data_acceptance])

    call()
