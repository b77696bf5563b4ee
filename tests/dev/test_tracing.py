"""Tracing (KYC_OTLP_TRACES_ENDPOINT): a client from kyc.temporal.connect(tracing=True) and a
worker on it produce one trace from the workflow start through the workflow to its activity."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from kyc import observability
from kyc.settings import Settings
from kyc.temporal import connect
from tests.api.conftest import venv_binary


@activity.defn
async def greet(name: str) -> str:
    return f"hello {name}"


@workflow.defn
class GreetWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            greet, name, start_to_close_timeout=timedelta(seconds=10)
        )


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)  # once per process: no other test sets one
    return exporter


@pytest.fixture(scope="module")
async def address() -> AsyncIterator[str]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_binary("temporal"), ui=False
    )
    try:
        yield env.client.service_client.config.target_host
    finally:
        await env.shutdown()


async def test_one_trace_from_start_to_activity(spans: InMemorySpanExporter, address: str) -> None:
    client = await connect(address, "default", "", tracing=True)
    queue = f"trace-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[GreetWorkflow],
        activities=[greet],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        result = await client.execute_workflow(
            GreetWorkflow.run, "kyc", id=f"wf-{queue}", task_queue=queue
        )
    assert result == "hello kyc"
    finished = spans.get_finished_spans()
    names = {s.name for s in finished}
    assert {
        "StartWorkflow:GreetWorkflow",
        "RunWorkflow:GreetWorkflow",
        "StartActivity:greet",
        "RunActivity:greet",
    } <= names, names
    assert len({s.context.trace_id for s in finished if s.name.endswith("greet")}) == 1
    start = next(s for s in finished if s.name == "StartWorkflow:GreetWorkflow")
    run = next(s for s in finished if s.name == "RunActivity:greet")
    assert run.context.trace_id == start.context.trace_id  # one trace, start to activity


def test_tracing_is_off_by_default() -> None:
    assert Settings().otlp_traces_endpoint == ""
    assert observability.setup_tracing("", "kycflow-test") is False
