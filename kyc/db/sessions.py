"""Verification sessions, their files, reports and review audit trail."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from kyc.db.identities import delete_face_template, mark_face_template_verified
from kyc.db.ids import digest, new_id, now
from kyc.db.pagination import page
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import (
    FileRow,
    ReviewAuditRow,
    VerificationReportRow,
    VerificationSessionRow,
)
from kyc.errors import NotFound
from kyc.types import RecordStatusInput, ReviewDecision, SessionStatus


def create_session(db: Session, **fields: Any) -> VerificationSessionRow:
    """Insert a new session (see `new_session` for the fields)."""
    row = new_session(**fields)
    db.add(row)
    db.flush()
    return row


def new_session(
    *,
    session_id: str | None = None,
    platform_id: str,
    type: str,
    options: dict[str, Any],
    metadata: dict[str, str],
    client_reference_id: str | None,
    return_url: str | None,
    expires_after_s: int,
    client_secret: str,
) -> VerificationSessionRow:
    """A session row, not yet stored: callers may start its workflow before inserting it."""
    created = now()
    return VerificationSessionRow(
        id=session_id or new_id("vs"),
        platform_id=platform_id,
        type=type,
        status=SessionStatus.requires_input.value,
        options=options,
        metadata_=metadata,
        client_reference_id=client_reference_id,
        client_secret_hash=digest(client_secret),
        return_url=return_url,
        created=created,
        expires_at=created + expires_after_s,
        updated=created,
    )


def get_session(db: Session, platform_id: str, session_id: str) -> VerificationSessionRow:
    """The platform's session; `NotFound` for another platform's (never a 403: no oracle)."""
    row = db.get(VerificationSessionRow, session_id)
    if row is None or row.platform_id != platform_id:
        raise NotFound(f"No such verification_session: '{session_id}'", param="id")
    return row


def get_session_by_client_secret(
    db: Session, session_id: str, client_secret: str
) -> VerificationSessionRow:
    row = db.get(VerificationSessionRow, session_id)
    if row is None or row.client_secret_hash != digest(client_secret):
        raise NotFound(f"No such verification_session: '{session_id}'", param="id")
    return row


def list_sessions(
    db: Session,
    platform_id: str,
    *,
    limit: int,
    starting_after: str | None = None,
    ending_before: str | None = None,
    status: str | None = None,
    client_reference_id: str | None = None,
    created: dict[str, int] | None = None,
) -> tuple[list[VerificationSessionRow], bool]:
    filters: list[Any] = [col(VerificationSessionRow.platform_id) == platform_id]
    if status:
        filters.append(col(VerificationSessionRow.status) == status)
    if client_reference_id:
        filters.append(col(VerificationSessionRow.client_reference_id) == client_reference_id)
    filters += _created_filters(col(VerificationSessionRow.created), created)
    return page(
        db,
        VerificationSessionRow,
        filters,
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
    )


def _created_filters(column: Any, created: dict[str, int] | None) -> list[Any]:
    ops = {"gt": column.__gt__, "gte": column.__ge__, "lt": column.__lt__, "lte": column.__le__}
    return [ops[op](value) for op, value in (created or {}).items()]


def apply_status(db: Session, change: RecordStatusInput, sealer: ColumnSealer) -> None:
    """Persist a status change reported by the workflow (idempotent: retries are harmless)."""
    row = db.get(VerificationSessionRow, change.session_id)
    if row is None:
        raise NotFound(f"No such verification_session: '{change.session_id}'")
    at = int(change.occurred_at.timestamp()) if change.occurred_at else now()
    row.status = change.status.value
    row.last_error_code = change.last_error.code if change.last_error else None
    row.last_error_reason = change.last_error.reason if change.last_error else None
    row.review_pending = change.status == SessionStatus.needs_review
    row.review_reasons = change.review_reasons
    if row.review_pending:
        row.review_since = row.review_since or at
        row.review_deadline = (
            int(change.review_deadline.timestamp()) if change.review_deadline else None
        )
    else:
        row.review_since = None
        row.review_deadline = None
    if change.status == SessionStatus.verified:
        mark_face_template_verified(db, row.id)
    if change.verified_identity is not None and row.redaction_status is None:
        row.verified_outputs_sealed = sealer.seal(
            f"{row.id}:verified_outputs", change.verified_identity.model_dump(mode="json")
        )
    if change.report is not None and change.report.attempt:
        row.attempt = max(row.attempt, change.report.attempt)
        _upsert_report(db, row, change, sealer, at)
    row.updated = now()
    db.add(row)


def _upsert_report(
    db: Session,
    session: VerificationSessionRow,
    change: RecordStatusInput,
    sealer: ColumnSealer,
    at: int,
) -> None:
    assert change.report is not None
    existing = db.exec(
        select(VerificationReportRow).where(
            VerificationReportRow.session_id == session.id,
            VerificationReportRow.attempt == change.report.attempt,
        )
    ).first()
    report = existing or VerificationReportRow(
        id=new_id("vr"),
        platform_id=session.platform_id,
        session_id=session.id,
        attempt=change.report.attempt,
        created=at,
        type=session.type,
    )
    report.body_sealed = sealer.seal(f"{report.id}:body", change.report.model_dump(mode="json"))
    db.add(report)
    session.last_report_id = report.id


def get_report(db: Session, platform_id: str, report_id: str) -> VerificationReportRow:
    row = db.get(VerificationReportRow, report_id)
    if row is None or row.platform_id != platform_id:
        raise NotFound(f"No such verification_report: '{report_id}'", param="id")
    return row


def list_reports(
    db: Session,
    platform_id: str,
    *,
    limit: int,
    starting_after: str | None = None,
    ending_before: str | None = None,
    verification_session: str | None = None,
    created: dict[str, int] | None = None,
) -> tuple[list[VerificationReportRow], bool]:
    filters: list[Any] = [col(VerificationReportRow.platform_id) == platform_id]
    if verification_session:
        filters.append(col(VerificationReportRow.session_id) == verification_session)
    filters += _created_filters(col(VerificationReportRow.created), created)
    return page(
        db,
        VerificationReportRow,
        filters,
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
    )


def add_file(
    db: Session,
    session: VerificationSessionRow,
    *,
    purpose: str,
    object_key: str,
    sha256: str,
    size: int,
    content_type: str,
) -> FileRow:
    row = FileRow(
        id=new_id("file"),
        platform_id=session.platform_id,
        session_id=session.id,
        purpose=purpose,
        object_key=object_key,
        sha256=sha256,
        size=size,
        content_type=content_type,
        created=now(),
    )
    db.add(row)
    db.flush()
    return row


def pending_files(db: Session, session_id: str) -> dict[str, FileRow]:
    """The latest unsubmitted upload per purpose: what the next submission will send."""
    rows = db.exec(
        select(FileRow)
        .where(FileRow.session_id == session_id, col(FileRow.submitted).is_(False))
        .order_by(col(FileRow.created), col(FileRow.id))
    ).all()
    return {row.purpose: row for row in rows}


def mark_submitted(db: Session, files: list[FileRow]) -> None:
    for row in files:
        row.submitted = True
        db.add(row)


def pending_reviews(
    db: Session, platform_id: str, *, limit: int, reason: str | None = None
) -> list[VerificationSessionRow]:
    """Sessions waiting for a reviewer, oldest first."""
    rows = db.exec(
        select(VerificationSessionRow)
        .where(
            VerificationSessionRow.platform_id == platform_id,
            col(VerificationSessionRow.review_pending).is_(True),
        )
        .order_by(col(VerificationSessionRow.review_since), col(VerificationSessionRow.id))
    ).all()
    if reason:
        rows = [row for row in rows if reason in row.review_reasons]
    return list(rows[:limit])


def record_review(
    db: Session, session: VerificationSessionRow, decision: ReviewDecision, resulting_status: str
) -> ReviewAuditRow:
    row = ReviewAuditRow(
        session_id=session.id,
        platform_id=session.platform_id,
        reviewer_id=decision.reviewer_id,
        decision=decision.decision,
        reason=decision.reason,
        note=decision.note,
        resulting_status=resulting_status,
        created=now(),
    )
    db.add(row)
    db.flush()
    return row


def review_history(db: Session, session_id: str) -> list[ReviewAuditRow]:
    return list(
        db.exec(
            select(ReviewAuditRow)
            .where(ReviewAuditRow.session_id == session_id)
            .order_by(col(ReviewAuditRow.created), col(ReviewAuditRow.id))
        ).all()
    )


def redact(db: Session, session: VerificationSessionRow) -> None:
    """Remove every piece of identity data kept for the session (objects are shredded apart)."""
    session.verified_outputs_sealed = None
    session.metadata_ = {}
    session.client_reference_id = None
    session.redaction_status = "redacted"
    session.last_error_reason = None
    session.updated = now()
    for report in db.exec(
        select(VerificationReportRow).where(VerificationReportRow.session_id == session.id)
    ).all():
        report.body_sealed = None
        db.add(report)
    for file in db.exec(select(FileRow).where(FileRow.session_id == session.id)).all():
        db.delete(file)
    delete_face_template(db, session.id)
    for audit in review_history(db, session.id):
        audit.note = None
        db.add(audit)
    db.add(session)
