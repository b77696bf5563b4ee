"""deliver_events: POST events to the platform's webhook endpoints, signed (queue `kyc`)."""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from dataclasses import KW_ONLY, dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

from kyc.contracts import TASK_QUEUE, ActivityName, WorkflowName, delivery_workflow_id
from kyc.db.sealing import ColumnSealer
from kyc.errors import UnsafeWebhookUrl
from kyc.netguard import UrlPolicy, parse_target, pinned_url, resolve_target
from kyc.types import DeliverEventsInput
from kyc.webhooks import (
    Delivery,
    disabled_events_after,
    pending_deliveries,
    record_delivery,
    signature_header,
)

# Stripe-like: retried with exponential backoff for up to three days (delivery_options'
# schedule-to-close timeout), each delay jittered so that the deliveries of many events to one
# failing endpoint spread out instead of firing together.
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=2)


def retry_delay(attempt: int, rng: random.Random | None = None) -> timedelta:
    """The wait after failed attempt `attempt`: 30 s x 3^(attempt-1), capped at 2 h, times a
    uniform jitter in [0.5, 1.5)."""
    base = min(FIRST_RETRY * 3 ** min(attempt - 1, 20), MAX_RETRY)
    return base * (0.5 + (rng or random).random())


async def start_event_delivery(client: Client, event_id: str, task_queue: str) -> None:
    """Deliver an event an activity recorded in its own EventDeliveryWorkflow, retried like
    the events the API records; once per event. A failure to start is logged, never raised."""
    try:
        await client.start_workflow(
            WorkflowName.EVENT_DELIVERY,
            DeliverEventsInput(event_ids=[event_id]),
            id=delivery_workflow_id(event_id),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        pass  # an earlier attempt of the activity started it
    except RPCError as exc:
        activity.logger.warning(
            "could not start the delivery of event %s: %s", event_id, type(exc).__name__
        )


@dataclass(eq=False)  # identity hash: the worker registers bound methods
class WebhookActivities:
    engine: Engine
    sealer: ColumnSealer  # opens the sealed part of the events' embedded session
    _: KW_ONLY
    timeout_s: float = 5.0
    policy: UrlPolicy = field(default_factory=UrlPolicy)  # strict unless the worker says so
    # Starts the delivery of the `webhook_endpoint.disabled` events that attempts cause (to the
    # platform's other endpoints); without one they are only recorded (`GET /v1/events`).
    client: Client | None = None
    task_queue: str = TASK_QUEUE  # of EventDeliveryWorkflow
    # Built once: loading the CA bundle costs ~15-20 ms of CPU, per attempt when built per call.
    _tls: ssl.SSLContext = field(default_factory=ssl.create_default_context, repr=False)

    @activity.defn(name=ActivityName.DELIVER_EVENTS)
    async def deliver_events(self, input: DeliverEventsInput) -> None:
        """POST each event to every subscribed endpoint, signed; raise to retry failures."""
        failures: list[str] = []
        attempt = activity.info().attempt if activity.in_activity() else 1
        disabled_events: list[str] = []
        if attempt > 1 and self.client is not None:  # an earlier attempt may have crashed
            disabled_events = await asyncio.to_thread(
                disabled_events_after, self.engine, input.event_ids
            )
        deliveries = await asyncio.to_thread(
            pending_deliveries, self.engine, self.sealer, input.event_ids
        )
        # No redirects (a 3xx to an internal address would bypass the check of the target) and
        # no proxy from the environment: the connection goes to the checked address.
        async with httpx.AsyncClient(
            timeout=self.timeout_s, follow_redirects=False, trust_env=False, verify=self._tls
        ) as client:
            for delivery in deliveries:
                status = await self._post(client, delivery)
                recorded = await asyncio.to_thread(record_delivery, self.engine, delivery, status)
                if recorded.disabled_event_id is not None:
                    disabled_events.append(recorded.disabled_event_id)
                # A deleted or now disabled endpoint's deliveries are over: no retry for it.
                owed = recorded.owed and recorded.disabled_event_id is None
                if owed and (status is None or not 200 <= status < 300):
                    failures.append(delivery.endpoint_id)
        for event_id in disabled_events:
            await self._start_delivery(event_id)
        if failures:
            raise ApplicationError(
                f"{len(failures)} webhook endpoint(s) did not accept the event",
                type="webhook_delivery_failed",
                next_retry_delay=retry_delay(attempt),
            )

    async def _start_delivery(self, event_id: str) -> None:
        if self.client is not None:
            await start_event_delivery(self.client, event_id, self.task_queue)

    async def _post(self, client: httpx.AsyncClient, delivery: Delivery) -> int | None:
        """POST to the address checked at send time; None when refused or unreachable."""
        try:
            target = parse_target(delivery.url, self.policy)
            address = await asyncio.to_thread(resolve_target, target, self.policy)
        except UnsafeWebhookUrl:
            activity.logger.warning(
                "webhook endpoint %s refused: unsafe target", delivery.endpoint_id
            )
            return None
        parts = urlsplit(delivery.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = 443 if target.scheme == "https" else 80
        host_header = target.host if ":" not in target.host else f"[{target.host}]"
        if target.port != default_port:
            host_header += f":{target.port}"
        headers = {
            "Host": host_header,
            "Content-Type": "application/json",
            "Stripe-Signature": signature_header(
                delivery.secret, delivery.payload, int(time.time())
            ),
        }
        try:
            response = await client.post(
                pinned_url(target, address, path),
                content=delivery.payload,
                headers=headers,
                # TLS checks the certificate against the name, not the pinned address.
                extensions={"sni_hostname": target.host},
            )
        except httpx.HTTPError:
            return None
        return response.status_code
