"""Uploaded files of a session; their bytes are encrypted in object storage."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kyc.db.ids import new_id, now
from kyc.db.tables import FileRow, VerificationSessionRow


def add_file(
    db: Session,
    session: VerificationSessionRow,
    *,
    purpose: str,
    object_key: str,
    sha256: str,
    size: int,
    content_type: str,
    file_id: str | None = None,
) -> FileRow:
    row = FileRow(
        id=file_id or new_id("file"),
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


def delete_files(db: Session, session_id: str) -> None:
    """Redaction: forget every upload of the session (the objects are shredded apart)."""
    for file in db.exec(select(FileRow).where(FileRow.session_id == session_id)).all():
        db.delete(file)
