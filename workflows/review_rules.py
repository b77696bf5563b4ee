"""Review rules shared by the workflows that hold a review (verification, screening alert).

Pure functions over `kyc.types` models and Temporal's workflow clock: safe in the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kyc.types import ReviewDecision


def hit_verdict_problem(decision: ReviewDecision, pending_hits: set[str]) -> str | None:
    """Why the per-hit screening verdicts cannot be taken, or None."""
    unknown = set(decision.screening_hits) - pending_hits
    if unknown:
        return f"Not a pending screening hit: {', '.join(sorted(unknown))}."
    if "confirmed" in decision.screening_hits.values() and decision.decision != "reject":
        return "A confirmed screening hit can only be rejected."
    return None


async def wait_for(condition: Callable[[], bool], timeout: timedelta) -> bool:
    """True when `condition` became true, False when `timeout` passed first."""
    if timeout <= timedelta(0):
        return bool(condition())
    try:
        await workflow.wait_condition(condition, timeout=timeout)
        return True
    except TimeoutError:
        return False
