"""ScreeningAlertWorkflow: a reviewer's decision on new screening hits of a verified session.

Started by the screening monitor (id `alert_<session_id>_<snapshot_id>`) because the session's
own VerificationWorkflow has completed. The session stays `verified` while the alert is under
review (`review_reasons=["screening_alert"]`); it takes the same `review` Update as
VerificationWorkflow. approve -> the hits are remembered as false positives for the identity;
reject (or a confirmed hit) -> remembered as confirmed, and the session is canceled with
`screening_match_confirmed`. There is no automatic decision on a verified customer: the
review escalates once and then waits for a person.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from kyc.contracts import (
        SCREENING_MATCH_CONFIRMED,
        EventType,
        ReviewReason,
        WorkflowName,
    )
    from kyc.jobs import (
        ScreeningAlertInput,
        ScreeningAlertResult,
    )
    from kyc.types import (
        CheckError,
        RecordStatusInput,
        ReviewDecision,
        ReviewOutcome,
        SessionStatus,
        VerificationState,
    )

from workflows.options import Deliveries, record_status
from workflows.review_rules import hit_verdict_problem, wait_for

REVIEW_REASON: ReviewReason = "screening_alert"


@workflow.defn(name=WorkflowName.SCREENING_ALERT)
class ScreeningAlertWorkflow:
    @workflow.init
    def __init__(self, input: ScreeningAlertInput) -> None:
        self._input = input
        self._state = VerificationState(
            status=SessionStatus.verified, step="review", review_reasons=[REVIEW_REASON]
        )
        self._review: ReviewDecision | None = None
        self._outcome: ReviewOutcome | None = None
        self._deliveries = Deliveries()

    @workflow.query
    def state(self) -> VerificationState:
        """The live state of the alert review (no PII)."""
        return self._state

    @workflow.update
    async def review(self, decision: ReviewDecision) -> ReviewOutcome:
        """A reviewer's decision on the alert; returns the session status it led to."""
        self._review = decision
        await workflow.wait_condition(lambda: self._outcome is not None)
        assert self._outcome is not None
        return self._outcome

    @review.validator
    def _validate_review(self, decision: ReviewDecision) -> None:
        problem = self._review_problem(decision)
        if problem:
            raise ApplicationError(problem, type="review_refused")

    def _review_problem(self, decision: ReviewDecision) -> str | None:
        if not self._state.review_pending or self._review is not None:
            return "No review is pending for this session."
        if decision.decision == "request_resubmission":
            return "A screening alert on a verified session is approved or rejected."
        if decision.reason and decision.reason != SCREENING_MATCH_CONFIRMED:
            return f"Unknown rejection reason {decision.reason!r} for a screening alert."
        return hit_verdict_problem(decision, set(self._input.hits))

    @workflow.run
    async def run(self, input: ScreeningAlertInput) -> ScreeningAlertResult:
        timeout = timedelta(seconds=input.review_timeout_s)
        deadline = workflow.now() + timeout
        self._state.review_pending = True
        self._state.review_deadline = deadline
        try:
            await self._record(SessionStatus.verified, None, pending=True, deadline=deadline)
            decided = lambda: self._review is not None  # noqa: E731
            escalate_after = timeout * input.review_escalation_fraction
            if not await wait_for(decided, escalate_after):
                await self._record(
                    SessionStatus.verified,
                    EventType.REVIEW_ESCALATED,
                    pending=True,
                    deadline=deadline,
                )
                await workflow.wait_condition(decided)
        except asyncio.CancelledError:
            # A later alert on the same session took these hits over (the monitor canceled us).
            return ScreeningAlertResult(status=SessionStatus.verified)

        review = self._review
        assert review is not None
        self._state.review_pending = False
        if review.decision == "approve":
            verdicts = {h: review.screening_hits.get(h, "false_positive") for h in input.hits}
            status, error, event = SessionStatus.verified, None, None
        else:
            verdicts = {h: review.screening_hits.get(h, "confirmed") for h in input.hits}
            status, event = SessionStatus.canceled, EventType.CANCELED
            error = CheckError(
                code=SCREENING_MATCH_CONFIRMED,
                reason=review.note or "A reviewer confirmed a sanctions or PEP list match.",
            )
        decided_review = review.model_copy(update={"screening_hits": verdicts})
        await self._record(status, event, pending=False, decision=decided_review, error=error)
        self._state.status = status
        self._state.last_error = error
        self._state.step = "done"
        self._outcome = ReviewOutcome(
            status=status, decided_by=review.reviewer_id, decision=review.decision
        )
        await self._deliveries.settle()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return ScreeningAlertResult(
            status=status, decided_by=review.reviewer_id, decision=review.decision
        )

    async def _record(
        self,
        status: SessionStatus,
        event: EventType | None,
        *,
        pending: bool,
        deadline: datetime | None = None,
        decision: ReviewDecision | None = None,
        error: CheckError | None = None,
    ) -> None:
        """Persist the review state (the session's status only changes on a confirmed hit)."""
        info = workflow.info()
        await record_status(
            RecordStatusInput(
                session_id=self._input.session_id,
                status=status,
                event_type=event.value if event else "",
                last_error=error,
                review_reasons=[REVIEW_REASON] if pending else [],
                review_deadline=deadline,
                review_decision=decision,
                occurred_at=workflow.now(),
                dedupe_key=f"{info.workflow_id}:{event.short if event else ''}",
                review_pending=pending,
                review_workflow_id=info.workflow_id,
            ),
            self._deliveries,
        )
