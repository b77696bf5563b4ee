"""Idempotency-Key records: reserve before the work, complete or release after it.

The first request with a key reserves it with status 0 ("in progress"), so two concurrent
requests with the same key cannot both do the work; the response it completes with is replayed
to later requests with the same key and parameters.

Like Stripe's, records expire after 24 hours; a reservation whose request died between the work
and its completion (a crash) can be taken over once it is older than any request can last.
Keys are scoped by caller (a secret key and a session's client_secret never share one), and the
stored key is a hash of scope and key, so the column holds neither in clear.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kyc.db.tables import IdempotencyRow

IN_PROGRESS = 0
RETENTION_S = 24 * 3600
# Longer than any request may take (API calls into Temporal time out after 15 s).
RESERVATION_TIMEOUT_S = 120


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def scoped_key(scope: str, key: str) -> str:
    """The stored key: the caller's scope and its key, hashed (64 hex characters)."""
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def is_expired(row: IdempotencyRow, at: int) -> bool:
    """A completed record past its retention, or a reservation past its timeout."""
    limit = RESERVATION_TIMEOUT_S if row.status_code == IN_PROGRESS else RETENTION_S
    return row.created <= at - limit


def find(db: Session, platform_id: str, key: str, at: int) -> IdempotencyRow | None:
    """The live record of `key` (an expired one counts as absent)."""
    row = db.get(IdempotencyRow, (platform_id, key))
    if row is None or is_expired(row, at):
        return None
    return row


def reserve(db: Session, platform_id: str, key: str, fingerprint: str, at: int) -> bool:
    """Claim `key` for a request in progress (reserved at `at`, the request's token); False
    when a live record exists. An expired one is taken over by a conditional update, so two
    requests that find it expired cannot both win."""
    existing = db.get(IdempotencyRow, (platform_id, key))
    if existing is not None:
        if not is_expired(existing, at):
            return False
        taken = db.execute(
            update(IdempotencyRow)
            .where(
                IdempotencyRow.platform_id == platform_id,  # type: ignore[arg-type]
                IdempotencyRow.key == key,  # type: ignore[arg-type]
                IdempotencyRow.created == existing.created,  # type: ignore[arg-type]
                IdempotencyRow.status_code == existing.status_code,  # type: ignore[arg-type]
            )
            .values(request_hash=fingerprint, status_code=IN_PROGRESS, response={}, created=at)
        )
        db.expire_all()
        return bool(taken.rowcount == 1)  # type: ignore[attr-defined]
    db.add(
        IdempotencyRow(
            platform_id=platform_id,
            key=key,
            request_hash=fingerprint,
            status_code=IN_PROGRESS,
            response={},
            created=at,
        )
    )
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return False
    return True


def _own_reservation(db: Session, platform_id: str, key: str, at: int) -> IdempotencyRow | None:
    """The reservation made at `at`, unless another request has taken it over since."""
    row = db.get(IdempotencyRow, (platform_id, key))
    if row is None or row.status_code != IN_PROGRESS or row.created != at:
        return None
    return row


def complete(
    db: Session, platform_id: str, key: str, at: int, status_code: int, response: dict[str, Any]
) -> None:
    """Store the response that later requests with the same key replay (sealed by the caller
    when it holds secrets)."""
    row = _own_reservation(db, platform_id, key, at)
    if row is None:
        return
    row.status_code = status_code
    row.response = response
    db.add(row)


def release(db: Session, platform_id: str, key: str, at: int) -> None:
    """Forget a reservation whose request failed, so the key can be retried."""
    row = _own_reservation(db, platform_id, key, at)
    if row is not None:
        db.delete(row)
