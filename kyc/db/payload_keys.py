"""Per-session salts of the session's own keys: its Temporal payload key (see kyc.temporal for
the derivation) and the key of its sealed database columns (kyc.db.sealing).

API and worker processes must agree on a session's key without talking to each other: the
first one to encode a payload of the session (the API, starting its workflow) inserts a random
salt, a concurrent inserter loses the primary-key race and reads the winner's. Redaction keeps
the row with `salt = None` (a tombstone), so no process ever makes a new key for the session,
and every copy of what those keys sealed (history exports, dead database tuples, write-ahead
logs, backups) stops decrypting.
"""

from __future__ import annotations

import os

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

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


def salt_in(db: Session, session_id: str, create: bool) -> bytes | None:
    """`salt_of` inside the caller's transaction (SQLite: a second connection would wait on the
    caller's write lock); a losing concurrent insert rolls back only its savepoint."""
    prefetched = db.info.get(PREFETCHED, {})
    if session_id in prefetched:
        return prefetched[session_id]
    row = db.get(PayloadKeyRow, session_id)
    if row is None and create:
        try:
            with db.begin_nested():
                db.add(
                    PayloadKeyRow(session_id=session_id, salt=os.urandom(SALT_BYTES), created=now())
                )
        except IntegrityError:
            pass
        row = db.get(PayloadKeyRow, session_id, populate_existing=True)
    if row is not None and row.salt is None:
        raise Shredded(session_id)
    return row.salt if row is not None else None


PREFETCHED = "payload_salts"  # the `Session.info` key of prefetched salts


def prefetch(db: Session, session_ids: list[str]) -> None:
    """Load the salts of a page of sessions in one query, kept for this database session:
    `salt_in` then finds them without asking the database once per row. Tombstones are not
    kept, so a redacted session still raises `Shredded`."""
    ids = sorted(set(session_ids))
    if not ids:
        return
    rows = db.exec(select(PayloadKeyRow).where(col(PayloadKeyRow.session_id).in_(ids))).all()
    db.info.setdefault(PREFETCHED, {}).update({r.session_id: r.salt for r in rows if r.salt})


def shred(db: Session, session_id: str) -> None:
    """Redaction: forget the salt, keep the tombstone."""
    db.info.get(PREFETCHED, {}).pop(session_id, None)
    row = db.get(PayloadKeyRow, session_id) or PayloadKeyRow(session_id=session_id, created=now())
    row.salt = None
    db.add(row)


class DatabasePayloadKeys:
    """`kyc.temporal.PayloadKeys` over the database: the store every process shares."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def salt(self, session_id: str, create: bool) -> bytes | None:
        return salt_of(self.engine, session_id, create)
