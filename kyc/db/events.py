"""Events (Stripe's event objects): written once per status change, listed newest first."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from kyc.db import payload_keys
from kyc.db.ids import new_id, now
from kyc.db.pagination import Page, PageRequest, page
from kyc.db.payload_keys import Shredded
from kyc.db.personal import event_context, scrubbed_session, split_event_data
from kyc.db.scope import owned
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow


def add_event(
    db: Session,
    platform_id: str,
    type: str,
    data: dict[str, Any],
    dedupe_key: str,
    session_id: str | None = None,
    *,
    livemode: bool,  # no default: an event of the wrong mode would reach the other mode's hooks
    sealer: ColumnSealer | None = None,  # required with a session_id: its fields are sealed
) -> EventRow:
    """Insert the event unless one with the same dedupe key exists (activity retries)."""
    existing = db.exec(select(EventRow).where(EventRow.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return existing
    row = EventRow(
        id=new_id("evt"),
        platform_id=platform_id,
        livemode=livemode,
        type=type,
        created=now(),
        data=data,
        dedupe_key=dedupe_key,
        session_id=session_id,
    )
    if session_id is not None:
        if sealer is None:
            raise ValueError("an event about a session needs the sealer of its fields")
        row.data, rest = split_event_data(data)
        with contextlib.suppress(Shredded):  # the `redacted` event: only its clear part
            if rest:
                row.data_sealed = sealer.seal_for_session(
                    db, session_id, event_context(row.id), rest
                )
    db.add(row)
    db.flush()
    return row


def list_events(
    db: Session,
    platform_id: str,
    request: PageRequest,
    types: list[str] | None = None,
    *,
    livemode: bool,
) -> Page[EventRow]:
    """The platform's events of one mode, of any of `types` (each may end with `*` to match a
    prefix)."""
    conditions: list[Any] = [EventRow.livemode == livemode]
    if types:
        column = col(EventRow.type)
        matches = [column.startswith(t[:-1]) if t.endswith("*") else column == t for t in types]
        conditions.append(or_(*matches))
    found = page(db, EventRow, request, *conditions, platform_id=platform_id)
    payload_keys.prefetch(db, [row.session_id for row in found[0] if row.session_id])
    return found


def get_event(db: Session, platform_id: str, event_id: str, *, livemode: bool) -> EventRow:
    return owned(db, EventRow, platform_id, event_id, "event", livemode=livemode)


def scrub_session_events(db: Session, session_id: str) -> int:
    """Redaction: the session's events lose every personal field (metadata,
    client_reference_id, return_url, last_error.reason, verified outputs, review reasons);
    returns how many were scrubbed."""
    rows = db.exec(select(EventRow).where(EventRow.session_id == session_id)).all()
    for row in rows:
        data = dict(row.data)
        data["object"] = scrubbed_session(data.get("object") or {})
        row.data = data  # a new dict: the JSON column is not mutation-tracked
        row.data_sealed = None  # undecryptable already (the salt is gone): no copy kept
        db.add(row)
    return len(rows)
