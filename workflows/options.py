"""What every workflow uses to run activities: retry policies, activity options, status recording
and webhook delivery.

Domain failures are raised by activities as non-retryable ApplicationErrors whose type is the
public error code; everything else (storage, database) is retried with backoff.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from kyc.contracts import SESSION_REDACTED, ActivityName
    from kyc.types import DeliverEventsInput, RecordStatusInput, RecordStatusResult

# Without a limit (0): a database or storage outage of any length delays verifications and
# fails none; domain errors are non-retryable and stop at once. The activities log an alert once
# an outage lasts (activities/status.py).
IO_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=0,
)
ML_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=5,
)
# The activity sets each delay itself (exponential, jittered: activities/webhooks.py); the
# limit is time, three days like Stripe's (delivery_options), not a number of attempts.
WEBHOOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=3.0,
    maximum_interval=timedelta(hours=2),
    maximum_attempts=0,
)
WEBHOOK_RETRY_FOR = timedelta(days=3)


def io_options(start_to_close: timedelta = timedelta(seconds=30)) -> dict[str, Any]:
    """Options of the I/O activities on the workflow's own queue."""
    return {"start_to_close_timeout": start_to_close, "retry_policy": IO_RETRY}


def ml_options(task_queue: str, start_to_close: timedelta) -> dict[str, Any]:
    """Options of the CPU-bound activities: their own queue, heartbeats, ML retries."""
    return {
        "task_queue": task_queue,
        "start_to_close_timeout": start_to_close,
        "heartbeat_timeout": timedelta(seconds=60),
        "retry_policy": ML_RETRY,
    }


def delivery_options() -> dict[str, Any]:
    """Options of `deliver_events`: patient retries, since receivers go down for a while."""
    return {
        "start_to_close_timeout": timedelta(minutes=2),
        "schedule_to_close_timeout": WEBHOOK_RETRY_FOR,
        "retry_policy": WEBHOOK_RETRY,
    }


class Deliveries:
    """Webhook deliveries a workflow started; settled before it ends.

    A delivery runs to its own retry limit, and its failure never fails the workflow whose
    outcome is already persisted.
    """

    def __init__(self) -> None:
        self._handles: list[workflow.ActivityHandle[Any]] = []

    def start(self, event_ids: list[str]) -> None:
        if event_ids:
            self._handles.append(
                workflow.start_activity(
                    ActivityName.DELIVER_EVENTS,
                    DeliverEventsInput(event_ids=event_ids),
                    **delivery_options(),
                )
            )

    async def settle(self) -> None:
        for handle in self._handles:
            try:
                await handle
            except ActivityError:
                workflow.logger.warning("A webhook delivery gave up after its retries")
        self._handles.clear()


async def record_status(change: RecordStatusInput, deliveries: Deliveries) -> None:
    """Persist a status change (activity `record_status`) and start delivering its event.
    Once the session is redacted the change is refused (the redaction fence) and dropped: the
    redaction recorded the final state itself."""
    try:
        result = await workflow.execute_activity(
            ActivityName.RECORD_STATUS, change, result_type=RecordStatusResult, **io_options()
        )
    except ActivityError as exc:
        if getattr(exc.cause, "type", None) != SESSION_REDACTED:
            raise
        workflow.logger.info("Status change not recorded: the session was redacted")
        return
    deliveries.start(result.event_ids)
