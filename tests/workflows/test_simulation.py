"""Test mode's `simulate` through VerificationWorkflow: no engine activity runs, and the status
changes, events and review that follow are the real workflow's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from activities.simulation import simulate
from kyc.types import SessionOptions, SessionStatus, Submission
from tests.workflows.test_verification import Script, _until_status, start  # noqa: F401
from workflows.verification import VerificationWorkflow


@dataclass
class SimulationScript(Script):
    """The recording fakes, plus the real `simulate` (pure: it needs no engine)."""

    def activities(self) -> list[Callable[..., Any]]:
        return [*super().activities(), simulate]


def simulated(outcome: str) -> Submission:
    return Submission(files={}, simulate=outcome)  # type: ignore[arg-type]


async def test_verified_runs_no_engine_and_records_the_simulated_report(
    start: Callable[..., Any],  # noqa: F811
) -> None:
    run = await start(SimulationScript())
    await run.handle.execute_update(VerificationWorkflow.submit, simulated("verified"))
    result = await run.result()
    assert result.status == SessionStatus.verified
    assert run.script.calls == []  # neither capture, extract, match nor screen
    assert run.script.events == ["processing", "verified"]
    final = run.script.records[-1]
    assert final.report is not None and final.report.document is not None
    assert final.report.document.engine == "simulated"
    assert final.verified_identity is not None and final.verified_identity.surname == "ERIKSSON"


async def test_an_error_goes_back_for_input_and_a_real_submission_follows(
    start: Callable[..., Any],  # noqa: F811
) -> None:
    run = await start(SimulationScript())
    await run.handle.execute_update(VerificationWorkflow.submit, simulated("selfie_manipulated"))
    await _until_status(run, SessionStatus.requires_input, after_processing=True)
    state = await run.handle.query(VerificationWorkflow.state)
    assert state.last_error is not None and state.last_error.code == "selfie_manipulated"
    assert state.checks == {"simulation": "selfie_manipulated", "document": "verified"}
    await run.submit()  # the next attempt runs the (fake) engines
    assert (await run.result()).status == SessionStatus.verified
    assert run.script.calls == ["capture", "extract", "match", "screen"]
    assert run.script.events == ["processing", "requires_input", "processing", "verified"]


async def test_a_screening_hit_waits_for_the_reviewer(
    start: Callable[..., Any],  # noqa: F811
) -> None:
    run = await start(SimulationScript())
    await run.handle.execute_update(VerificationWorkflow.submit, simulated("screening_hit"))
    await _until_status(run, SessionStatus.needs_review)
    assert (await run.handle.query(VerificationWorkflow.state)).review_reasons == ["screening_hit"]
    outcome = await run.review("reject", reason="screening_match_confirmed")
    assert outcome.status == SessionStatus.canceled
    assert (await run.result()).status == SessionStatus.canceled
    assert run.script.events == ["processing", "needs_review", "canceled"]


@pytest.mark.parametrize(
    ("overrides", "outcome", "code"),
    [
        ({"livemode": True}, "verified", "parameter_unknown"),
        ({"options": SessionOptions()}, "selfie_face_mismatch", "parameter_invalid"),
    ],
)
async def test_the_validator_refuses_a_simulation_it_cannot_run(
    start: Callable[..., Any],  # noqa: F811
    overrides: dict[str, Any],
    outcome: str,
    code: str,
) -> None:
    run = await start(SimulationScript(), **overrides)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await run.handle.execute_update(VerificationWorkflow.submit, simulated(outcome))
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == code
    assert (await run.handle.query(VerificationWorkflow.state)).attempt == 0
    await run.handle.cancel()
