"""Screening dispositions: a reviewer's verdict on a hit for one identity (keyed by its HMAC),
so a cleared false positive is not raised again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from kyc.db.ids import now
from kyc.db.tables import ScreeningDispositionRow, VerificationSessionRow


def record_disposition(
    db: Session,
    session: VerificationSessionRow,
    identity_key: str,
    hit: str,
    disposition: str,
    reviewer_id: str,
) -> None:
    """Remember a reviewer's verdict on hit `<list>:<entity_id>` for this identity (the latest
    verdict replaces an earlier one)."""
    list_name, _, entity_id = hit.partition(":")
    db.merge(
        ScreeningDispositionRow(
            platform_id=session.platform_id,
            livemode=session.livemode,
            identity_key=identity_key,
            list=list_name,
            entity_id=entity_id,
            disposition=disposition,
            session_id=session.id,
            reviewer_id=reviewer_id,
            created=now(),
        )
    )


def judged_hits(
    db: Session,
    platform_id: str,
    identity_key: str | Sequence[str],
    disposition: str | None = None,
    *,
    livemode: bool,
) -> set[str]:
    """`<list>:<entity_id>` of the hits reviewers judged for this identity in one mode (with
    `disposition` when given: "false_positive" for the cleared ones)."""
    keys = [identity_key] if isinstance(identity_key, str) else list(identity_key)
    query = select(ScreeningDispositionRow).where(
        ScreeningDispositionRow.platform_id == platform_id,
        ScreeningDispositionRow.livemode == livemode,
        col(ScreeningDispositionRow.identity_key).in_(keys),
    )
    if disposition is not None:
        query = query.where(ScreeningDispositionRow.disposition == disposition)
    return {f"{row.list}:{row.entity_id}" for row in db.exec(query).all()}


def cleared_hits(
    db: Session, platform_id: str, identity_key: str | Sequence[str], *, livemode: bool
) -> set[str]:
    """Hits reviewers marked false positive for this identity, in one mode."""
    return judged_hits(db, platform_id, identity_key, "false_positive", livemode=livemode)


def delete_for_session(db: Session, session_id: str) -> None:
    """Redaction: verdicts given in this session go with it (their identity key is an HMAC of
    the person's name and birth date, still personal data); a cleared false positive may be
    raised again for this identity, which errs on the side of screening."""
    for row in db.exec(
        select(ScreeningDispositionRow).where(ScreeningDispositionRow.session_id == session_id)
    ).all():
        db.delete(row)
