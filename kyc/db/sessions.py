"""Verification session rows: created by the API, their status written by the workflows."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from kyc.db import payload_keys, personal
from kyc.db.ids import digest, new_id, now
from kyc.db.pagination import Page, PageRequest, page
from kyc.db.scope import owned
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import VerificationSessionRow
from kyc.errors import NotFound
from kyc.types import SessionStatus


def new_session(
    *,
    session_id: str | None = None,
    platform_id: str,
    type: str,
    options: dict[str, Any],
    expires_after_s: int,
    client_secret: str,
    livemode: bool = False,
) -> VerificationSessionRow:
    """A session row, not yet stored: the API starts its workflow before inserting it (its
    personal fields are sealed then, `kyc.db.personal.seal_personal`)."""
    created = now()
    return VerificationSessionRow(
        id=session_id or new_id("vs"),
        platform_id=platform_id,
        livemode=livemode,
        type=type,
        status=SessionStatus.requires_input.value,
        options=options,
        client_secret_hash=digest(client_secret),
        created=created,
        expires_at=created + expires_after_s,
        updated=created,
    )


def get_session(
    db: Session, platform_id: str, session_id: str, *, livemode: bool
) -> VerificationSessionRow:
    name = "verification_session"
    return owned(db, VerificationSessionRow, platform_id, session_id, name, livemode=livemode)


def sessions_by_id(
    db: Session, platform_id: str, session_ids: list[str], *, livemode: bool
) -> dict[str, VerificationSessionRow]:
    """The platform's sessions of one mode among `session_ids`, in one query (a page of
    reports), their salts with them."""
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    rows = db.exec(
        select(VerificationSessionRow).where(
            col(VerificationSessionRow.id).in_(ids),
            VerificationSessionRow.platform_id == platform_id,
            VerificationSessionRow.livemode == livemode,
        )
    ).all()
    payload_keys.prefetch(db, ids)
    return {row.id: row for row in rows}


def get_session_by_client_secret(
    db: Session, session_id: str, client_secret: str
) -> VerificationSessionRow:
    row = db.get(VerificationSessionRow, session_id)
    if row is None or row.client_secret_hash != digest(client_secret):
        raise NotFound(f"No such verification_session: '{session_id}'", param="id")
    return row


def list_sessions(
    db: Session,
    sealer: ColumnSealer,
    platform_id: str,
    request: PageRequest,
    *,
    livemode: bool,
    **equal: str | None,
) -> Page[VerificationSessionRow]:
    """The platform's sessions of one mode; `equal` may filter on `status`,
    `client_reference_id`, `related_customer` and `related_customer_account`."""
    plain, sealed = personal.lookup_filters(sealer, platform_id, equal)
    mode = VerificationSessionRow.livemode == livemode
    found = page(
        db, VerificationSessionRow, request, mode, *sealed, platform_id=platform_id, **plain
    )
    payload_keys.prefetch(db, [row.id for row in found[0]])  # their sealed fields are read next
    return found


def erase_identity(row: VerificationSessionRow) -> None:
    """Redaction of the row itself: identity data, metadata and free text go; ids, statuses and
    codes stay."""
    row.verified_outputs_sealed = None
    row.client_secret_sealed = None
    personal.erase_personal(row)
    row.redaction_status = "redacted"
    row.updated = now()
