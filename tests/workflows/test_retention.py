"""Retention: RetentionWorkflow on the time-skipping server with the real activity (database,
sealed object store), and the worker's `kyc-retention` schedule on the dev server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio import activity
from temporalio.client import ScheduleActionStartWorkflow, ScheduleOverlapPolicy
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.retention import DAY_S, RetentionActivities
from kyc.contracts import EventType
from kyc.crypto import SealedStore, generate_key
from kyc.db import webhooks
from kyc.db.engine import make_engine, session_scope
from kyc.db.ids import now
from kyc.db.personal import SessionPersonal, personal_of, seal_personal
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, VerificationSessionRow
from kyc.jobs import (
    RetentionInput,
    RetentionResult,
)
from kyc.types import (
    DeliverEventsInput,
)
from tests.activities.factories import new_session
from tests.api.api_helpers import MemoryStore
from workflows.event_delivery import EventDeliveryWorkflow
from workflows.retention import RetentionWorkflow

MASTER = generate_key()
SEALER = ColumnSealer(MASTER)
DAYS = 30


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@dataclass
class Stack:
    engine: Engine
    store: MemoryStore
    sealed: SealedStore
    platform_id: str

    def session(self, status: str, final_days_ago: float, *, review_pending: bool = False) -> str:
        """A session with personal data and one stored object, whose last status change was
        `final_days_ago` days ago."""
        _, session_id = new_session(self.engine, self.platform_id)
        with session_scope(self.engine) as db:
            row = db.get(VerificationSessionRow, session_id)
            assert row is not None
            row.status = status
            row.updated = now() - int(final_days_ago * DAY_S)
            personal = SessionPersonal(
                metadata={"user": "anna-eriksson"}, client_reference_id="ref-anna"
            )
            seal_personal(db, SEALER, row, personal)
            row.review_pending = review_pending
            db.add(row)
        self.sealed.put(session_id, "uploads/front", b"a document photo")
        return session_id

    def row(self, session_id: str) -> VerificationSessionRow:
        with session_scope(self.engine) as db:
            row = db.get(VerificationSessionRow, session_id)
            assert row is not None
            return row

    def personal(self, session_id: str) -> SessionPersonal:
        with session_scope(self.engine) as db:
            row = db.get(VerificationSessionRow, session_id)
            assert row is not None
            return personal_of(db, SEALER, row)

    def objects(self, session_id: str) -> list[str]:
        return [k for k in self.store.objects if k.startswith(f"sessions/{session_id}/")]

    def redacted_events(self, session_id: str) -> list[EventRow]:
        with session_scope(self.engine) as db:
            return list(
                db.exec(
                    select(EventRow).where(
                        EventRow.session_id == session_id, EventRow.type == EventType.REDACTED
                    )
                )
            )


@pytest.fixture
def stack(engine: Engine) -> Stack:
    _, any_session = new_session(engine)
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, any_session)
        assert row is not None
        platform_id = row.platform_id
    store = MemoryStore()
    return Stack(engine, store, SealedStore(store, MASTER), platform_id)  # type: ignore[arg-type]


async def test_sessions_past_retention_are_redacted_the_others_kept(
    env: WorkflowEnvironment, stack: Stack
) -> None:
    expired = [stack.session("verified", DAYS + 1), stack.session("canceled", DAYS + 5)]
    kept = [
        stack.session("verified", DAYS - 1),  # inside retention
        stack.session("requires_input", DAYS + 5),  # not final
        stack.session("needs_review", DAYS + 5),
        stack.session("verified", DAYS + 5, review_pending=True),  # a screening alert's case
    ]
    with session_scope(stack.engine) as db:  # the platform listens for redactions
        webhooks.create_webhook_endpoint(
            db,
            stack.platform_id,
            "https://hooks.example.com/",
            [EventType.REDACTED],
            livemode=False,
        )
    delivered: list[str] = []

    @activity.defn(name="deliver_events")
    async def deliver_events(input: DeliverEventsInput) -> None:
        delivered.extend(input.event_ids)

    queue = f"kyc-retention-{uuid.uuid4()}"
    retention = RetentionActivities(
        stack.engine, stack.sealed, env.client, sealer=SEALER, task_queue=queue
    )
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[RetentionWorkflow, EventDeliveryWorkflow],
        activities=[retention.redact_expired, deliver_events],
    ):
        result = await env.client.execute_workflow(
            RetentionWorkflow.run,
            RetentionInput(retention_days=DAYS, batch_size=2),  # several batches
            id=f"kyc-retention-{uuid.uuid4()}",
            task_queue=queue,
            result_type=RetentionResult,
        )
        assert (result.redacted, result.failed, result.more) == (2, 0, False)
        # The same redaction as the API's: fields, objects and the `redacted` event, delivered.
        for session_id in expired:
            row = stack.row(session_id)
            assert row.redaction_status == "redacted"
            assert row.personal_sealed is None and row.client_reference_key is None
            assert stack.personal(session_id) == SessionPersonal()
            assert stack.objects(session_id) == []
            [event] = stack.redacted_events(session_id)
            assert "anna" not in str(event.data)
            handle = env.client.get_workflow_handle(f"deliver_{event.id}")
            await handle.result()
            assert event.id in delivered
        for session_id in kept:
            row = stack.row(session_id)
            assert row.redaction_status is None
            assert stack.personal(session_id).metadata == {"user": "anna-eriksson"}
            assert stack.objects(session_id) != []
            assert stack.redacted_events(session_id) == []
        # A second run finds nothing more to do.
        again = await env.client.execute_workflow(
            RetentionWorkflow.run,
            RetentionInput(retention_days=DAYS),
            id=f"kyc-retention-{uuid.uuid4()}",
            task_queue=queue,
            result_type=RetentionResult,
        )
    assert (again.redacted, again.failed) == (0, 0)
    assert all(len(stack.redacted_events(s)) == 1 for s in expired)


async def test_a_redaction_that_failed_part_way_is_finished_by_the_next_run(
    env: WorkflowEnvironment, stack: Stack
) -> None:
    session_id = stack.session("verified", DAYS + 1)

    class FailingStore(MemoryStore):
        def delete(self, key: str) -> None:
            raise ConnectionError("object storage unavailable")

    broken = FailingStore()
    broken.objects = stack.store.objects
    failing = RetentionActivities(
        stack.engine, SealedStore(broken, MASTER), env.client, sealer=SEALER
    )  # type: ignore[arg-type]
    from temporalio.testing import ActivityEnvironment

    from kyc.jobs import (
        RetentionBatch,
    )

    batch = RetentionBatch(retention_days=DAYS, limit=100)
    first = await ActivityEnvironment().run(failing.redact_expired, batch)
    assert (first.redacted, first.failed) == (0, 1)
    assert stack.row(session_id).redaction_status == "processing"  # the fence is closed
    working = RetentionActivities(stack.engine, stack.sealed, env.client, sealer=SEALER)
    second = await ActivityEnvironment().run(working.redact_expired, batch)
    assert (second.redacted, second.failed) == (1, 0)
    assert stack.row(session_id).redaction_status == "redacted"
    assert stack.objects(session_id) == []


async def test_the_schedule_exists_only_while_retention_is_on(stack: Stack) -> None:
    """On the real dev server (the time-skipping one has no schedules)."""
    from kyc.settings import Settings
    from kyc.temporal import data_converter
    from tests.workflows.conftest import venv_binary
    from worker.main import RETENTION_INTERVAL, ensure_retention_schedule

    settings = Settings(task_queue=f"kyc-{uuid.uuid4()}")
    assert settings.retention_days == 0  # off by default
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_binary("temporal"),
        ui=False,
        data_converter=data_converter(""),
    ) as local:
        handle = local.client.get_schedule_handle("kyc-retention")
        await ensure_retention_schedule(local.client, settings)
        with pytest.raises(RPCError) as missing:
            await handle.describe()
        assert missing.value.status == RPCStatusCode.NOT_FOUND

        await ensure_retention_schedule(
            local.client, settings.model_copy(update={"retention_days": 90})
        )
        await ensure_retention_schedule(
            local.client, settings.model_copy(update={"retention_days": 30})
        )
        described = await handle.describe()  # created once, then brought up to date
        assert [i.every for i in described.schedule.spec.intervals] == [RETENTION_INTERVAL]
        assert timedelta(hours=1) == RETENTION_INTERVAL
        assert described.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.task_queue) == ("RetentionWorkflow", settings.task_queue)
        [arg] = await local.client.data_converter.decode(action.args, [RetentionInput])  # type: ignore[arg-type]
        assert arg == RetentionInput(retention_days=30)
        # A scheduled run redacts through the worker's activity.
        expired, kept = stack.session("verified", DAYS + 1), stack.session("verified", DAYS - 1)
        retention = RetentionActivities(stack.engine, stack.sealed, local.client, sealer=SEALER)
        async with Worker(
            local.client,
            task_queue=settings.task_queue,
            workflows=[RetentionWorkflow],
            activities=[retention.redact_expired],
        ):
            await handle.trigger()
            for _ in range(200):
                if stack.row(expired).redaction_status == "redacted":
                    break
                await asyncio.sleep(0.1)
        assert stack.row(expired).redaction_status == "redacted"
        assert stack.row(kept).redaction_status is None

        await ensure_retention_schedule(local.client, settings)  # turned off again: deleted
        with pytest.raises(RPCError) as deleted:
            await handle.describe()
        assert deleted.value.status == RPCStatusCode.NOT_FOUND
