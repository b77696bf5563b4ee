"""Verification session rows: created by the API, their status written by the workflows."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from kyc.db.ids import digest, new_id, now
from kyc.db.pagination import Page, PageRequest, page
from kyc.db.scope import owned
from kyc.db.tables import VerificationSessionRow
from kyc.errors import NotFound
from kyc.types import SessionStatus


def new_session(
    *,
    session_id: str | None = None,
    platform_id: str,
    type: str,
    options: dict[str, Any],
    metadata: dict[str, str],
    client_reference_id: str | None,
    return_url: str | None,
    related_customer: str | None = None,
    related_customer_account: str | None = None,
    expires_after_s: int,
    client_secret: str,
    livemode: bool = False,
) -> VerificationSessionRow:
    """A session row, not yet stored: the API starts its workflow before inserting it."""
    created = now()
    return VerificationSessionRow(
        id=session_id or new_id("vs"),
        platform_id=platform_id,
        livemode=livemode,
        type=type,
        status=SessionStatus.requires_input.value,
        options=options,
        metadata_=metadata,
        client_reference_id=client_reference_id,
        related_customer=related_customer,
        related_customer_account=related_customer_account,
        client_secret_hash=digest(client_secret),
        return_url=return_url,
        created=created,
        expires_at=created + expires_after_s,
        updated=created,
    )


def get_session(
    db: Session, platform_id: str, session_id: str, *, livemode: bool
) -> VerificationSessionRow:
    name = "verification_session"
    return owned(db, VerificationSessionRow, platform_id, session_id, name, livemode=livemode)


def get_session_by_client_secret(
    db: Session, session_id: str, client_secret: str
) -> VerificationSessionRow:
    row = db.get(VerificationSessionRow, session_id)
    if row is None or row.client_secret_hash != digest(client_secret):
        raise NotFound(f"No such verification_session: '{session_id}'", param="id")
    return row


def list_sessions(
    db: Session, platform_id: str, request: PageRequest, *, livemode: bool, **equal: str | None
) -> Page[VerificationSessionRow]:
    """The platform's sessions of one mode; `equal` may filter on `status`,
    `client_reference_id`, `related_customer` and `related_customer_account`."""
    mode = VerificationSessionRow.livemode == livemode
    return page(db, VerificationSessionRow, request, mode, platform_id=platform_id, **equal)


def erase_identity(row: VerificationSessionRow) -> None:
    """Redaction of the row itself: identity data, metadata and free text go; ids, statuses and
    codes stay."""
    row.verified_outputs_sealed = None
    row.client_secret_sealed = None
    row.metadata_ = {}
    row.client_reference_id = None
    row.related_customer = None
    row.related_customer_account = None
    row.redaction_status = "redacted"
    row.last_error_reason = None
    row.updated = now()
