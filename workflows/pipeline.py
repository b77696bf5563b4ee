"""The checks of one verification attempt: capture -> extract -> match -> screen -> decide.

Workflow code (run inside VerificationWorkflow): each step is an activity referenced by name. A
domain error of an activity (a blurred photo, an unreadable document) ends the attempt with its
public code; anything else propagates and is retried by Temporal.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from kyc.contracts import ActivityName
    from kyc.types import (
        CaptureInput,
        CaptureResult,
        CheckError,
        DecideInput,
        Decision,
        DocumentCheck,
        DocumentRules,
        ExtractInput,
        MatchInput,
        ScreeningCheck,
        ScreenInput,
        SelfieCheck,
        Submission,
        VerificationInput,
        VerificationReport,
        VerificationState,
        screening_query_for,
    )

from workflows.options import io_options, ml_options

T = TypeVar("T")


async def _ml_step(
    input: VerificationInput, name: str, arg: Any, result_type: type[T], timeout: timedelta
) -> T:
    """One CPU-bound check on the ML queue (heartbeats, ML retries)."""
    return await workflow.execute_activity(
        name, arg, result_type=result_type, **ml_options(input.ml_task_queue, timeout)
    )


async def verify_attempt(
    input: VerificationInput, submission: Submission, state: VerificationState
) -> VerificationReport:
    """Run every check of attempt `state.attempt`, keeping `state` (the live query) current."""
    report = VerificationReport(attempt=state.attempt)
    options = input.options
    try:
        state.step = "capture"
        captured = await _ml_step(
            input,
            ActivityName.CAPTURE,
            CaptureInput(
                session_id=input.session_id,
                attempt=state.attempt,
                submission=submission,
                require_selfie=options.document.require_matching_selfie,
            ),
            CaptureResult,
            timedelta(minutes=2),
        )
        state.checks["capture"] = "passed"

        state.step = "extract"
        report.document = await _ml_step(
            input,
            ActivityName.EXTRACT,
            ExtractInput(
                session_id=input.session_id,
                front=captured.images["document_front"],
                back=captured.images.get("document_back"),
                rules=DocumentRules(
                    today=workflow.now().date(),
                    minimum_age=input.minimum_age,
                    allowed_types=options.document.allowed_types,
                ),
                engine=input.ocr_engine,
            ),
            DocumentCheck,
            timedelta(minutes=5),
        )
        state.checks["document"] = report.document.status

        if options.document.require_matching_selfie and report.document.status == "verified":
            state.step = "match"
            report.selfie = await _ml_step(
                input,
                ActivityName.MATCH,
                MatchInput(
                    session_id=input.session_id,
                    platform_id=input.platform_id,
                    document=captured.images["document_front"],
                    selfie=captured.images["selfie"],
                    identity=report.document.fields,
                ),
                SelfieCheck,
                timedelta(minutes=5),
            )
            state.checks["selfie"] = report.selfie.status

        if options.screening.enabled and report.document.status == "verified":
            state.step = "screen"
            report.screening = await workflow.execute_activity(
                ActivityName.SCREEN,
                ScreenInput(
                    session_id=input.session_id,
                    platform_id=input.platform_id,
                    query=screening_query_for(report.document.fields),
                ),
                result_type=ScreeningCheck,
                **io_options(timedelta(minutes=2)),
            )
            state.checks["screening"] = report.screening.status
    except ActivityError as err:
        cause = err.cause
        if not isinstance(cause, ApplicationError) or not cause.non_retryable:
            raise
        report.decision = Decision(
            status="requires_input",
            error=CheckError(code=cause.type or "unknown_error", reason=cause.message),
            reasons=[cause.message],
        )
        return report

    state.step = "decide"
    decide = DecideInput(
        report=report, options=options, screening_not_run_action=input.screening_not_run_action
    )
    report.decision = await workflow.execute_activity(
        ActivityName.DECIDE, decide, result_type=Decision, **io_options()
    )
    return report
