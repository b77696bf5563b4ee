"""EventDeliveryWorkflow: webhook delivery of events the API records itself (`created`,
`redacted`), with the same durable retries as the events the verification workflow emits."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kyc.contracts import ActivityName, WorkflowName
    from kyc.types import DeliverEventsInput

from workflows.options import delivery_options


@workflow.defn(name=WorkflowName.EVENT_DELIVERY)
class EventDeliveryWorkflow:
    @workflow.run
    async def run(self, input: DeliverEventsInput) -> None:
        await workflow.execute_activity(ActivityName.DELIVER_EVENTS, input, **delivery_options())
