"""Events (Stripe's event objects), webhook endpoints and idempotency records."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kyc.db.ids import new_id, new_secret, now
from kyc.db.pagination import page
from kyc.db.tables import EventRow, IdempotencyRow, WebhookDeliveryRow, WebhookEndpointRow
from kyc.errors import NotFound


def add_event(
    db: Session, platform_id: str, type: str, data: dict[str, Any], dedupe_key: str
) -> EventRow:
    """Insert the event unless one with the same dedupe key exists (activity retries)."""
    existing = db.exec(select(EventRow).where(EventRow.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return existing
    row = EventRow(
        id=new_id("evt"),
        platform_id=platform_id,
        type=type,
        created=now(),
        data=data,
        dedupe_key=dedupe_key,
    )
    db.add(row)
    db.flush()
    return row


def list_events(
    db: Session,
    platform_id: str,
    *,
    limit: int,
    starting_after: str | None = None,
    ending_before: str | None = None,
    type: str | None = None,
) -> tuple[list[EventRow], bool]:
    filters: list[Any] = [col(EventRow.platform_id) == platform_id]
    if type:
        if type.endswith("*"):
            filters.append(col(EventRow.type).startswith(type[:-1]))
        else:
            filters.append(col(EventRow.type) == type)
    return page(
        db,
        EventRow,
        filters,
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
    )


def get_event(db: Session, platform_id: str, event_id: str) -> EventRow:
    row = db.get(EventRow, event_id)
    if row is None or row.platform_id != platform_id:
        raise NotFound(f"No such event: '{event_id}'", param="id")
    return row


def create_webhook_endpoint(
    db: Session, platform_id: str, url: str, enabled_events: list[str]
) -> WebhookEndpointRow:
    row = WebhookEndpointRow(
        id=new_id("we"),
        platform_id=platform_id,
        url=url,
        secret=new_secret("whsec"),
        enabled_events=enabled_events,
        created=now(),
    )
    db.add(row)
    db.flush()
    return row


def list_webhook_endpoints(db: Session, platform_id: str) -> list[WebhookEndpointRow]:
    return list(
        db.exec(
            select(WebhookEndpointRow)
            .where(WebhookEndpointRow.platform_id == platform_id)
            .order_by(col(WebhookEndpointRow.created).desc())
        ).all()
    )


def get_webhook_endpoint(db: Session, platform_id: str, endpoint_id: str) -> WebhookEndpointRow:
    row = db.get(WebhookEndpointRow, endpoint_id)
    if row is None or row.platform_id != platform_id:
        raise NotFound(f"No such webhook_endpoint: '{endpoint_id}'", param="id")
    return row


def endpoints_for(db: Session, event: EventRow) -> list[WebhookEndpointRow]:
    """Enabled endpoints of the event's platform that subscribe to its type."""
    return [
        e
        for e in list_webhook_endpoints(db, event.platform_id)
        if e.status == "enabled" and ("*" in e.enabled_events or event.type in e.enabled_events)
    ]


def record_delivery(db: Session, event_id: str, endpoint_id: str, status_code: int | None) -> None:
    row = db.exec(
        select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.event_id == event_id, WebhookDeliveryRow.endpoint_id == endpoint_id
        )
    ).first() or WebhookDeliveryRow(event_id=event_id, endpoint_id=endpoint_id, updated=now())
    row.attempts += 1
    row.status_code = status_code
    row.delivered = status_code is not None and 200 <= status_code < 300
    row.updated = now()
    db.add(row)


def was_delivered(db: Session, event_id: str, endpoint_id: str) -> bool:
    row = db.exec(
        select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.event_id == event_id, WebhookDeliveryRow.endpoint_id == endpoint_id
        )
    ).first()
    return bool(row and row.delivered)


# --- idempotency ---------------------------------------------------------------------------------


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_idempotent(db: Session, platform_id: str, key: str) -> IdempotencyRow | None:
    return db.get(IdempotencyRow, (platform_id, key))


def save_idempotent(
    db: Session,
    platform_id: str,
    key: str,
    fingerprint: str,
    status_code: int,
    response: dict[str, Any],
) -> bool:
    """Store the first response; False when a concurrent request stored one first."""
    db.add(
        IdempotencyRow(
            platform_id=platform_id,
            key=key,
            request_hash=fingerprint,
            status_code=status_code,
            response=response,
            created=now(),
        )
    )
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return False
    return True
