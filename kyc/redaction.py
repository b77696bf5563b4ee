"""Redaction in the database, and the redaction fence.

Redaction removes every piece of identity data kept for a session, while ids, statuses and
codes stay (so lists, events and audits keep their shape): the row's personal fields, report
bodies, files, the face template, review notes, screening alerts' sealed hits and dispositions,
the personal fields of its stored events, and the salt of its payload key (so its workflow
history no longer decrypts). The session's objects are crypto-shredded apart
(`kyc.crypto.SealedStore.shred`).

The fence: redaction first commits `redaction_status = "processing"`, and every write for a
session (status changes, face templates, alerts, objects) checks it first, in the same
transaction, with the session row locked (`FOR UPDATE` on PostgreSQL; SQLite serialises
writers and refuses a write from a stale read snapshot), so a write either commits before the
redaction starts (and is erased by it) or is refused with `SessionRedacted`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kyc.db import (
    dispositions,
    events,
    face_templates,
    files,
    monitoring,
    payload_keys,
    reports,
    reviews,
)
from kyc.db import sessions as db_sessions
from kyc.db.engine import session_scope
from kyc.db.tables import VerificationSessionRow
from kyc.errors import NotFound, SessionRedacted

Fence = Callable[[str], None]


def fenced_row(db: Session, session_id: str) -> VerificationSessionRow:
    """The session row, locked for this transaction; `SessionRedacted` once a redaction began."""
    row = db.exec(
        select(VerificationSessionRow)
        .where(VerificationSessionRow.id == session_id)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"No such verification_session: '{session_id}'")
    if row.redaction_status is not None:
        raise SessionRedacted(f"The session {session_id} was redacted: nothing more is written.")
    return row


def database_fence(engine: Engine) -> Fence:
    """A fence for writes outside the database (objects): raises `SessionRedacted` once a
    redaction of the session began."""

    def check(session_id: str) -> None:
        with session_scope(engine) as db:
            row = db.get(VerificationSessionRow, session_id)
            if row is not None and row.redaction_status is not None:
                raise SessionRedacted(f"The session {session_id} was redacted.")

    return check


def begin_redaction(db: Session, session: VerificationSessionRow) -> None:
    """Close the fence: from this commit on, nothing more is written for the session."""
    locked = db.exec(
        select(VerificationSessionRow)
        .where(VerificationSessionRow.id == session.id)
        .with_for_update()
    ).one()
    if locked.redaction_status is None:
        locked.redaction_status = "processing"
        db.add(locked)
    session.redaction_status = locked.redaction_status


def erase_session_data(db: Session, session: VerificationSessionRow) -> None:
    db_sessions.erase_identity(session)
    payload_keys.shred(db, session.id)
    reviews.set_review(session, pending=False, reasons=[], since=None, deadline=None)
    reports.erase_bodies(db, session.id)
    files.delete_files(db, session.id)
    face_templates.delete_face_template(db, session.id)
    reviews.erase_notes(db, session.id)
    monitoring.erase_alert_hits(db, session.id)
    dispositions.delete_for_session(db, session.id)
    events.scrub_session_events(db, session.id)
    db.add(session)
