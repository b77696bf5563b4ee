"""RetentionWorkflow: redact every session whose final status is older than `retention_days`.

Started hourly by the Temporal Schedule `kyc-retention` (overlap SKIP), which the worker
creates only when `KYC_RETENTION_DAYS` is set. A run goes through the eligible sessions in id
order, batch by batch (activity `redact_expired`, the API's redaction path per session); a
session that fails is skipped and tried again by the next run. One run redacts at most
MAX_BATCHES_PER_RUN batches, so its history stays short; the next run goes on.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kyc.contracts import ActivityName, WorkflowName
    from kyc.jobs import (
        RetentionBatch,
        RetentionInput,
        RetentionResult,
    )

from workflows.options import IO_RETRY

MAX_BATCHES_PER_RUN = 50


@workflow.defn(name=WorkflowName.RETENTION)
class RetentionWorkflow:
    @workflow.run
    async def run(self, input: RetentionInput) -> RetentionResult:
        total = RetentionResult()
        after = ""
        for _ in range(MAX_BATCHES_PER_RUN):
            batch = await workflow.execute_activity(
                ActivityName.REDACT_EXPIRED,
                RetentionBatch(
                    retention_days=input.retention_days,
                    after_session_id=after,
                    limit=input.batch_size,
                ),
                result_type=RetentionResult,
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(minutes=2),  # one beat per session
                retry_policy=IO_RETRY,  # an outage delays retention, never ends it
            )
            total.redacted += batch.redacted
            total.failed += batch.failed
            total.last_session_id, total.more = batch.last_session_id, batch.more
            if not batch.more:
                break
            after = batch.last_session_id
        return total
