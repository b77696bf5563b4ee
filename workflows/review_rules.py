"""Review rules of the workflows that hold a review (verification, screening alert).

Pure functions over `kyc.types` models and Temporal's workflow clock: safe in the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kyc.contracts import REJECTED_BY_REVIEWER, SCREENING_MATCH_CONFIRMED
    from kyc.types import CheckError, ReviewDecision, SessionStatus


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


def review_result(review: ReviewDecision) -> tuple[SessionStatus, CheckError | None]:
    """The session status a reviewer's decision leads to, and its `last_error`."""
    if review.decision == "approve":
        return SessionStatus.verified, None
    if review.decision == "reject":
        confirmed = "confirmed" in review.screening_hits.values()
        code = review.reason or (SCREENING_MATCH_CONFIRMED if confirmed else REJECTED_BY_REVIEWER)
        return SessionStatus.canceled, CheckError(
            code=code, reason=review.note or "A reviewer rejected the verification."
        )
    code = review.reason or REJECTED_BY_REVIEWER
    return SessionStatus.requires_input, CheckError(
        code=code, reason=review.note or "A reviewer asked for new images."
    )
