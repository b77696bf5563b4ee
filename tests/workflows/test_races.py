"""Update/cancel races on the time-skipping server: no handler may wait forever.

To put two messages in ONE workflow activation, the workflow worker is stopped (no cache, so
nothing sticks to it), the messages are sent while nobody polls, then a new worker takes them
in one workflow task. Activities run on a separate activity-only worker that stays up.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from kyc import policy
from kyc.types import (
    CancelRequest,
    DecideInput,
    Decision,
    DocumentOptions,
    RecordStatusInput,
    RecordStatusResult,
    ReviewDecision,
    ScreeningOptions,
    SessionOptions,
    SessionStatus,
    VerificationInput,
    VerificationResult,
)
from tests.workflows.test_verification import SUBMISSION, Script, _hit
from workflows.options import IO_RETRY
from workflows.verification import VerificationWorkflow

RACE_TIMEOUT = 30  # real seconds: a handler that waits forever fails the test instead of hanging


@dataclass
class Gate:
    """Holds `decide` (the last activity of an attempt) until released."""

    enabled: bool = False
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class RaceScript(Script):
    gate: Gate = field(default_factory=Gate)
    outage_until: timedelta = timedelta(0)  # record_status fails this long (workflow time)

    def activities(self) -> list[Callable[..., Any]]:
        script = self
        kept = [a for a in super().activities() if a.__name__ not in ("decide", "record_status")]

        @activity.defn(name="decide")
        async def decide(input: DecideInput) -> Decision:
            decision = policy.decide(input.report, input.options, input.screening_not_run_action)
            if script.gate.enabled:
                script.gate.started.set()
                await script.gate.release.wait()
                script.gate.done.set()
            return decision

        @activity.defn(name="record_status")
        async def record_status(input: RecordStatusInput) -> RecordStatusResult:
            # How long the outage has lasted when this attempt starts: the sum of the retry
            # policy's backoffs so far (the test server reports no per-attempt times).
            if backoff_before(activity.info().attempt) < script.outage_until:  # database down
                raise ApplicationError("database unavailable", type="database_unavailable")
            script.records.append(input)
            return RecordStatusResult(event_ids=[])

        return [*kept, decide, record_status]


def backoff_before(attempt: int) -> timedelta:
    first, cap = IO_RETRY.initial_interval, IO_RETRY.maximum_interval
    assert cap is not None
    waits = [min(first * IO_RETRY.backoff_coefficient**k, cap) for k in range(attempt - 1)]
    return sum(waits, timedelta(0))


def race_script(**kwargs: Any) -> RaceScript:
    return RaceScript(**kwargs)


@dataclass
class Race:
    env: WorkflowEnvironment
    queue: str
    handle: WorkflowHandle[VerificationWorkflow, VerificationResult]

    @asynccontextmanager
    async def workflow_worker(self) -> AsyncIterator[None]:
        async with Worker(
            self.env.client,
            task_queue=self.queue,
            workflows=[VerificationWorkflow],
            max_cached_workflows=0,  # every task replays: nothing waits on a sticky queue
        ):
            yield

    async def in_one_activation(self, *messages: Any) -> list[Any]:
        """Send `messages` (coroutines) while no workflow worker polls, then start one."""
        tasks = [asyncio.ensure_future(m) for m in messages]
        await asyncio.sleep(1.0)  # let the server admit every message
        async with self.workflow_worker():
            return await asyncio.wait_for(
                asyncio.gather(*tasks, return_exceptions=True), RACE_TIMEOUT
            )


@pytest.fixture
async def race(env: WorkflowEnvironment) -> AsyncIterator[Callable[..., Any]]:
    stack: list[Worker] = []

    async def _start(script: RaceScript, **options: Any) -> Race:
        queue = f"kyc-race-{uuid.uuid4()}"
        activities = Worker(env.client, task_queue=queue, activities=script.activities())
        await activities.__aenter__()
        stack.append(activities)
        input = VerificationInput(
            session_id=f"vs_{uuid.uuid4().hex}",
            platform_id="acct_1",
            options=SessionOptions(document=DocumentOptions(require_matching_selfie=True)),
            ml_task_queue=queue,
        ).model_copy(update=options)
        handle = await env.client.start_workflow(
            VerificationWorkflow.run, input, id=input.session_id, task_queue=queue
        )
        return Race(env, queue, handle)

    yield _start
    for worker in stack:
        await worker.__aexit__(None, None, None)


async def accepted_in_one_task(handle: WorkflowHandle[Any, Any], count: int) -> bool:
    """Whether the last `count` accepted updates were accepted by the same workflow task."""
    events = [e async for e in handle.fetch_history_events()]
    tasks = []
    for e in events:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            tasks.append(
                e.workflow_execution_update_accepted_event_attributes.accepted_request_sequencing_event_id
            )
    return len(tasks) >= count and len(set(tasks[-count:])) == 1


async def test_submit_and_cancel_in_one_activation(race: Callable[..., Any]) -> None:
    script = race_script()
    run: Race = await race(script)
    submitted, canceled = await run.in_one_activation(
        run.handle.execute_update(VerificationWorkflow.submit, SUBMISSION),
        run.handle.execute_update(VerificationWorkflow.cancel, CancelRequest()),
    )
    assert await accepted_in_one_task(run.handle, 2)
    # The cancel wins; the submission is refused instead of waiting forever.
    assert isinstance(submitted, WorkflowUpdateFailedError), submitted
    assert isinstance(submitted.cause, ApplicationError)
    assert submitted.cause.type == "session_invalid_state"
    assert not isinstance(canceled, BaseException), canceled
    assert canceled.status == SessionStatus.canceled
    async with run.workflow_worker():
        result = await asyncio.wait_for(run.handle.result(), RACE_TIMEOUT)
    assert result.status == SessionStatus.canceled
    assert script.events == ["canceled"]


async def test_review_and_cancel_in_one_activation(
    race: Callable[..., Any], env: WorkflowEnvironment
) -> None:
    script = race_script()
    script.screening = script.screening.model_copy(update={"status": "hit", "hits": [_hit()]})
    run: Race = await race(
        script,
        options=SessionOptions(
            document=DocumentOptions(require_matching_selfie=True),
            screening=ScreeningOptions(enabled=True),
        ),
    )
    async with run.workflow_worker():
        await run.handle.execute_update(VerificationWorkflow.submit, SUBMISSION)
        for _ in range(200):
            state = await run.handle.query(VerificationWorkflow.state)
            if state.review_pending:
                break
            await asyncio.sleep(0.05)
        assert state.review_pending
    decision = ReviewDecision(decision="approve", reviewer_id="rev_1")
    reviewed, canceled = await run.in_one_activation(
        run.handle.execute_update(VerificationWorkflow.review, decision),
        run.handle.execute_update(VerificationWorkflow.cancel, CancelRequest()),
    )
    assert await accepted_in_one_task(run.handle, 2)
    assert isinstance(reviewed, WorkflowUpdateFailedError), reviewed
    assert not isinstance(canceled, BaseException), canceled
    assert canceled.status == SessionStatus.canceled
    async with run.workflow_worker():
        result = await asyncio.wait_for(run.handle.result(), RACE_TIMEOUT)
    assert result.status == SessionStatus.canceled


async def test_cancel_arriving_with_the_last_activity_result(race: Callable[..., Any]) -> None:
    script = race_script()
    script.gate.enabled = True
    run: Race = await race(script)
    async with run.workflow_worker():
        await run.handle.execute_update(VerificationWorkflow.submit, SUBMISSION)
        await asyncio.wait_for(script.gate.started.wait(), RACE_TIMEOUT)
    # No workflow worker: the cancel waits in the server, then `decide` completes.
    cancel = asyncio.ensure_future(
        run.handle.execute_update(VerificationWorkflow.cancel, CancelRequest())
    )
    await asyncio.sleep(1.0)
    script.gate.release.set()
    await script.gate.done.wait()
    await asyncio.sleep(1.0)  # the completion reaches the server
    async with run.workflow_worker():
        state = await asyncio.wait_for(cancel, RACE_TIMEOUT)
        result = await asyncio.wait_for(run.handle.result(), RACE_TIMEOUT)
    assert state.status == SessionStatus.canceled
    assert result.status == SessionStatus.canceled
    assert script.events[-1] == "canceled"


async def test_a_twelve_minute_database_outage_delays_and_fails_nothing(
    race: Callable[..., Any],
) -> None:
    # record_status fails for 12 minutes of workflow time (time-skipped), for every status
    # change of every verification: all of them complete afterwards.
    script = race_script(outage_until=timedelta(minutes=12))
    runs: list[Race] = [await race(script) for _ in range(3)]
    async with AsyncExitStack() as workers:
        for run in runs:
            await workers.enter_async_context(run.workflow_worker())
        for run in runs:
            # Accepted only: the update completes once `processing` is recorded, after the
            # outage; time skips only while the client waits for a result.
            await run.handle.start_update(
                VerificationWorkflow.submit,
                SUBMISSION,
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            )
        results = [await asyncio.wait_for(r.handle.result(), 120) for r in runs]
    assert [r.status for r in results] == [SessionStatus.verified] * 3
    assert script.events.count("verified") == 3
