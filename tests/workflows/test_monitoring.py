"""Ongoing monitoring on the time-skipping server: ScreeningMonitorWorkflow and
ScreeningAlertWorkflow with the real monitoring and record activities, a SQLite database and a
small real screening index (only webhook delivery is replaced)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio import activity
from temporalio.client import (
    ScheduleOverlapPolicy,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.status import StatusActivities
from kyc.db.engine import make_engine, session_scope
from kyc.db.migrate import upgrade
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import (
    EventRow,
    ReviewAuditRow,
    ScreeningAlertRow,
    ScreeningDispositionRow,
    VerificationSessionRow,
)
from kyc.jobs import (
    MonitorInput,
    MonitorResult,
    ScreeningAlertResult,
)
from kyc.screening.entities import BirthDate
from kyc.status import StatusRecorder
from kyc.types import (
    DeliverEventsInput,
    ReviewDecision,
    SessionStatus,
)
from tests.activities.test_monitoring import (
    MASTER,
    Lists,
    identity,
    monitoring,
    person,
    verified_session,
)
from workflows.monitoring import ScreeningMonitorWorkflow
from workflows.screening_alert import ScreeningAlertWorkflow
from workflows.verification import VerificationWorkflow

REVIEW_TIMEOUT_S = 72 * 3600
PETROV = person("QDi.7", "Ivan Sergeyevich PETROV", BirthDate(1970, 1, 1))
GONZALEZ = person("QDi.9", "Maria Elena GONZALEZ", BirthDate(1965))


@dataclass
class Stack:
    env: WorkflowEnvironment
    engine: Engine
    lists: Lists
    queue: str

    async def monitor(self) -> MonitorResult:
        # No time skipping while it runs: the alert reviews it starts must not escalate yet.
        with self.env.auto_time_skipping_disabled():
            return await self.env.client.execute_workflow(
                ScreeningMonitorWorkflow.run,
                MonitorInput(review_timeout_s=REVIEW_TIMEOUT_S, batch_size=2),
                id=f"monitor-{uuid.uuid4()}",
                task_queue=self.queue,
            )

    def session(self, session_id: str) -> VerificationSessionRow:
        with session_scope(self.engine) as db:
            row = db.get(VerificationSessionRow, session_id)
            assert row is not None
            return row

    def events(self, session_id: str) -> list[str]:
        """The session's event types, sorted (events of one second have no order)."""
        with session_scope(self.engine) as db:
            rows = db.exec(select(EventRow).order_by(EventRow.created, EventRow.id)).all()  # type: ignore[arg-type]
            return sorted(
                r.type.removeprefix("identity.verification_session.")
                for r in rows
                if r.data["object"]["id"] == session_id
            )

    def dispositions(self, session_id: str) -> dict[str, str]:
        with session_scope(self.engine) as db:
            rows = db.exec(
                select(ScreeningDispositionRow).where(
                    ScreeningDispositionRow.session_id == session_id
                )
            ).all()
            return {f"{r.list}:{r.entity_id}": r.disposition for r in rows}

    async def review(self, session_id: str, decision: ReviewDecision) -> Any:
        """As the API does it: the Update goes to the session's review workflow."""
        workflow_id = self.session(session_id).review_workflow_id or session_id
        handle = self.env.client.get_workflow_handle(workflow_id)
        return await handle.execute_update(VerificationWorkflow.review, decision)


@pytest.fixture
async def stack(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    url = f"sqlite:///{tmp_path / 'kyc.db'}"
    upgrade(url)
    engine = make_engine(url)
    lists = Lists()
    records = StatusActivities(StatusRecorder(engine, ColumnSealer(MASTER), MASTER))
    watch = monitoring(engine, lists, env.client)

    @activity.defn(name="deliver_events")
    async def deliver_events(input: DeliverEventsInput) -> None:
        return None

    queue = f"kyc-{uuid.uuid4()}"
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[ScreeningMonitorWorkflow, ScreeningAlertWorkflow],
        activities=[
            watch.monitoring_plan,
            watch.rescreen_verified,
            watch.start_alert_reviews,
            watch.complete_monitoring,
            records.record_status,
            deliver_events,
        ],
    ):
        yield Stack(env, engine, lists, queue)
        await _terminate_alert_reviews(env, engine)
    engine.dispose()


