"""Idempotency-Key reservations: reserve before the work, complete or release after it.

Extends `kyc.db.events.save_idempotent` (which stores a finished response) so that two
concurrent requests with the same key cannot both do the work: the first reserves the key with
status 0 ("in progress"), the second sees the reservation and is refused.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from kyc.db.events import find_idempotent, save_idempotent
from kyc.db.tables import IdempotencyRow

IN_PROGRESS = 0


def reserve(db: Session, platform_id: str, key: str, fingerprint: str) -> bool:
    """Claim `key` for a request in progress; False when it exists already."""
    return save_idempotent(db, platform_id, key, fingerprint, IN_PROGRESS, {})


def complete(
    db: Session, platform_id: str, key: str, status_code: int, response: dict[str, Any]
) -> None:
    """Store the response that later requests with the same key replay."""
    row = find_idempotent(db, platform_id, key)
    if row is None:
        return
    row.status_code = status_code
    row.response = response
    db.add(row)


def release(db: Session, platform_id: str, key: str) -> None:
    """Forget a reservation whose request failed, so the key can be retried."""
    row = db.get(IdempotencyRow, (platform_id, key))
    if row is not None and row.status_code == IN_PROGRESS:
        db.delete(row)
