"""The review queue and the review audit trail (who decided what, when, with what note)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kyc.db.ids import now
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import ReviewAuditRow, VerificationSessionRow
from kyc.types import ReviewDecision


def pending_reviews(
    db: Session, platform_id: str, *, livemode: bool, limit: int, reason: str | None = None
) -> list[VerificationSessionRow]:
    """Sessions of one mode waiting for a reviewer, oldest first."""
    rows = db.exec(
        select(VerificationSessionRow)
        .where(
            VerificationSessionRow.platform_id == platform_id,
            VerificationSessionRow.livemode == livemode,
            col(VerificationSessionRow.review_pending).is_(True),
        )
        .order_by(col(VerificationSessionRow.review_since), col(VerificationSessionRow.id))
    ).all()
    if reason:
        rows = [row for row in rows if reason in row.review_reasons]
    return list(rows[:limit])


def set_review(
    row: VerificationSessionRow,
    *,
    pending: bool,
    reasons: list[str],
    since: int | None,
    deadline: int | None,
    workflow_id: str | None = None,
) -> None:
    """Put the session under review (or out of it); its status is not touched."""
    row.review_pending = pending
    row.review_reasons = reasons if pending else []
    row.review_since = since if pending else None
    row.review_deadline = deadline if pending else None
    row.review_workflow_id = workflow_id if pending else None


NOTE = "review_note"  # the associated data of a sealed note


def record_review(
    db: Session,
    sealer: ColumnSealer,
    session: VerificationSessionRow,
    decision: ReviewDecision,
    resulting_status: str,
) -> ReviewAuditRow:
    note = decision.note
    row = ReviewAuditRow(
        **decision.model_dump(include={"reviewer_id", "decision", "reason"}),
        note_sealed=None if note is None else sealer.seal_for_session(db, session.id, NOTE, note),
        session_id=session.id,
        platform_id=session.platform_id,
        resulting_status=resulting_status,
        created=now(),
    )
    db.add(row)
    db.flush()
    return row


def note_of(db: Session, sealer: ColumnSealer, audit: ReviewAuditRow) -> str | None:
    """The decision's note; None once the session was redacted."""
    if audit.note_sealed is None:
        return None
    note = sealer.unseal_for_session(db, audit.session_id, NOTE, audit.note_sealed)
    return str(note) if note is not None else None


def review_history(db: Session, session_id: str) -> list[ReviewAuditRow]:
    return list(
        db.exec(
            select(ReviewAuditRow)
            .where(ReviewAuditRow.session_id == session_id)
            .order_by(col(ReviewAuditRow.created), col(ReviewAuditRow.id))
        ).all()
    )


def erase_notes(db: Session, session_id: str) -> None:
    """Redaction: the audit trail keeps who decided what, not the free-text notes."""
    for audit in review_history(db, session_id):
        audit.note_sealed = None
        db.add(audit)
