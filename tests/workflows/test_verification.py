"""VerificationWorkflow on the time-skipping server, with activities replaced by recorders.

The replacements are registered under the real activity names; each scenario scripts what the
activities answer and asserts what the workflow did with it (statuses, events, errors, calls).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from kyc import policy
from kyc.types import (
    CancelRequest,
    CapturedImage,
    CaptureInput,
    CaptureResult,
    DecideInput,
    Decision,
    DeliverEventsInput,
    DocumentCheck,
    DocumentFields,
    DocumentOptions,
    ExtractInput,
    MatchInput,
    RecordStatusInput,
    RecordStatusResult,
    ReviewDecision,
    ScreeningCheck,
    ScreeningHit,
    ScreenInput,
    SelfieCheck,
    SessionOptions,
    SessionStatus,
    StoredFile,
    Submission,
    VerificationInput,
    VerificationResult,
)
from workflows.verification import VerificationWorkflow

VERIFIED_DOCUMENT = DocumentCheck(
    status="verified",
    document_type="passport",
    fields=DocumentFields(surname="ERIKSSON", given_names="ANNA", nationality="UTO"),
)


@dataclass
class Script:
    """What the fake activities answer, and what they were asked."""

    capture: Callable[[int], None] = lambda attempt: None  # raise to fail the capture
    document: DocumentCheck = field(default_factory=lambda: VERIFIED_DOCUMENT.model_copy())
    selfie: SelfieCheck = field(
        default_factory=lambda: SelfieCheck(status="verified", result="match", distance=0.3)
    )
    screening: ScreeningCheck = field(default_factory=lambda: ScreeningCheck(status="clear"))
    hold_extract: bool = False  # extract waits (heartbeating) until canceled
    calls: list[str] = field(default_factory=list)
    records: list[RecordStatusInput] = field(default_factory=list)
    capture_attempts: int = 0

    def activities(self) -> list[Callable[..., Any]]:
        script = self

        @activity.defn(name="capture")
        async def capture(input: CaptureInput) -> CaptureResult:
            script.calls.append("capture")
            script.capture_attempts += 1
            script.capture(activity.info().attempt)
            image = CapturedImage(key="k", sha256="0" * 64, width=1000, height=700)
            return CaptureResult(images={p: image for p in input.submission.files})

        @activity.defn(name="extract")
        async def extract(input: ExtractInput) -> DocumentCheck:
            script.calls.append("extract")
            if script.hold_extract:
                import asyncio

                while True:
                    activity.heartbeat()
                    await asyncio.sleep(0.1)
            return script.document

        @activity.defn(name="match")
        async def match(input: MatchInput) -> SelfieCheck:
            script.calls.append("match")
            return script.selfie

        @activity.defn(name="screen")
        async def screen(input: ScreenInput) -> ScreeningCheck:
            script.calls.append("screen")
            return script.screening

        @activity.defn(name="decide")
        async def decide(input: DecideInput) -> Decision:
            return policy.decide(input.report, input.options, input.screening_not_run_action)

        @activity.defn(name="record_status")
        async def record_status(input: RecordStatusInput) -> RecordStatusResult:
            script.records.append(input)
            return RecordStatusResult(event_ids=[])

        @activity.defn(name="deliver_events")
        async def deliver_events(input: DeliverEventsInput) -> None:
            return None

        return [capture, extract, match, screen, decide, record_status, deliver_events]

    @property
    def events(self) -> list[str]:
        return [r.event_type.removeprefix("identity.verification_session.") for r in self.records]


SUBMISSION = Submission(
    files={
        "document_front": StoredFile(key="f", sha256="0" * 64, size=1, content_type="image/png"),
        "selfie": StoredFile(key="s", sha256="0" * 64, size=1, content_type="image/png"),
    }
)


@dataclass
class Run:
    handle: WorkflowHandle[VerificationWorkflow, VerificationResult]
    script: Script

    async def submit(self) -> None:
        await self.handle.execute_update(VerificationWorkflow.submit, SUBMISSION)

    async def review(self, decision: str, reason: str | None = None) -> Any:
        return await self.handle.execute_update(
            VerificationWorkflow.review,
            ReviewDecision(decision=decision, reviewer_id="rev_1", reason=reason),  # type: ignore[arg-type]
        )

    async def result(self) -> VerificationResult:
        return await self.handle.result()


@pytest.fixture
async def start(env: WorkflowEnvironment) -> AsyncIterator[Callable[..., Any]]:
    workers: list[Worker] = []

    async def _start(script: Script, **overrides: Any) -> Run:
        queue = f"kyc-{uuid.uuid4()}"
        worker = Worker(
            env.client,
            task_queue=queue,
            workflows=[VerificationWorkflow],
            activities=script.activities(),
        )
        await worker.__aenter__()
        workers.append(worker)
        options = SessionOptions(document=DocumentOptions(require_matching_selfie=True))
        input = VerificationInput(
            session_id=f"vs_{uuid.uuid4().hex}",
            platform_id="acct_1",
            options=options,
            ml_task_queue=queue,
        ).model_copy(update=overrides)
        handle = await env.client.start_workflow(
            VerificationWorkflow.run, input, id=input.session_id, task_queue=queue
        )
        return Run(handle, script)

    yield _start
    for worker in workers:
        await worker.__aexit__(None, None, None)


async def test_verified_when_every_check_passes(start: Callable[..., Any]) -> None:
    run = await start(Script())
    await run.submit()
    result = await run.result()
    assert result.status == SessionStatus.verified
    assert run.script.calls == ["capture", "extract", "match", "screen"]
    assert run.script.events == ["processing", "verified"]
    assert run.script.records[-1].verified_identity is not None
    assert run.script.records[-1].verified_identity.surname == "ERIKSSON"


async def test_expires_after_24h_without_submission(
    env: WorkflowEnvironment, start: Callable[..., Any]
) -> None:
    run = await start(Script())
    await env.sleep(timedelta(hours=23))
    state = await run.handle.query(VerificationWorkflow.state)
    assert state.status == SessionStatus.requires_input
    await env.sleep(timedelta(hours=2))
    result = await run.result()
    assert result.status == SessionStatus.canceled
    assert result.last_error is not None and result.last_error.code == "abandoned"
    assert run.script.calls == []


async def test_review_times_out_after_72h_with_escalation_first(
    env: WorkflowEnvironment, start: Callable[..., Any]
) -> None:
    script = Script(selfie=SelfieCheck(status="inconclusive", result="inconclusive", distance=0.5))
    run = await start(script)
    await run.submit()
    await env.sleep(timedelta(hours=50))
    assert script.events == ["processing", "needs_review"]
    await env.sleep(timedelta(hours=5))  # past 75% of 72 h
    assert script.events == ["processing", "needs_review", "review_escalated"]
    result = await run.result()
    assert result.status == SessionStatus.canceled
    assert result.last_error is not None and result.last_error.code == "review_timed_out"
    final = script.records[-1]
    assert final.review_decision is not None
    assert final.review_decision.reviewer_id == "system:review_timeout"


async def test_reviewer_approves(start: Callable[..., Any]) -> None:
    script = Script(screening=ScreeningCheck(status="hit", hits=[_hit()]))
    run = await start(script)
    await run.submit()
    await _until_status(run, SessionStatus.needs_review)
    state = await run.handle.query(VerificationWorkflow.state)
    assert state.review_reasons == ["screening_hit"]
    outcome = await run.review("approve")
    assert outcome.status == SessionStatus.verified
    assert (await run.result()).status == SessionStatus.verified
    assert script.records[-1].review_decision is not None
    assert script.records[-1].review_decision.decision == "approve"


async def test_reviewer_rejects_with_reason(start: Callable[..., Any]) -> None:
    run = await start(Script(screening=ScreeningCheck(status="hit", hits=[_hit()])))
    await run.submit()
    await _until_status(run, SessionStatus.needs_review)
    outcome = await run.review("reject", reason="screening_match_confirmed")
    assert outcome.status == SessionStatus.canceled
    result = await run.result()
    assert result.last_error is not None
    assert result.last_error.code == "screening_match_confirmed"


async def test_reviewer_requests_resubmission_then_second_attempt_verifies(
    start: Callable[..., Any],
) -> None:
    script = Script(selfie=SelfieCheck(status="inconclusive", result="inconclusive", distance=0.5))
    run = await start(script)
    await run.submit()
    await _until_status(run, SessionStatus.needs_review)
    outcome = await run.review("request_resubmission")
    assert outcome.status == SessionStatus.requires_input
    await _until_status(run, SessionStatus.requires_input)
    script.selfie = SelfieCheck(status="verified", result="match", distance=0.2)
    await run.submit()
    result = await run.result()
    assert result.status == SessionStatus.verified
    assert result.attempts == 2
    assert script.events == [
        "processing",
        "needs_review",
        "requires_input",
        "processing",
        "verified",
    ]


async def test_review_update_refused_when_no_review_is_pending(start: Callable[..., Any]) -> None:
    run = await start(Script())
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await run.review("approve")
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "review_refused"


async def test_review_signal_with_no_pending_review_is_ignored(start: Callable[..., Any]) -> None:
    run = await start(Script())
    await run.handle.signal(
        VerificationWorkflow.review_signal, ReviewDecision(decision="approve", reviewer_id="op")
    )
    await run.submit()
    assert (await run.result()).status == SessionStatus.verified


async def test_review_signal_decides_a_pending_review(start: Callable[..., Any]) -> None:
    run = await start(Script(screening=ScreeningCheck(status="hit", hits=[_hit()])))
    await run.submit()
    await _until_status(run, SessionStatus.needs_review)
    await run.handle.signal(
        VerificationWorkflow.review_signal,
        ReviewDecision(decision="reject", reviewer_id="operator"),
    )
    result = await run.result()
    assert result.status == SessionStatus.canceled
    assert result.last_error is not None and result.last_error.code == "rejected_by_reviewer"


async def test_cancel_while_processing(start: Callable[..., Any]) -> None:
    script = Script(hold_extract=True)
    run = await start(script)
    await run.submit()
    await _until_step(run, "extract")
    state = await run.handle.execute_update(VerificationWorkflow.cancel, CancelRequest())
    assert state.status == SessionStatus.canceled
    result = await run.result()
    assert result.status == SessionStatus.canceled
    assert script.events[-1] == "canceled"


async def test_cancel_refused_once_final(start: Callable[..., Any]) -> None:
    run = await start(Script())
    await run.submit()
    await run.result()
    with pytest.raises(Exception):  # noqa: B017 - the workflow is closed: any update fails
        await run.handle.execute_update(VerificationWorkflow.cancel, CancelRequest())


async def test_submit_refused_while_processing(start: Callable[..., Any]) -> None:
    run = await start(Script(hold_extract=True))
    await run.submit()
    await _until_step(run, "extract")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await run.submit()
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "session_invalid_state"
    await run.handle.execute_update(VerificationWorkflow.cancel, CancelRequest())


async def test_transient_storage_failure_is_retried_to_success(start: Callable[..., Any]) -> None:
    def flaky(attempt: int) -> None:
        if attempt < 3:
            raise ApplicationError("storage unavailable", type="storage_unavailable")

    script = Script(capture=flaky)
    run = await start(script)
    await run.submit()
    assert (await run.result()).status == SessionStatus.verified
    assert script.capture_attempts == 3


async def test_bad_image_fails_fast_without_retry(start: Callable[..., Any]) -> None:
    def bad(attempt: int) -> None:
        raise ApplicationError(
            "The photo is too blurry", type="image_quality_insufficient", non_retryable=True
        )

    script = Script(capture=bad)
    run = await start(script)
    await run.submit()
    await _until_status(run, SessionStatus.requires_input, after_processing=True)
    state = await run.handle.query(VerificationWorkflow.state)
    assert state.last_error is not None
    assert state.last_error.code == "image_quality_insufficient"
    assert script.capture_attempts == 1
    assert script.calls == ["capture"]
    await run.handle.execute_update(VerificationWorkflow.cancel, CancelRequest())


async def test_max_attempts_reached_cancels(start: Callable[..., Any]) -> None:
    script = Script(
        document=DocumentCheck(
            status="unverified", error_code="document_expired", error_reason="expired"
        )
    )
    run = await start(script, max_attempts=2)
    await run.submit()
    await _until_status(run, SessionStatus.requires_input, after_processing=True)
    await run.submit()
    result = await run.result()
    assert result.status == SessionStatus.canceled
    assert result.attempts == 2
    assert result.last_error is not None and result.last_error.code == "document_expired"
    assert "maximum of 2 attempts" in result.last_error.reason


def _hit() -> ScreeningHit:
    return ScreeningHit(list="un", entity_id="QDi.1", name="SOMEONE LISTED", score=0.93)


async def _until_status(
    run: Run, status: SessionStatus, *, after_processing: bool = False, tries: int = 200
) -> None:
    import asyncio

    for _ in range(tries):
        state = await run.handle.query(VerificationWorkflow.state)
        if state.status == status and (not after_processing or state.attempt > 0):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached {status}; last state {state}")


async def _until_step(run: Run, step: str, tries: int = 200) -> None:
    import asyncio

    for _ in range(tries):
        state = await run.handle.query(VerificationWorkflow.state)
        if state.step == step:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached step {step}")


async def test_confirmed_screening_hit_rejects_with_its_code(start: Callable[..., Any]) -> None:
    script = Script(screening=ScreeningCheck(status="hit", hits=[_hit()]))
    run = await start(script)
    await run.submit()
    await _until_status(run, SessionStatus.needs_review)
    outcome = await run.handle.execute_update(
        VerificationWorkflow.review,
        ReviewDecision(
            decision="reject", reviewer_id="rev", screening_hits={"un:QDi.1": "confirmed"}
        ),
    )
    assert outcome.status == SessionStatus.canceled
    result = await run.result()
    assert result.last_error is not None
    assert result.last_error.code == "screening_match_confirmed"
    assert script.records[-1].review_decision is not None
    assert script.records[-1].review_decision.screening_hits == {"un:QDi.1": "confirmed"}


@pytest.mark.parametrize(
    ("decision", "problem"),
    [
        (
            ReviewDecision(
                decision="approve", reviewer_id="r", screening_hits={"un:QDi.1": "confirmed"}
            ),
            "can only be rejected",
        ),
        (
            ReviewDecision(
                decision="approve", reviewer_id="r", screening_hits={"un:OTHER": "false_positive"}
            ),
            "Not a pending screening hit: un:OTHER",
        ),
        (
            ReviewDecision(decision="reject", reviewer_id="r", reason="because"),
            "Unknown rejection reason",
        ),
    ],
)
async def test_contradictory_review_decisions_are_refused(
    start: Callable[..., Any], decision: ReviewDecision, problem: str
) -> None:
    run = await start(Script(screening=ScreeningCheck(status="hit", hits=[_hit()])))
    await run.submit()
    await _until_status(run, SessionStatus.needs_review)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await run.handle.execute_update(VerificationWorkflow.review, decision)
    assert isinstance(refused.value.cause, ApplicationError)
    assert problem in refused.value.cause.message
    outcome = await run.review("approve")  # the case is still open for a valid decision
    assert outcome.status == SessionStatus.verified


async def test_reviewer_not_on_the_session_list_is_refused(start: Callable[..., Any]) -> None:
    run = await start(
        Script(screening=ScreeningCheck(status="hit", hits=[_hit()])), reviewers=["rev_2"]
    )
    await run.submit()
    await _until_status(run, SessionStatus.needs_review)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await run.review("approve")  # decided by rev_1
    assert isinstance(refused.value.cause, ApplicationError)
    assert "may not decide" in refused.value.cause.message
