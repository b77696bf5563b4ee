"""Redaction in the database: every piece of identity data kept for a session goes, while ids,
statuses and codes stay (so lists, events and audits keep their shape). The session's objects
are crypto-shredded apart (`kyc.crypto.SealedStore.shred`)."""

from __future__ import annotations

from sqlmodel import Session

from kyc.db import face_templates, files, reports, reviews, sessions
from kyc.db.tables import VerificationSessionRow


def erase_session_data(db: Session, session: VerificationSessionRow) -> None:
    sessions.erase_identity(session)
    reports.erase_bodies(db, session.id)
    files.delete_files(db, session.id)
    face_templates.delete_face_template(db, session.id)
    reviews.erase_notes(db, session.id)
    db.add(session)
