"""Webhook delivery rules: which endpoint gets which event, the body (the event object itself)
and Stripe's signature scheme, so the official SDKs' `construct_event` verifies our bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kyc.contracts import EventType
from kyc.db import events, webhooks
from kyc.db.engine import session_scope
from kyc.db.personal import event_data
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, WebhookDeliveryRow, WebhookEndpointRow
from kyc.objects.event import event_public, webhook_endpoint_public


def signature_header(secret: str, payload: bytes, timestamp: int) -> str:
    """Stripe's `Stripe-Signature` scheme: t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Delivery:
    """One event still to be delivered to one endpoint."""

    event_id: str
    endpoint_id: str
    url: str
    secret: str
    payload: bytes  # the event object as JSON, exactly as signed


def pending_deliveries(
    engine: Engine, sealer: ColumnSealer, event_ids: list[str]
) -> list[Delivery]:
    """Each event to each subscribed endpoint that has not accepted it yet."""
    out = []
    with session_scope(engine) as db:
        for event_id in event_ids:
            event = db.get(EventRow, event_id)
            if event is None:
                continue
            body = event_public(event, event_data(db, sealer, event)).model_dump(mode="json")
            payload = json.dumps(body, separators=(",", ":")).encode()
            for endpoint in webhooks.endpoints_for(db, event):
                if not webhooks.was_delivered(db, event.id, endpoint.id):
                    out.append(
                        Delivery(event.id, endpoint.id, endpoint.url, endpoint.secret, payload)
                    )
    return out


@dataclass(frozen=True)
class Attempt:
    """What recording one delivery attempt changed."""

    owed: bool  # False when the endpoint is gone: nothing more is owed to it
    disabled_event_id: str | None = None  # the `webhook_endpoint.disabled` event it caused


def record_delivery(engine: Engine, delivery: Delivery, status_code: int | None) -> Attempt:
    """Record an attempt; not owed when the endpoint was deleted meanwhile (the API deleted it
    between our read and this write: its foreign key refuses the row). When the attempt
    disables the endpoint, its event is recorded in the same transaction."""
    try:
        with session_scope(engine) as db:
            if db.get(WebhookEndpointRow, delivery.endpoint_id) is None:
                return Attempt(owed=False)
            disabled = webhooks.record_delivery(
                db, delivery.event_id, delivery.endpoint_id, status_code
            )
            event_id = disabled_event(db, disabled).id if disabled is not None else None
    except IntegrityError:
        # The endpoint was deleted, or a concurrent attempt disabled it first (same event
        # dedupe key): either way nothing more is delivered to it.
        return Attempt(owed=False)
    return Attempt(owed=True, disabled_event_id=event_id)


def disabled_event(db: Session, endpoint: WebhookEndpointRow) -> EventRow:
    """The platform's `webhook_endpoint.disabled` event; one per failing spell (its dedupe key
    holds the spell's start), with the endpoint as it now is (no secret)."""
    return events.add_event(
        db,
        endpoint.platform_id,
        EventType.WEBHOOK_ENDPOINT_DISABLED,
        {"object": webhook_endpoint_public(endpoint).model_dump(mode="json")},
        dedupe_key=_disabled_key(endpoint.id, endpoint.failing_since),
        livemode=endpoint.livemode,  # told to the endpoints of its own mode only
    )


def _disabled_key(endpoint_id: str, failing_since: int | None) -> str:
    return f"{EventType.WEBHOOK_ENDPOINT_DISABLED}:{endpoint_id}:{failing_since}"


def disabled_events_after(engine: Engine, event_ids: list[str]) -> list[str]:
    """The `webhook_endpoint.disabled` events of the endpoints that attempts of these events
    disabled: a retried activity starts their delivery again (idempotent), in case the
    attempt that disabled one crashed before it could."""
    with session_scope(engine) as db:
        endpoints = db.exec(
            select(WebhookEndpointRow.id, WebhookEndpointRow.failing_since)
            .join(WebhookDeliveryRow, col(WebhookDeliveryRow.endpoint_id) == WebhookEndpointRow.id)
            .where(
                col(WebhookDeliveryRow.event_id).in_(event_ids),
                WebhookEndpointRow.status == "disabled",
            )
            .distinct()
        ).all()
        keys = [_disabled_key(id, since) for id, since in endpoints]
        if not keys:
            return []
        return list(db.exec(select(EventRow.id).where(col(EventRow.dedupe_key).in_(keys))))
