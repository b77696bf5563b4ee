"""Webhook delivery rules: which endpoint gets which event, the body (the event object itself)
and Stripe's signature scheme, so the official SDKs' `construct_event` verifies our bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from kyc.db import webhooks
from kyc.db.engine import session_scope
from kyc.db.tables import EventRow, WebhookEndpointRow
from kyc.objects.event import event_public


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


def pending_deliveries(engine: Engine, event_ids: list[str]) -> list[Delivery]:
    """Each event to each subscribed endpoint that has not accepted it yet."""
    out = []
    with session_scope(engine) as db:
        for event_id in event_ids:
            event = db.get(EventRow, event_id)
            if event is None:
                continue
            body = event_public(event).model_dump(mode="json")
            payload = json.dumps(body, separators=(",", ":")).encode()
            for endpoint in webhooks.endpoints_for(db, event):
                if not webhooks.was_delivered(db, event.id, endpoint.id):
                    out.append(
                        Delivery(event.id, endpoint.id, endpoint.url, endpoint.secret, payload)
                    )
    return out


def record_delivery(engine: Engine, delivery: Delivery, status_code: int | None) -> bool:
    """Record an attempt; False when the endpoint was deleted meanwhile (the API deleted it
    between our read and this write: its foreign key refuses the row, and nothing is owed)."""
    try:
        with session_scope(engine) as db:
            if db.get(WebhookEndpointRow, delivery.endpoint_id) is None:
                return False
            webhooks.record_delivery(db, delivery.event_id, delivery.endpoint_id, status_code)
    except IntegrityError:
        return False
    return True
