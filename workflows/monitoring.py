"""ScreeningMonitorWorkflow: re-screen every verified identity when a new list snapshot lands.

Started by the Temporal Schedule `kyc-screening-monitor` (overlap SKIP) every
`monitoring_interval_s`, and triggered at once by `kyc lists import`. A run that finds the
current snapshot already monitored ends at once; otherwise it re-screens the verified
sessions in batches (continuing as new when its history grows) and has one
ScreeningAlertWorkflow started per session with new hits (activity `start_alert_reviews`:
independent workflows, not children, so a review outlives the run and the time-skipping test
server, which stalls when an abandoned child completes, can run them). The first snapshot
ever imported counts as new too.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from kyc.contracts import ActivityName, WorkflowName
    from kyc.jobs import (
        CompleteMonitoringInput,
        MonitoringPlan,
        MonitoringPlanInput,
        MonitorInput,
        MonitorResult,
        RescreenInput,
        RescreenResult,
        StartAlertReviewsInput,
    )

from workflows.options import Deliveries, io_options

MAX_BATCHES_PER_RUN = 200  # continue as new before the history gets long


@workflow.defn(name=WorkflowName.SCREENING_MONITOR)
class ScreeningMonitorWorkflow:
    @workflow.run
    async def run(self, input: MonitorInput) -> MonitorResult:
        snapshot_id = input.snapshot_id
        if snapshot_id is None:
            plan = await workflow.execute_activity(
                ActivityName.MONITORING_PLAN,
                MonitoringPlanInput(),
                result_type=MonitoringPlan,
                **io_options(timedelta(minutes=1)),
            )
            if plan.snapshot_id is None:
                return MonitorResult(status="no_snapshot")
            if plan.already_monitored:
                return MonitorResult(status="already_monitored", snapshot_id=plan.snapshot_id)
            snapshot_id = plan.snapshot_id

        after, sessions, alerts = input.after_session_id, input.sessions, input.alerts
        deliveries = Deliveries()
        for batch_number in range(1, MAX_BATCHES_PER_RUN + 1):
            try:
                batch = await workflow.execute_activity(
                    ActivityName.RESCREEN_VERIFIED,
                    RescreenInput(
                        snapshot_id=snapshot_id,
                        after_session_id=after,
                        batch_size=input.batch_size,
                    ),
                    result_type=RescreenResult,
                    **io_options(timedelta(minutes=10)),
                )
            except ActivityError as err:
                cause = err.cause
                if isinstance(cause, ApplicationError) and cause.type == "snapshot_superseded":
                    # A newer import is current: the next scheduled run monitors that one.
                    await deliveries.settle()
                    return MonitorResult(
                        status="superseded", snapshot_id=snapshot_id, sessions=sessions
                    )
                raise
            sessions += batch.sessions
            alerts += len(batch.alerts)
            if batch.alerts:
                await workflow.execute_activity(
                    ActivityName.START_ALERT_REVIEWS,
                    StartAlertReviewsInput(
                        snapshot_id=snapshot_id,
                        alerts=batch.alerts,
                        review_timeout_s=input.review_timeout_s,
                        review_escalation_fraction=input.review_escalation_fraction,
                    ),
                    **io_options(timedelta(minutes=2)),
                )
            deliveries.start(batch.event_ids)
            if batch.done or batch.last_session_id is None:
                break
            after = batch.last_session_id
            if (
                batch_number == MAX_BATCHES_PER_RUN
                or workflow.info().is_continue_as_new_suggested()
            ):
                await deliveries.settle()
                workflow.continue_as_new(
                    input.model_copy(
                        update={
                            "snapshot_id": snapshot_id,
                            "after_session_id": after,
                            "sessions": sessions,
                            "alerts": alerts,
                        }
                    )
                )

        await workflow.execute_activity(
            ActivityName.COMPLETE_MONITORING,
            CompleteMonitoringInput(snapshot_id=snapshot_id, sessions=sessions, alerts=alerts),
            **io_options(timedelta(minutes=1)),
        )
        await deliveries.settle()
        return MonitorResult(
            status="completed", snapshot_id=snapshot_id, sessions=sessions, alerts=alerts
        )
