"""Which sessions retention redacts: final (verified or canceled) since before the cutoff, not
redacted yet (or a redaction that failed part-way: `processing`, safe to run again), no review
pending (a screening alert on a verified session is still a case)."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from kyc.db.tables import VerificationSessionRow
from kyc.types import SessionStatus

FINAL = (SessionStatus.verified.value, SessionStatus.canceled.value)


def expired_session_ids(db: Session, cutoff: int, after: str, limit: int) -> list[str]:
    """Ids of the sessions whose last status change is at or before `cutoff` (unix seconds),
    after `after` in id order."""
    row = VerificationSessionRow
    query = (
        select(row.id)
        .where(
            col(row.status).in_(FINAL),
            or_(col(row.redaction_status).is_(None), col(row.redaction_status) == "processing"),
            col(row.review_pending).is_(False),
            row.updated <= cutoff,
            row.id > after,
        )
        .order_by(col(row.id))
        .limit(limit)
    )
    return list(db.exec(query))


def is_expired(row: VerificationSessionRow, cutoff: int) -> bool:
    """The same rule for one row, checked again right before its redaction."""
    return (
        row.status in FINAL
        and row.redaction_status in (None, "processing")
        and not row.review_pending
        and row.updated <= cutoff
    )
