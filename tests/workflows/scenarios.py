"""Scenarios whose histories are recorded for the replay test (see record_histories.py)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from kyc.types import (
    DocumentOptions,
    ReviewDecision,
    ScreeningCheck,
    ScreeningHit,
    SessionOptions,
    VerificationInput,
)
from tests.workflows.test_verification import SUBMISSION, Script
from workflows.verification import VerificationWorkflow

Scenario = Callable[[WorkflowEnvironment], Awaitable[WorkflowHandle[Any, Any]]]


async def _run(env: WorkflowEnvironment, script: Script, drive: Callable[..., Any]) -> Any:
    queue = f"kyc-{uuid.uuid4()}"
    input = VerificationInput(
        session_id=f"vs_{uuid.uuid4().hex}",
        platform_id="acct_1",
        options=SessionOptions(document=DocumentOptions(require_matching_selfie=True)),
        ml_task_queue=queue,
    )
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[VerificationWorkflow],
        activities=script.activities(),
    ):
        handle = await env.client.start_workflow(
            VerificationWorkflow.run, input, id=input.session_id, task_queue=queue
        )
        await drive(handle)
        await handle.result()
    return handle


async def verified(env: WorkflowEnvironment) -> Any:
    async def drive(handle: Any) -> None:
        await handle.execute_update(VerificationWorkflow.submit, SUBMISSION)

    return await _run(env, Script(), drive)


async def reviewed(env: WorkflowEnvironment) -> Any:
    hit = ScreeningHit(list="un", entity_id="QDi.1", name="LISTED", score=0.9)
    script = Script(screening=ScreeningCheck(status="hit", hits=[hit]))

    async def drive(handle: Any) -> None:
        import asyncio

        await handle.execute_update(VerificationWorkflow.submit, SUBMISSION)
        while not (await handle.query(VerificationWorkflow.state)).review_pending:
            await asyncio.sleep(0.05)
        await handle.execute_update(
            VerificationWorkflow.review, ReviewDecision(decision="approve", reviewer_id="rev")
        )

    return await _run(env, script, drive)


async def abandoned(env: WorkflowEnvironment) -> Any:
    async def drive(handle: Any) -> None:
        from datetime import timedelta

        await env.sleep(timedelta(hours=25))

    return await _run(env, Script(), drive)


async def simulated_review(env: WorkflowEnvironment) -> Any:
    """Test mode: a simulated screening hit, rejected by the reviewer; then a simulated
    verification (no file at all)."""
    from activities.simulation import simulate
    from kyc.types import Submission

    class SimulationScript(Script):
        def activities(self) -> list[Any]:
            return [*super().activities(), simulate]

    async def drive(handle: Any) -> None:
        import asyncio

        hit = Submission(files={}, simulate="screening_hit")
        await handle.execute_update(VerificationWorkflow.submit, hit)
        while not (await handle.query(VerificationWorkflow.state)).review_pending:
            await asyncio.sleep(0.05)
        resubmit = ReviewDecision(
            decision="request_resubmission", reviewer_id="rev", reason="document_unverified_other"
        )
        await handle.execute_update(VerificationWorkflow.review, resubmit)
        while (await handle.query(VerificationWorkflow.state)).step != "awaiting_input":
            await asyncio.sleep(0.05)
        done = Submission(files={}, simulate="verified")
        await handle.execute_update(VerificationWorkflow.submit, done)

    return await _run(env, SimulationScript(), drive)


SCENARIOS: dict[str, Scenario] = {
    "verified": verified,
    "reviewed_approved": reviewed,
    "abandoned": abandoned,
    "simulated_review": simulated_review,
}
