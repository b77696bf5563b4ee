"""Per-identity memory: face templates (duplicate faces) and screening dispositions."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kyc.db.ids import now
from kyc.db.tables import FaceTemplateRow, ScreeningDispositionRow


def save_face_template(
    db: Session,
    *,
    platform_id: str,
    session_id: str,
    identity_key: str,
    model: str,
    embedding_sealed: bytes,
) -> None:
    """Keep the session's latest selfie template (unverified until the session is)."""
    row = db.get(FaceTemplateRow, session_id) or FaceTemplateRow(
        session_id=session_id,
        platform_id=platform_id,
        identity_key=identity_key,
        model=model,
        embedding_sealed=embedding_sealed,
        created=now(),
    )
    row.identity_key = identity_key
    row.model = model
    row.embedding_sealed = embedding_sealed
    db.add(row)


def verified_face_templates(
    db: Session, platform_id: str, model: str, exclude_session: str
) -> list[FaceTemplateRow]:
    return list(
        db.exec(
            select(FaceTemplateRow).where(
                FaceTemplateRow.platform_id == platform_id,
                FaceTemplateRow.model == model,
                col(FaceTemplateRow.verified).is_(True),
                FaceTemplateRow.session_id != exclude_session,
            )
        ).all()
    )


def mark_face_template_verified(db: Session, session_id: str) -> None:
    row = db.get(FaceTemplateRow, session_id)
    if row is not None:
        row.verified = True
        db.add(row)


def delete_face_template(db: Session, session_id: str) -> None:
    row = db.get(FaceTemplateRow, session_id)
    if row is not None:
        db.delete(row)


def record_disposition(
    db: Session,
    *,
    platform_id: str,
    identity_key: str,
    hit: str,
    disposition: str,
    session_id: str,
    reviewer_id: str,
) -> None:
    """Remember a reviewer's verdict on hit `<list>:<entity_id>` for this identity."""
    list_name, _, entity_id = hit.partition(":")
    key = (platform_id, identity_key, list_name, entity_id)
    row = db.get(ScreeningDispositionRow, key) or ScreeningDispositionRow(
        platform_id=platform_id,
        identity_key=identity_key,
        list=list_name,
        entity_id=entity_id,
        disposition=disposition,
        session_id=session_id,
        reviewer_id=reviewer_id,
        created=now(),
    )
    row.disposition = disposition
    row.session_id = session_id
    row.reviewer_id = reviewer_id
    db.add(row)


def cleared_hits(db: Session, platform_id: str, identity_key: str) -> set[str]:
    """`<list>:<entity_id>` of the hits reviewers marked false positive for this identity."""
    rows = db.exec(
        select(ScreeningDispositionRow).where(
            ScreeningDispositionRow.platform_id == platform_id,
            ScreeningDispositionRow.identity_key == identity_key,
            ScreeningDispositionRow.disposition == "false_positive",
        )
    ).all()
    return {f"{row.list}:{row.entity_id}" for row in rows}
