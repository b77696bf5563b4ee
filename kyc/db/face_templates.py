"""Face templates: a selfie's embedding (sealed) per session, to spot one face verified under
two identities. Written when the face is matched, `verified` once the session is; deleted on
redaction."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kyc.db.ids import now
from kyc.db.tables import FaceTemplateRow


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