async def _terminate_alert_reviews(env: WorkflowEnvironment, engine: Engine) -> None:
    """Alert reviews left waiting would stall time skipping for the tests that follow."""
    with session_scope(engine) as db:
        alerts = db.exec(select(ScreeningAlertRow)).all()
    for workflow_id in {f"alert_{a.session_id}_{a.snapshot_id}" for a in alerts}:
        handle = env.client.get_workflow_handle(workflow_id)
        with contextlib.suppress(RPCError):
            if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                continue
            if (await handle.query(ScreeningAlertWorkflow.state)).step == "done":
                await handle.result()  # decided: let it finish its webhook deliveries
            else:
                await handle.terminate("test over")


PETROV_ID = identity("IVAN", "PETROV", date(1970, 1, 1))
SMITH_ID = identity("ANNA", "SMITH", date(1990, 5, 5))


async def test_new_snapshot_alerts_a_newly_listed_verified_identity(stack: Stack) -> None:
    assert (await stack.monitor()).status == "no_snapshot"
    platform_id, petrov = await verified_session(stack.engine, PETROV_ID)
    _, smith = await verified_session(stack.engine, SMITH_ID, platform_id=platform_id)

    # The first snapshot ever imported counts as new; nobody verified is on it.
    stack.lists.publish(GONZALEZ)
    first = await stack.monitor()
    assert (first.status, first.sessions, first.alerts) == ("completed", 2, 0)
    assert (await stack.monitor()).status == "already_monitored"

    # PETROV gets listed.
    snapshot = stack.lists.publish(GONZALEZ, PETROV)
    result = await stack.monitor()
    assert (result.status, result.snapshot_id, result.alerts) == ("completed", snapshot, 1)
    row = stack.session(petrov)
    assert (row.status, row.review_pending, row.review_reasons) == (
        "verified",
        True,
        ["screening_alert"],
    )
    assert row.review_workflow_id == f"alert_{petrov}_{snapshot}"
    assert row.review_deadline is not None and row.review_since is not None
    assert row.review_deadline - row.review_since == REVIEW_TIMEOUT_S
    assert stack.events(petrov) == sorted(["verified", "screening_alert"])
    assert stack.events(smith) == sorted(["verified"])
    assert not stack.session(smith).review_pending

    # A later snapshot that still lists him raises nothing new.
    stack.lists.publish(GONZALEZ, PETROV, person("QDi.11", "Someone ELSE"))
    assert (await stack.monitor()).alerts == 0
    assert stack.events(petrov) == sorted(["verified", "screening_alert"])


async def test_a_hit_cleared_earlier_is_not_raised(stack: Stack) -> None:
    # Verified after a reviewer approved the session despite the QDi.7 hit.
    _, petrov = await verified_session(stack.engine, PETROV_ID, approved_hits=["QDi.7"])
    stack.lists.publish(GONZALEZ, PETROV)
    result = await stack.monitor()
    assert (result.status, result.alerts) == ("completed", 0)
    assert stack.events(petrov) == sorted(["verified"])
    assert stack.dispositions(petrov) == {"un:QDi.7": "false_positive"}


async def _alerted(stack: Stack) -> str:
    _, petrov = await verified_session(stack.engine, PETROV_ID)
    stack.lists.publish(PETROV)
    assert (await stack.monitor()).alerts == 1
    return petrov


def _decision(kind: str, **hits: str) -> ReviewDecision:
    verdicts = {f"un:{k.replace('_', '.')}": v for k, v in hits.items()}
    return ReviewDecision(decision=kind, reviewer_id="rev_1", screening_hits=verdicts)  # type: ignore[arg-type]


async def test_reviewer_approves_an_alert(stack: Stack) -> None:
    petrov = await _alerted(stack)
    workflow_id = stack.session(petrov).review_workflow_id
    outcome = await stack.review(petrov, _decision("approve"))
    assert (outcome.status, outcome.decided_by) == (SessionStatus.verified, "rev_1")
    result = await stack.env.client.get_workflow_handle(
        str(workflow_id), result_type=ScreeningAlertResult
    ).result()
    assert (result.status, result.decision) == (SessionStatus.verified, "approve")
    row = stack.session(petrov)
    assert (row.status, row.review_pending, row.review_workflow_id) == ("verified", False, None)
    assert stack.dispositions(petrov) == {"un:QDi.7": "false_positive"}
    assert stack.events(petrov) == sorted(["verified", "screening_alert"])
    with session_scope(stack.engine) as db:
        audit = db.exec(select(ReviewAuditRow).where(ReviewAuditRow.session_id == petrov)).all()
        assert [(a.decision, a.resulting_status) for a in audit] == [("approve", "verified")]
    # Cleared for this identity: not raised again by later snapshots.
    stack.lists.publish(PETROV, GONZALEZ)
    assert (await stack.monitor()).alerts == 0


