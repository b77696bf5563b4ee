"""Webhook endpoint removal (creation and listing live in `kyc.db.events`)."""

from __future__ import annotations

from sqlmodel import Session, select

from kyc.db.tables import WebhookDeliveryRow, WebhookEndpointRow


def delete_webhook_endpoint(db: Session, endpoint: WebhookEndpointRow) -> None:
    """Delete the endpoint and its delivery records."""
    for delivery in db.exec(
        select(WebhookDeliveryRow).where(WebhookDeliveryRow.endpoint_id == endpoint.id)
    ).all():
        db.delete(delivery)
    db.flush()
    db.delete(endpoint)
