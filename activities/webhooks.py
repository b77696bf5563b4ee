"""deliver_events: POST events to the platform's webhook endpoints, signed (queue `kyc`)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import KW_ONLY, dataclass

import httpx
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from kyc.contracts import ActivityName
from kyc.types import DeliverEventsInput
from kyc.webhooks import pending_deliveries, record_delivery, signature_header


@dataclass(eq=False)  # identity hash: the worker registers bound methods
class WebhookActivities:
    engine: Engine
    _: KW_ONLY
    timeout_s: float = 5.0

    @activity.defn(name=ActivityName.DELIVER_EVENTS)
    async def deliver_events(self, input: DeliverEventsInput) -> None:
        """POST each event to every subscribed endpoint, signed; raise to retry failures."""
        failures: list[str] = []
        deliveries = await asyncio.to_thread(pending_deliveries, self.engine, input.event_ids)
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            for delivery in deliveries:
                headers = {
                    "Content-Type": "application/json",
                    "Stripe-Signature": signature_header(
                        delivery.secret, delivery.payload, int(time.time())
                    ),
                }
                status: int | None = None
                try:
                    response = await client.post(
                        delivery.url, content=delivery.payload, headers=headers
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    status = None
                await asyncio.to_thread(record_delivery, self.engine, delivery, status)
                if status is None or not 200 <= status < 300:
                    failures.append(delivery.endpoint_id)
        if failures:
            raise ApplicationError(
                f"{len(failures)} webhook endpoint(s) did not accept the event",
                type="webhook_delivery_failed",
            )
