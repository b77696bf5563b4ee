"""A time-skipping Temporal test server per test (binary from the venv).

Per test, not per session: the server stops skipping time while any activity or workflow task
is handed to a worker, so a task left in flight by an earlier test's worker shutdown made a
later test's `env.sleep(23 h)` wait in real time until its RPC timed out (seen in CI). A server
starts in about 0.1 s."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from kyc.contracts import SEARCH_ATTRIBUTE_NEEDS_REVIEW, SEARCH_ATTRIBUTE_STATUS
from kyc.crypto import generate_key
from kyc.temporal import data_converter
from tests.db_fixtures import database_url  # noqa: F401  (retention tests use the database)


def venv_binary(name: str) -> str:
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing: it is installed by the temporal-*-bin packages")
    return found


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter(generate_key()),
        test_server_existing_path=venv_binary("temporal-test-server"),
    )
    await register_search_attributes(environment)
    try:
        yield environment
    finally:
        await environment.shutdown()


async def register_search_attributes(environment: WorkflowEnvironment) -> None:
    """The workflow upserts these; servers refuse undeclared ones (`kyc dev` declares them)."""
    await environment.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=environment.client.namespace,
            search_attributes={
                SEARCH_ATTRIBUTE_STATUS: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                SEARCH_ATTRIBUTE_NEEDS_REVIEW: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
            },
        )
    )
