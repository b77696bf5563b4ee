"""Ongoing screening: monitoring runs per list snapshot, alerts raised on verified sessions."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kyc.db.ids import now
from kyc.db.tables import MonitoringRunRow, ScreeningAlertRow, VerificationSessionRow


def start_run(db: Session, snapshot_id: str) -> bool:
    """Note that `snapshot_id` is being monitored; False when a run for it already completed."""
    row = db.get(MonitoringRunRow, snapshot_id)
    if row is None:
        db.add(MonitoringRunRow(snapshot_id=snapshot_id, started=now()))
        db.flush()
        return True
    return row.completed is None


def complete_run(db: Session, snapshot_id: str, sessions: int, alerts: int) -> None:
    row = db.get(MonitoringRunRow, snapshot_id) or MonitoringRunRow(
        snapshot_id=snapshot_id, started=now()
    )
    row.completed = row.completed or now()
    row.sessions = sessions
    row.alerts = alerts
    db.add(row)


def verified_sessions(
    db: Session, after_session_id: str, limit: int
) -> list[VerificationSessionRow]:
    """Verified, unredacted sessions holding a sealed identity, of every platform, by id."""
    return list(
        db.exec(
            select(VerificationSessionRow)
            .where(
                VerificationSessionRow.status == "verified",
                col(VerificationSessionRow.redaction_status).is_(None),
                col(VerificationSessionRow.verified_outputs_sealed).is_not(None),
                col(VerificationSessionRow.id) > after_session_id,
            )
            .order_by(col(VerificationSessionRow.id))
            .limit(limit)
        ).all()
    )


def alerts_for(db: Session, platform_id: str, session_id: str) -> dict[str, str]:
    """`<list>:<entity_id>` -> the snapshot that first raised it, for this session."""
    rows = db.exec(
        select(ScreeningAlertRow).where(
            ScreeningAlertRow.platform_id == platform_id,
            ScreeningAlertRow.session_id == session_id,
        )
    ).all()
    return {f"{row.list}:{row.entity_id}": row.snapshot_id for row in rows}


def alert_context(hit: str) -> str:
    """The associated data of a hit sealed under its session's key (`hit`: list:entity)."""
    return f"alert:{hit}"


def add_alert(
    db: Session,
    session: VerificationSessionRow,
    hit: str,
    snapshot_id: str,
    hit_sealed: bytes | None,
) -> None:
    """Store a raised hit (a retried activity finds it there and does not add it again)."""
    list_name, _, entity_id = hit.partition(":")
    if db.get(ScreeningAlertRow, (session.platform_id, session.id, list_name, entity_id)) is None:
        db.add(
            ScreeningAlertRow(
                platform_id=session.platform_id,
                session_id=session.id,
                list=list_name,
                entity_id=entity_id,
                snapshot_id=snapshot_id,
                hit_sealed=hit_sealed,
                created=now(),
            )
        )


def erase_alert_hits(db: Session, session_id: str) -> None:
    """Redaction: the session's alerts keep which list entry was raised, not the sealed hit
    (whose explanation quotes the person's name)."""
    for alert in db.exec(
        select(ScreeningAlertRow).where(ScreeningAlertRow.session_id == session_id)
    ).all():
        alert.hit_sealed = None
        db.add(alert)
