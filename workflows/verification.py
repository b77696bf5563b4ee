"""VerificationWorkflow: one durable workflow per verification session (id = session id).

Orchestration only: every piece of work is an activity referenced by name, so this module
imports nothing but temporalio, the standard library and `kyc.types`.

Lifecycle (DESIGN §4-5): wait for a submission (or cancel, or expiry) -> capture -> extract ->
match -> screen -> decide -> verified | requires_input (loop, up to max_attempts) |
needs_review (wait for a reviewer, escalate, time out to the default action).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from kyc.contracts import (
        ABANDONED,
        REVIEW_TIMED_OUT,
        REVIEWER_REASON_CODES,
        SEARCH_ATTRIBUTE_NEEDS_REVIEW,
        SEARCH_ATTRIBUTE_STATUS,
        EventType,
        WorkflowName,
        simulation_problem,
    )
    from kyc.types import (
        CancelRequest,
        CheckError,
        Decision,
        RecordStatusInput,
        ReviewDecision,
        ReviewOutcome,
        SessionStatus,
        Step,
        Submission,
        SubmitResult,
        VerificationInput,
        VerificationReport,
        VerificationResult,
        VerificationState,
    )

from workflows.options import Deliveries, record_status
from workflows.pipeline import verify_attempt
from workflows.review_rules import hit_verdict_problem, review_result, wait_for

KYC_STATUS = SearchAttributeKey.for_keyword(SEARCH_ATTRIBUTE_STATUS)
KYC_NEEDS_REVIEW = SearchAttributeKey.for_bool(SEARCH_ATTRIBUTE_NEEDS_REVIEW)


class _Canceled(Exception):
    """Internal: a cancel request interrupted processing."""


@workflow.defn(name=WorkflowName.VERIFICATION)
class VerificationWorkflow:
    @workflow.init
    def __init__(self, input: VerificationInput) -> None:
        # Set here, not in run(): an update can arrive in the same activation as the start.
        self._input = input
        self._state = VerificationState()
        self._submission: Submission | None = None
        self._cancel: CancelRequest | None = None
        self._review: ReviewDecision | None = None
        self._review_outcome: ReviewOutcome | None = None
        self._deliveries = Deliveries()
        # The review decision to write to the audit trail with the next status change.
        self._decided: ReviewDecision | None = None
        self._pending_hits: set[str] = set()  # "<list>:<entity_id>" of the hits under review
        # The final status is persisted: every waiting update handler may return (or fail).
        self._closed = False

    # --- messages --------------------------------------------------------------------------

    @workflow.query
    def state(self) -> VerificationState:
        """The live state: status, current step, per-check results. Never any PII."""
        return self._state

    @workflow.update
    async def submit(self, submission: Submission) -> SubmitResult:
        """Start processing one attempt's files; refused unless the session awaits input, and
        failed when a cancel (or the expiry) closes the session before the files are taken."""
        self._submission = submission
        await workflow.wait_condition(lambda: self._submission is not submission or self._closed)
        if self._submission is submission:
            raise ApplicationError(
                f"The session was {self._state.status.value} before the submission was taken.",
                type="session_invalid_state",
            )
        return SubmitResult(attempt=self._state.attempt, status=self._state.status)

    @submit.validator
    def _validate_submit(self, submission: Submission) -> None:
        if self._state.step != "awaiting_input" or self._submission is not None:
            raise ApplicationError(
                f"The session is {self._state.status.value} and cannot take a submission now.",
                type="session_invalid_state",
            )
        if submission.simulate is not None:
            self._validate_simulation(submission.simulate)
            return  # a simulation reads no file: none is required
        if "document_front" not in submission.files:
            raise ApplicationError(
                "A document_front file is required.", type="document_front_missing"
            )
        if self._input.options.document.require_matching_selfie and (
            "selfie" not in submission.files
        ):
            raise ApplicationError("This session requires a selfie file.", type="selfie_missing")

    def _validate_simulation(self, outcome: str) -> None:
        """Test mode only, and an outcome this session's options can reach (kyc.contracts)."""
        input = self._input
        if input.livemode:
            raise ApplicationError(
                "simulate is only accepted in test mode.", type="parameter_unknown"
            )
        problem = simulation_problem(
            outcome,
            selfie=input.options.document.require_matching_selfie,
            screening=input.options.screening.enabled,
            review_unscreened=input.screening_not_run_action == "review",
        )
        if problem:
            raise ApplicationError(problem, type="parameter_invalid")

    @workflow.update
    async def review(self, decision: ReviewDecision) -> ReviewOutcome:
        """A reviewer's decision; returns the status it led to, or fails when a cancel closed
        the session first (both in one activation: the cancel wins)."""
        self._review = decision
        self._review_outcome = None
        await workflow.wait_condition(lambda: self._review_outcome is not None or self._closed)
        if self._review_outcome is None:
            raise ApplicationError(
                f"The session was {self._state.status.value} before the decision was applied.",
                type="session_invalid_state",
            )
        return self._review_outcome

    @review.validator
    def _validate_review(self, decision: ReviewDecision) -> None:
        problem = self._review_problem(decision)
        if problem:
            raise ApplicationError(problem, type="review_refused")

    @workflow.signal
    def review_signal(self, decision: ReviewDecision) -> None:
        """The same decision as a Signal (Temporal UI / CLI); invalid ones are logged, ignored."""
        problem = self._review_problem(decision)
        if problem:
            workflow.logger.warning("Ignored review signal: %s", problem)
            return
        self._review = decision

    @workflow.update
    async def cancel(self, request: CancelRequest) -> VerificationState:
        """Cancel the session in any non-final state; returns the final state once it is
        persisted (so the caller's next read sees it). Waits for the close, not for `canceled`:
        whatever ends the workflow, the handler returns."""
        self._cancel = request
        await workflow.wait_condition(lambda: self._closed)
        if self._state.status != SessionStatus.canceled:
            raise ApplicationError(
                f"The session is already {self._state.status.value}.",
                type="session_invalid_state",
            )
        return self._state

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        if self._state.status.is_final or self._state.step == "done":
            raise ApplicationError(
                f"The session is already {self._state.status.value}.",
                type="session_invalid_state",
            )

    def _review_problem(self, decision: ReviewDecision) -> str | None:
        if not self._state.review_pending or self._review is not None:
            return "No review is pending for this session."
        if self._input.reviewers and decision.reviewer_id not in self._input.reviewers:
            return f"Reviewer {decision.reviewer_id!r} may not decide this session."
        if (
            decision.decision == "reject"
            and decision.reason
            and decision.reason not in REVIEWER_REASON_CODES
        ):
            return f"Unknown rejection reason {decision.reason!r}."
        return hit_verdict_problem(decision, self._pending_hits)

    # --- main loop -------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: VerificationInput) -> VerificationResult:
        last_error: CheckError | None = None
        while True:
            self._state.step = "awaiting_input"
            got_input = await wait_for(
                lambda: self._submission is not None or self._cancel is not None,
                timedelta(seconds=input.expires_after_s),
            )
            if self._cancel is not None:
                return await self._finish(SessionStatus.canceled, None)
            if not got_input:
                return await self._finish(
                    SessionStatus.canceled,
                    CheckError(code=ABANDONED, reason="The session expired without a submission."),
                )
            submission = self._submission
            assert submission is not None
            self._state.attempt += 1
            self._state.last_error = None
            self._state.checks = {}
            await self._record(SessionStatus.processing, EventType.PROCESSING, step="capture")
            self._submission = None  # lets the `submit` update return

            try:
                report = await self._until_canceled(verify_attempt(input, submission, self._state))
            except _Canceled:
                return await self._finish(SessionStatus.canceled, None)

            decision = report.decision
            assert decision is not None
            if decision.status == "verified":
                return await self._finish(SessionStatus.verified, None, report)
            if decision.status == "needs_review":
                outcome = await self._await_review(report, decision)
                if outcome is None:  # canceled while waiting
                    return await self._finish(SessionStatus.canceled, None)
                status, last_error = outcome
                if status != SessionStatus.requires_input:
                    return await self._finish(status, last_error, report)
            else:
                last_error = decision.error

            assert last_error is not None
            if self._state.attempt >= input.max_attempts:
                reason = f"{last_error.reason} (maximum of {input.max_attempts} attempts reached)"
                return await self._finish(
                    SessionStatus.canceled, CheckError(code=last_error.code, reason=reason), report
                )
            await self._record(
                SessionStatus.requires_input,
                EventType.REQUIRES_INPUT,
                last_error=last_error,
                report=report,
            )

    async def _await_review(
        self, report: VerificationReport, decision: Decision
    ) -> tuple[SessionStatus, CheckError | None] | None:
        """Wait for a reviewer, escalating, then apply the default action on timeout."""
        input = self._input
        timeout = timedelta(seconds=input.review_timeout_s)
        deadline = workflow.now() + timeout
        self._state.review_pending = True
        self._state.review_reasons = decision.review_reasons
        hits = report.screening.hits if report.screening else []
        self._pending_hits = {f"{hit.list}:{hit.entity_id}" for hit in hits}
        self._state.review_deadline = deadline
        self._review = None
        await self._record(
            SessionStatus.needs_review,
            EventType.NEEDS_REVIEW,
            step="review",
            report=report,
            review_reasons=decision.review_reasons,
            review_deadline=deadline,
        )

        def decided() -> bool:
            return self._review is not None or self._cancel is not None

        escalate_after = timeout * input.review_escalation_fraction
        if not await wait_for(decided, escalate_after):
            await self._record(
                SessionStatus.needs_review,
                EventType.REVIEW_ESCALATED,
                review_reasons=decision.review_reasons,
                review_deadline=deadline,
            )
            await wait_for(decided, deadline - workflow.now())

        self._state.review_pending = False
        if self._cancel is not None:
            return None
        review = self._review or ReviewDecision(
            decision=input.review_default_action,
            reviewer_id="system:review_timeout",
            reason=REVIEW_TIMED_OUT,
            note="No reviewer decided before the review timeout.",
        )
        status, error = review_result(review)
        self._review_outcome = ReviewOutcome(
            status=status, decided_by=review.reviewer_id, decision=review.decision
        )
        self._decided = review
        return status, error

    # --- helpers ---------------------------------------------------------------------------

    async def _until_canceled(self, work: Any) -> VerificationReport:
        """Run `work`, abandoning it (and its activity) when a cancel request arrives."""
        task = asyncio.ensure_future(work)
        await workflow.wait_condition(lambda: task.done() or self._cancel is not None)
        # An accepted cancel wins even when it arrived with the last activity's result: its
        # caller was told the session would be canceled.
        if self._cancel is None:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ActivityError):
            await task
        raise _Canceled()

    async def _record(
        self,
        status: SessionStatus,
        event: EventType,
        *,
        step: Step | None = None,
        last_error: CheckError | None = None,
        report: VerificationReport | None = None,
        review_reasons: list[str] | None = None,
        review_deadline: Any = None,
    ) -> None:
        """Persist a status change, emit its event, upsert search attributes (never PII)."""
        input = self._input
        self._state.status = status
        self._state.last_error = last_error
        if step is not None:
            self._state.step = step
        workflow.upsert_search_attributes(
            [
                KYC_STATUS.value_set(status.value),
                KYC_NEEDS_REVIEW.value_set(status == SessionStatus.needs_review),
            ]
        )
        verified_identity = None
        if status == SessionStatus.verified and report and report.document:
            verified_identity = report.document.fields
        await record_status(
            RecordStatusInput(
                session_id=input.session_id,
                status=status,
                event_type=event.value,
                last_error=last_error,
                report=report,
                review_reasons=review_reasons or [],
                review_deadline=review_deadline,
                review_decision=self._decided,
                verified_identity=verified_identity,
                occurred_at=workflow.now(),
                dedupe_key=f"{event.short}:{self._state.attempt}:{workflow.info().run_id}",
            ),
            self._deliveries,
        )
        self._decided = None

    async def _finish(
        self,
        status: SessionStatus,
        last_error: CheckError | None,
        report: VerificationReport | None = None,
    ) -> VerificationResult:
        self._state.review_pending = False
        event = EventType.VERIFIED if status == SessionStatus.verified else EventType.CANCELED
        await self._record(status, event, step="done", last_error=last_error, report=report)
        self._closed = True
        await self._deliveries.settle()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return VerificationResult(
            status=status,
            last_error=last_error,
            attempts=self._state.attempt,
            decided_on=workflow.now().date(),
        )
