"""Verification reports: one per attempt, the body sealed under the session's key (it holds
identity data)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from kyc.db.ids import new_id
from kyc.db.pagination import Page, PageRequest, page
from kyc.db.personal import lookup_filters
from kyc.db.scope import owned
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import VerificationReportRow, VerificationSessionRow


def upsert_report(
    db: Session,
    session: VerificationSessionRow,
    attempt: int,
    body: dict[str, Any],
    sealer: ColumnSealer,
    at: int,
) -> VerificationReportRow:
    """Store (or replace) the report of `attempt`; it becomes the session's latest."""
    existing = db.exec(
        select(VerificationReportRow).where(
            VerificationReportRow.session_id == session.id,
            VerificationReportRow.attempt == attempt,
        )
    ).first()
    report = existing or VerificationReportRow(
        id=new_id("vr"),
        platform_id=session.platform_id,
        livemode=session.livemode,
        session_id=session.id,
        attempt=attempt,
        created=at,
        type=session.type,
    )
    report.body_sealed = sealer.seal_for_session(db, session.id, body_context(report.id), body)
    db.add(report)
    session.last_report_id = report.id
    return report


def body_context(report_id: str) -> str:
    return f"report:{report_id}:body"


def report_body(db: Session, sealer: ColumnSealer, row: VerificationReportRow) -> dict[str, Any]:
    """The stored report (kyc.types.VerificationReport as JSON), sealed under its session's
    key; empty once redacted."""
    if row.body_sealed is None:
        return {}
    body = sealer.unseal_for_session(db, row.session_id, body_context(row.id), row.body_sealed)
    return dict(body) if body is not None else {}


def get_report(
    db: Session, platform_id: str, report_id: str, *, livemode: bool
) -> VerificationReportRow:
    name = "verification_report"
    return owned(db, VerificationReportRow, platform_id, report_id, name, livemode=livemode)


def reports_of_sessions(
    db: Session, report_ids: list[str], session_ids: list[str]
) -> list[VerificationReportRow]:
    """The reports among `report_ids` that belong to `session_ids` (already scoped to a
    platform and mode), in one query."""
    if not report_ids:
        return []
    return list(
        db.exec(
            select(VerificationReportRow).where(
                col(VerificationReportRow.id).in_(sorted(set(report_ids))),
                col(VerificationReportRow.session_id).in_(session_ids),
            )
        ).all()
    )


def list_reports(
    db: Session,
    sealer: ColumnSealer,
    platform_id: str,
    request: PageRequest,
    *,
    livemode: bool,
    client_reference_id: str | None = None,
    **equal: str | None,
) -> Page[VerificationReportRow]:
    """The platform's reports of one mode; `equal` may filter on `session_id` and `type`, and
    `client_reference_id` on their sessions' (reports do not store it: redaction erases it)."""
    conditions: list[Any] = [VerificationReportRow.livemode == livemode]
    if client_reference_id:
        _, matching = lookup_filters(
            sealer, platform_id, {"client_reference_id": client_reference_id}
        )
        sessions = select(VerificationSessionRow.id).where(
            VerificationSessionRow.platform_id == platform_id, *matching
        )
        conditions.append(col(VerificationReportRow.session_id).in_(sessions))
    return page(db, VerificationReportRow, request, *conditions, platform_id=platform_id, **equal)


def erase_bodies(db: Session, session_id: str) -> None:
    """Redaction: every report of the session keeps its id and loses its body."""
    for report in db.exec(
        select(VerificationReportRow).where(VerificationReportRow.session_id == session_id)
    ).all():
        report.body_sealed = None
        db.add(report)
