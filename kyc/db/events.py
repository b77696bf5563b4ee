"""Events (Stripe's event objects): written once per status change, listed newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from kyc.db.ids import new_id, now
from kyc.db.pagination import Page, PageRequest, page
from kyc.db.scope import owned
from kyc.db.tables import EventRow


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
    db: Session, platform_id: str, request: PageRequest, types: list[str] | None = None
) -> Page[EventRow]:
    """The platform's events of any of `types` (each may end with `*` to match a prefix)."""
    if not types:
        return page(db, EventRow, request, platform_id=platform_id)
    column = col(EventRow.type)
    matches = [column.startswith(t[:-1]) if t.endswith("*") else column == t for t in types]
    return page(db, EventRow, request, or_(*matches), platform_id=platform_id)


def get_event(db: Session, platform_id: str, event_id: str) -> EventRow:
    return owned(db, EventRow, platform_id, event_id, "event")