async def test_reviewer_confirms_an_alert(stack: Stack) -> None:
    petrov = await _alerted(stack)
    outcome = await stack.review(petrov, _decision("reject", QDi_7="confirmed"))
    assert outcome.status == SessionStatus.canceled
    row = stack.session(petrov)
    assert (row.status, row.last_error_code, row.review_pending) == (
        "canceled",
        "screening_match_confirmed",
        False,
    )
    assert stack.events(petrov) == sorted(["verified", "screening_alert", "canceled"])
    assert stack.dispositions(petrov) == {"un:QDi.7": "confirmed"}


async def test_alert_review_refuses_wrong_decisions(stack: Stack) -> None:
    petrov = await _alerted(stack)
    refusals = [
        _decision("approve", QDi_7="confirmed"),
        _decision("reject", QDi_99="confirmed"),
        _decision("request_resubmission"),
    ]
    for decision in refusals:
        with pytest.raises(WorkflowUpdateFailedError):
            await stack.review(petrov, decision)
    assert stack.session(petrov).review_pending
    await stack.review(petrov, _decision("reject"))  # a rejection confirms every hit
    assert stack.dispositions(petrov) == {"un:QDi.7": "confirmed"}
    with pytest.raises(RPCError):  # the review is over: the session routes to itself again
        await stack.review(petrov, _decision("approve"))


async def test_alert_review_escalates_then_keeps_waiting(stack: Stack) -> None:
    petrov = await _alerted(stack)
    await stack.env.sleep(timedelta(seconds=REVIEW_TIMEOUT_S * 0.75 + 60))
    assert stack.events(petrov) == sorted(["verified", "screening_alert", "review_escalated"])
    await stack.env.sleep(timedelta(days=30))
    row = stack.session(petrov)
    assert (row.status, row.review_pending) == ("verified", True)
    assert stack.events(petrov) == sorted(["verified", "screening_alert", "review_escalated"])
    outcome = await stack.review(petrov, _decision("approve"))
    assert outcome.status == SessionStatus.verified


async def test_a_later_alert_takes_over_a_pending_one(stack: Stack) -> None:
    petrov = await _alerted(stack)
    earlier = stack.session(petrov).review_workflow_id
    stack.lists.publish(PETROV, person("QDe.1", "Ivan PETROV", BirthDate(1970, 1, 1)))
    assert (await stack.monitor()).alerts == 1
    later = stack.session(petrov).review_workflow_id
    assert later not in (None, earlier)
    await stack.review(petrov, _decision("approve"))
    assert stack.dispositions(petrov) == {
        "un:QDi.7": "false_positive",
        "un:QDe.1": "false_positive",
    }


async def test_worker_creates_the_schedule_and_lists_import_triggers_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """On the real dev server (the time-skipping one has no schedules)."""
    from kyc.screening.cli import _trigger_monitoring
    from kyc.settings import Settings
    from kyc.temporal import data_converter
    from tests.workflows.conftest import venv_binary
    from worker.main import ensure_monitor_schedule

    settings = Settings(monitoring_interval_s=600, task_queue=f"kyc-{uuid.uuid4()}")
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_binary("temporal"),
        ui=False,
        data_converter=data_converter(""),
    ) as local:
        await ensure_monitor_schedule(local.client, settings)
        await ensure_monitor_schedule(
            local.client, settings.model_copy(update={"monitoring_interval_s": 900})
        )  # idempotent: the second start updates it
        handle = local.client.get_schedule_handle("kyc-screening-monitor")
        described = await handle.describe()
        assert [i.every for i in described.schedule.spec.intervals] == [timedelta(seconds=900)]
        assert described.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP

        monkeypatch.setenv("KYC_TEMPORAL_ADDRESS", local.client.service_client.config.target_host)
        monkeypatch.setenv("KYC_STATE_DIR", str(tmp_path))
        await asyncio.to_thread(_trigger_monitoring)
        assert "triggered kyc-screening-monitor" in capsys.readouterr().err
        described = await handle.describe()
        assert described.info.num_actions == 1
    monkeypatch.setenv("KYC_TEMPORAL_ADDRESS", "127.0.0.1:1")
    await asyncio.to_thread(_trigger_monitoring)
    assert "Temporal not reachable" in capsys.readouterr().err
