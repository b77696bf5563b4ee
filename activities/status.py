"""decide / record_status: the session's next status and its persistence (queue `kyc`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from temporalio import activity

from activities.errors import async_domain_errors
from kyc import policy
from kyc.contracts import ActivityName
from kyc.status import StatusRecorder
from kyc.types import DecideInput, Decision, RecordStatusInput, RecordStatusResult

# With IO_RETRY's capped backoff, attempt 10 starts about 8 minutes into an outage.
ALERT_AFTER_ATTEMPTS = 10


@dataclass(eq=False)  # identity hash: the worker registers bound methods
class StatusActivities:
    recorder: StatusRecorder

    @activity.defn(name=ActivityName.DECIDE)
    async def decide(self, input: DecideInput) -> Decision:
        """`kyc.policy.decide`, recorded in history so policy changes never break replays."""
        return policy.decide(input.report, input.options, input.screening_not_run_action)

    @activity.defn(name=ActivityName.RECORD_STATUS)
    @async_domain_errors
    async def record_status(self, input: RecordStatusInput) -> RecordStatusResult:
        """Persist a status change, its review audit row and its event, in one transaction."""
        attempt = activity.info().attempt if activity.in_activity() else 1
        if attempt >= ALERT_AFTER_ATTEMPTS:  # retried without limit: say so while it lasts
            activity.logger.error(
                "record_status still failing: attempt %d for session %s", attempt, input.session_id
            )
        return await asyncio.to_thread(self.recorder.record, input)
