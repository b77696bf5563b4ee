"""The checks of one verification attempt: capture -> extract -> match -> screen -> decide.

Workflow code (run inside VerificationWorkflow): each step is an activity referenced by name. A
domain error of an activity (a blurred photo, an unreadable document) ends the attempt with its
public code; anything else propagates and is retried by Temporal. A test-mode submission that
names an outcome to simulate runs the `simulate` activity instead of the four checks; `decide`
and everything after it run unchanged.
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
        SimulatedAttempt,
        SimulateInput,
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
    if submission.simulate is not None:
        simulated = await _simulate(input, submission, state, report)
        if simulated.failure is not None:
            return _failed(report, simulated.failure.code, simulated.failure.reason)
        return await _decide(input, report, state)
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
                rules=_rules(input),
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
                    livemode=input.livemode,
                ),
                result_type=ScreeningCheck,
                **io_options(timedelta(minutes=2)),
            )
            state.checks["screening"] = report.screening.status
    except ActivityError as err:
        cause = err.cause
        if not isinstance(cause, ApplicationError) or not cause.non_retryable:
            raise
        return _failed(report, cause.type or "unknown_error", cause.message)
    return await _decide(input, report, state)


def _failed(report: VerificationReport, code: str, message: str) -> VerificationReport:
    """The attempt ended at a check that raised: back to the person, with its public code."""
    error = CheckError(code=code, reason=message)
    report.decision = Decision(status="requires_input", error=error, reasons=[message])
    return report


async def _simulate(
    input: VerificationInput,
    submission: Submission,
    state: VerificationState,
    report: VerificationReport,
) -> SimulatedAttempt:
    """Test mode: the checks the engines would report for the outcome, into `report`."""
    assert submission.simulate is not None
    state.step = "simulate"
    state.checks["simulation"] = submission.simulate
    simulated = await workflow.execute_activity(
        ActivityName.SIMULATE,
        SimulateInput(
            session_id=input.session_id,
            attempt=state.attempt,
            outcome=submission.simulate,
            options=input.options,
            rules=_rules(input),
        ),
        result_type=SimulatedAttempt,
        **io_options(),
    )
    report.document, report.selfie = simulated.document, simulated.selfie
    report.screening = simulated.screening
    for name in ("document", "selfie", "screening"):
        check = getattr(report, name)
        if check is not None:
            state.checks[name] = check.status
    return simulated


def _rules(input: VerificationInput) -> DocumentRules:
    return DocumentRules(
        today=workflow.now().date(),
        minimum_age=input.minimum_age,
        allowed_types=input.options.document.allowed_types,
    )


async def _decide(
    input: VerificationInput, report: VerificationReport, state: VerificationState
) -> VerificationReport:
    """`decide` (kyc.policy, as an activity): the attempt's next status, with reasons."""
    options = input.options
    state.step = "decide"
    decide = DecideInput(
        report=report, options=options, screening_not_run_action=input.screening_not_run_action
    )
    report.decision = await workflow.execute_activity(
        ActivityName.DECIDE, decide, result_type=Decision, **io_options()
    )
    return report
