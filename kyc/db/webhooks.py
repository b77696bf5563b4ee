"""Webhook endpoints and the delivery record of each event to each endpoint."""

from __future__ import annotations

from sqlmodel import Session, select

from kyc.db.ids import new_id, new_secret, now
from kyc.db.pagination import Page, PageRequest, page
from kyc.db.scope import owned
from kyc.db.tables import EventRow, WebhookDeliveryRow, WebhookEndpointRow

DISABLE_AFTER_FAILING_S = 3 * 24 * 3600


def create_webhook_endpoint(
    db: Session, platform_id: str, url: str, enabled_events: list[str], *, livemode: bool
) -> WebhookEndpointRow:
    """An endpoint of one mode: it receives that mode's events only."""
    row = WebhookEndpointRow(
        id=new_id("we"),
        platform_id=platform_id,
        livemode=livemode,
        url=url,
        secret=new_secret("whsec"),
        enabled_events=enabled_events,
        created=now(),
    )
    db.add(row)
    db.flush()
    return row


def list_webhook_endpoints(
    db: Session, platform_id: str, request: PageRequest, *, livemode: bool
) -> Page[WebhookEndpointRow]:
    mode = WebhookEndpointRow.livemode == livemode
    return page(db, WebhookEndpointRow, request, mode, platform_id=platform_id)


def count_webhook_endpoints(db: Session, platform_id: str, *, livemode: bool) -> int:
    """The platform's endpoints of one mode (the limit applies per mode, as on Stripe)."""
    return len(_all_endpoints(db, platform_id, livemode))


def _all_endpoints(db: Session, platform_id: str, livemode: bool) -> list[WebhookEndpointRow]:
    return list(
        db.exec(
            select(WebhookEndpointRow).where(
                WebhookEndpointRow.platform_id == platform_id,
                WebhookEndpointRow.livemode == livemode,
            )
        )
    )


def get_webhook_endpoint(
    db: Session, platform_id: str, endpoint_id: str, *, livemode: bool
) -> WebhookEndpointRow:
    name = "webhook_endpoint"
    return owned(db, WebhookEndpointRow, platform_id, endpoint_id, name, livemode=livemode)


def delete_webhook_endpoint(db: Session, endpoint: WebhookEndpointRow) -> None:
    """Delete the endpoint and its delivery records."""
    for delivery in db.exec(
        select(WebhookDeliveryRow).where(WebhookDeliveryRow.endpoint_id == endpoint.id)
    ).all():
        db.delete(delivery)
    db.flush()
    db.delete(endpoint)


def endpoints_for(db: Session, event: EventRow) -> list[WebhookEndpointRow]:
    """Enabled endpoints of the event's platform and mode that subscribe to its type: a test
    event never reaches a live endpoint, nor a live event a test one."""
    return [
        e
        for e in _all_endpoints(db, event.platform_id, event.livemode)
        if e.status == "enabled" and ("*" in e.enabled_events or event.type in e.enabled_events)
    ]


def _delivery(db: Session, event_id: str, endpoint_id: str) -> WebhookDeliveryRow | None:
    return db.exec(
        select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.event_id == event_id, WebhookDeliveryRow.endpoint_id == endpoint_id
        )
    ).first()


def record_delivery(
    db: Session, event_id: str, endpoint_id: str, status_code: int | None
) -> WebhookEndpointRow | None:
    """Count an attempt; nothing for an endpoint deleted meanwhile (its deliveries are over).
    Returns the endpoint when this attempt disabled it, else None."""
    if db.get(WebhookEndpointRow, endpoint_id) is None:
        return None
    row = _delivery(db, event_id, endpoint_id) or WebhookDeliveryRow(
        event_id=event_id, endpoint_id=endpoint_id, updated=now()
    )
    row.attempts += 1
    row.status_code = status_code
    row.delivered = status_code is not None and 200 <= status_code < 300
    row.updated = now()
    db.add(row)
    return _track_health(db, endpoint_id, row.delivered, row.updated)


def _track_health(
    db: Session, endpoint_id: str, delivered: bool, at: int
) -> WebhookEndpointRow | None:
    """Stripe's rule: an endpoint that has failed every delivery for three days is disabled
    (the platform re-creates it once it is fixed); its pending deliveries then stop. Returns
    the endpoint when this attempt disabled it (once: a disabled endpoint gets no attempts)."""
    endpoint = db.get(WebhookEndpointRow, endpoint_id)
    if endpoint is None or endpoint.status != "enabled":
        return None
    disabled = False
    if delivered:
        endpoint.failing_since = None
    elif endpoint.failing_since is None:
        endpoint.failing_since = at
    elif at - endpoint.failing_since >= DISABLE_AFTER_FAILING_S:
        endpoint.status = "disabled"
        disabled = True
    db.add(endpoint)
    return endpoint if disabled else None


def was_delivered(db: Session, event_id: str, endpoint_id: str) -> bool:
    row = _delivery(db, event_id, endpoint_id)
    return bool(row and row.delivered)
