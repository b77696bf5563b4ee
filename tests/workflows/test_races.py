"""Update/cancel races on the time-skipping server: no handler may wait forever.

To put two messages in ONE workflow activation, the workflow worker is stopped (no cache, so
nothing sticks to it), the messages are sent while nobody polls, then a new worker takes them
in one workflow task. Activities run on a separate activity-only worker that stays up.

Each race runs under both orders in which the SDK may hand one activation's jobs to the
workflow: updates first (this release's default), and all jobs applied before any code runs
(its flag 2, announced as the next default), so an SDK upgrade cannot reopen a race.
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
from temporalio.worker._workflow_instance import _WorkflowLogicFlag

from kyc import policy
from kyc.types import (
    CancelRequest,
    DecideInput,
    Decision,
    DocumentCheck,
    DocumentOptions,
    RecordStatusInput,
    RecordStatusResult,
    ReviewDecision,
    ScreeningCheck,
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
SINGLE_BATCH = _WorkflowLogicFlag.PROCESS_WORKFLOW_ACTIVATION_JOBS_AS_SINGLE_BATCH


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
    # Apply every job of an activation before running workflow code (the SDK's flag 2, off by
    # default in this SDK release, announced as the next default): another order of handlers.
    single_batch: bool = False

    @asynccontextmanager
    async def workflow_worker(self) -> AsyncIterator[None]:
        worker = Worker(
            self.env.client,
            task_queue=self.queue,
            workflows=[VerificationWorkflow],
            max_cached_workflows=0,  # every task replays: nothing waits on a sticky queue
        )
        if self.single_batch:
            worker._set_default_workflow_logic_flag(SINGLE_BATCH, enabled=True)
        async with worker:
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


@pytest.mark.parametrize("order", ["updates_first", "single_batch"])
async def test_submit_and_cancel_in_one_activation(race: Callable[..., Any], order: str) -> None:
    script = race_script()
    run: Race = await race(script)
    run.single_batch = order == "single_batch"
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


@pytest.mark.parametrize("order", ["updates_first", "single_batch"])
async def test_review_and_cancel_in_one_activation(
    race: Callable[..., Any], env: WorkflowEnvironment, order: str
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
    run.single_batch = order == "single_batch"
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


# What `decide` (the attempt's last activity) concludes, and the options that lead there.
OUTCOMES = {
    "verified": ({}, {}),
    "requires_input": (
        {
            "document": DocumentCheck(
                status="unverified", error_code="document_expired", error_reason="expired"
            )
        },
        {},
    ),
    "requires_input_last_attempt": (
        {
            "document": DocumentCheck(
                status="unverified", error_code="document_expired", error_reason="expired"
            )
        },
        {"max_attempts": 1},
    ),
    "needs_review": (
        {"screening": ScreeningCheck(status="hit", hits=[_hit()])},
        {
            "options": SessionOptions(
                document=DocumentOptions(require_matching_selfie=True),
                screening=ScreeningOptions(enabled=True),
            )
        },
    ),
}


def completed(events: list[Any], activity_name: str) -> list[int]:
    """Indexes of the completions of `activity_name` in `events`."""
    scheduled = [
        e.event_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == activity_name
    ]
    return [
        i
        for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
        and e.activity_task_completed_event_attributes.scheduled_event_id in scheduled
    ]


async def completed_in_history(handle: WorkflowHandle[Any, Any], activity_name: str) -> None:
    """Wait until the server recorded the completion of `activity_name`."""
    for _ in range(100):
        if completed([e async for e in handle.fetch_history_events()], activity_name):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{activity_name} did not complete")


def in_one_task_with_the_update(events: list[Any], activity_name: str) -> bool:
    """Whether the completion of `activity_name` and the last accepted update were handed to
    the workflow in the same workflow task."""
    accepted = [
        i
        for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    between = events[completed(events, activity_name)[-1] : accepted[-1]]
    tasks = [e for e in between if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]
    return len(tasks) == 1  # the task that took the completion accepted the update


@pytest.mark.parametrize("order", ["updates_first", "single_batch"])
@pytest.mark.parametrize("outcome", list(OUTCOMES))
async def test_cancel_arriving_with_the_last_activity_result(
    race: Callable[..., Any], outcome: str, order: str
) -> None:
    # The cancel is accepted in the workflow task that also brings `decide`'s result. With the
    # SDK's legacy job order the update runs before the result is applied; with the single
    # batch order (a later SDK default) both are applied first, so the workflow sees a finished
    # attempt AND an accepted cancel: taking the result then left the cancel waiting forever.
    script_fields, options = OUTCOMES[outcome]
    script = race_script(**script_fields)
    script.gate.enabled = True
    run: Race = await race(script, **options)
    run.single_batch = order == "single_batch"
    async with run.workflow_worker():
        submitted = await run.handle.execute_update(VerificationWorkflow.submit, SUBMISSION)
        await asyncio.wait_for(script.gate.started.wait(), RACE_TIMEOUT)
    assert submitted.status == SessionStatus.processing
    # No workflow worker: the cancel waits in the server, then `decide` completes.
    cancel = asyncio.ensure_future(
        run.handle.execute_update(VerificationWorkflow.cancel, CancelRequest())
    )
    await asyncio.sleep(1.0)  # the server admits the cancel
    script.gate.release.set()
    await script.gate.done.wait()
    await completed_in_history(run.handle, "decide")
    async with run.workflow_worker():
        # Every handler returns (or fails) and the workflow closes: nothing waits forever.
        state = await asyncio.wait_for(cancel, RACE_TIMEOUT)
        result = await asyncio.wait_for(run.handle.result(), RACE_TIMEOUT)
    events = [e async for e in run.handle.fetch_history_events()]
    assert in_one_task_with_the_update(events, "decide")
    # The accepted cancel wins: its caller was told the session would be canceled.
    assert state.status == SessionStatus.canceled
    assert (result.status, result.last_error) == (SessionStatus.canceled, None)
    assert script.events == ["processing", "canceled"]
    assert events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED


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
