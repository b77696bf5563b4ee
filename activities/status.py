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
        return await asyncio.to_thread(self.recorder.record, input)
