"""Face templates: a selfie's embedding (sealed) per session, to spot one face verified under
two identities. Written when the face is matched, `verified` once the session is; deleted on
redaction."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kyc.db.tables import FaceTemplateRow

FACE = "face"  # the associated data of a template sealed under its session's key


def save_face_template(db: Session, template: FaceTemplateRow) -> None:
    """Keep the session's latest selfie template (it replaces an earlier attempt's, and stays
    unverified until the session is)."""
    db.merge(template)


def verified_face_templates(
    db: Session, platform_id: str, model: str, exclude_session: str, *, livemode: bool
) -> list[FaceTemplateRow]:
    """The verified templates of the platform's sessions of one mode: a test selfie is never
    compared with live ones."""
    return list(
        db.exec(
            select(FaceTemplateRow).where(
                FaceTemplateRow.platform_id == platform_id,
                FaceTemplateRow.livemode == livemode,
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
