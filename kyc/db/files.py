"""Uploaded files of a session; their bytes are encrypted in object storage."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kyc.db.ids import now
from kyc.db.tables import FileRow, VerificationSessionRow
from kyc.types import StoredFile


def add_file(
    db: Session, session: VerificationSessionRow, file_id: str, purpose: str, stored: StoredFile
) -> FileRow:
    """Record an upload whose bytes were stored (encrypted) at `stored.key`."""
    row = FileRow(
        id=file_id,
        platform_id=session.platform_id,
        livemode=session.livemode,
        session_id=session.id,
        purpose=purpose,
        object_key=stored.key,
        **stored.model_dump(include={"sha256", "size", "content_type"}),
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


def stored_file(row: FileRow) -> StoredFile:
    """What a submission sends the workflow for this upload (no bytes: the object key)."""
    return StoredFile(
        key=row.object_key, sha256=row.sha256, size=row.size, content_type=row.content_type
    )


def mark_submitted(db: Session, files: list[FileRow], attempt: int | None = None) -> None:
    """The files went to the workflow as `attempt` (whose report lists their ids)."""
    for row in files:
        row.submitted = True
        row.attempt = attempt
        db.add(row)


def attempt_files(db: Session, session_id: str, attempt: int) -> dict[str, str]:
    """The ids of the files submitted for one attempt, by purpose (a report's `files`)."""
    return files_by_attempt(db, [session_id]).get((session_id, attempt), {})


def files_by_attempt(db: Session, session_ids: list[str]) -> dict[tuple[str, int], dict[str, str]]:
    """`attempt_files` of every attempt of these sessions, in one query (report lists)."""
    rows = db.exec(
        select(FileRow)
        .where(col(FileRow.session_id).in_(session_ids), col(FileRow.attempt).is_not(None))
        .order_by(col(FileRow.created), col(FileRow.id))
    ).all()
    out: dict[tuple[str, int], dict[str, str]] = {}
    for row in rows:
        assert row.attempt is not None
        out.setdefault((row.session_id, row.attempt), {})[row.purpose] = row.id
    return out


def delete_files(db: Session, session_id: str) -> None:
    """Redaction: forget every upload of the session (the objects are shredded apart)."""
    for file in db.exec(select(FileRow).where(FileRow.session_id == session_id)).all():
        db.delete(file)
