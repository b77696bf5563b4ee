"""Idempotency-Key records: reserve before the work, complete or release after it.

The first request with a key reserves it with status 0 ("in progress"), so two concurrent
requests with the same key cannot both do the work; the response it completes with is replayed
to later requests with the same key and parameters.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kyc.db.ids import now
from kyc.db.tables import IdempotencyRow

IN_PROGRESS = 0


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find(db: Session, platform_id: str, key: str) -> IdempotencyRow | None:
    return db.get(IdempotencyRow, (platform_id, key))


def reserve(db: Session, platform_id: str, key: str, fingerprint: str) -> bool:
    """Claim `key` for a request in progress; False when it exists already."""
    db.add(
        IdempotencyRow(
            platform_id=platform_id,
            key=key,
            request_hash=fingerprint,
            status_code=IN_PROGRESS,
            response={},
            created=now(),
        )
    )
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return False
    return True


def complete(
    db: Session, platform_id: str, key: str, status_code: int, response: dict[str, Any]
) -> None:
    """Store the response that later requests with the same key replay."""
    row = find(db, platform_id, key)
    if row is None:
        return
    row.status_code = status_code
    row.response = response
    db.add(row)


def release(db: Session, platform_id: str, key: str) -> None:
    """Forget a reservation whose request failed, so the key can be retried."""
    row = find(db, platform_id, key)
    if row is not None and row.status_code == IN_PROGRESS:
        db.delete(row)
