"""Per-session salts of the Temporal payload keys (see kyc.temporal for the derivation).

API and worker processes must agree on a session's key without talking to each other: the
first one to encode a payload of the session (the API, starting its workflow) inserts a random
salt, a concurrent inserter loses the primary-key race and reads the winner's. Redaction keeps
the row with `salt = None` (a tombstone), so no process ever makes a new key for the session.
"""

from __future__ import annotations

import os

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kyc.db.engine import session_scope
from kyc.db.ids import now
from kyc.db.tables import PayloadKeyRow

SALT_BYTES = 32


class Shredded(Exception):
    """The session was redacted: its payload key is gone for good."""


def salt_of(engine: Engine, session_id: str, create: bool) -> bytes | None:
    """The session's salt; a new one when `create` and there is none yet; None when there is
    none and not `create`; `Shredded` when the session was redacted."""
    for _ in range(2):
        with session_scope(engine) as db:
            row = db.get(PayloadKeyRow, session_id)
            if row is not None:
                if row.salt is None:
                    raise Shredded(session_id)
                return row.salt
            if not create:
                return None
        try:
            with session_scope(engine) as db:
                salt = os.urandom(SALT_BYTES)
                db.add(PayloadKeyRow(session_id=session_id, salt=salt, created=now()))
            return salt
        except IntegrityError:
            continue  # another process made it first: read theirs
    raise RuntimeError("payload salt neither found nor created")  # pragma: no cover


def shred(db: Session, session_id: str) -> None:
    """Redaction: forget the salt, keep the tombstone."""
    row = db.get(PayloadKeyRow, session_id) or PayloadKeyRow(session_id=session_id, created=now())
    row.salt = None
    db.add(row)


class DatabasePayloadKeys:
    """`kyc.temporal.PayloadKeys` over the database: the store every process shares."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def salt(self, session_id: str, create: bool) -> bytes | None:
        return salt_of(self.engine, session_id, create)
