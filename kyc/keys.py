"""Master key rotation, in two steps that never leave a running process unable to read.

1. `kyc keys rotate`: a new master key becomes current and the old one retired (both in the
   state dir's secrets.json). Processes restarted with it read data under either key and seal
   new data under the new one; processes not yet restarted keep sealing under the old key,
   which every restarted process still reads.
2. `kyc keys rewrap` (once every process runs with the new ring): re-wraps every session's data
   key and reseals every sealed column under the current key, while the service runs (each row
   and object is rewritten on its own, and a concurrent writer seals under a key of the ring).
   Afterwards the retired key can be dropped from `retired_master_keys`.

Identity HMACs are lookup keys, not envelopes: new ones are made under the current key and
`kyc.identity.identity_keys` matches those of every key of the ring, so a retired key should
stay in the ring as long as its screening verdicts matter. The payload key is not rotated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from kyc.crypto import (
    PURPOSE_COLUMNS,
    PURPOSE_KEY_WRAPPING,
    MasterKeys,
    PurposeSealer,
    generate_key,
)
from kyc.db.engine import session_scope
from kyc.db.face_templates import FACE
from kyc.db.monitoring import alert_context
from kyc.db.payload_keys import Shredded
from kyc.db.personal import VERIFIED_OUTPUTS, event_context, personal_of, seal_personal
from kyc.db.reports import body_context
from kyc.db.reviews import NOTE
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import (
    EventRow,
    FaceTemplateRow,
    ReviewAuditRow,
    ScreeningAlertRow,
    VerificationReportRow,
    VerificationSessionRow,
)
from kyc.errors import SessionRedacted
from kyc.redaction import database_fence
from kyc.storage import ObjectStore

SECRETS_FILE = "secrets.json"


def rotate_secrets(state_dir: Path) -> str:
    """Make a new master key current in `<state_dir>/secrets.json`, the old one retired;
    returns the new key's id."""
    path = state_dir / SECRETS_FILE
    values: dict[str, str] = json.loads(path.read_text())
    old = values.get("master_key", "")
    if not old:
        raise ValueError(f"{path} holds no master_key to rotate")
    retired = [k for k in values.get("retired_master_keys", "").split(",") if k]
    values["master_key"] = generate_key()
    values["retired_master_keys"] = ",".join([old, *[k for k in retired if k != old]])
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return PurposeSealer(values["master_key"], PURPOSE_COLUMNS).key_id.decode()


@dataclass
class Rewrapped:
    data_keys: int = 0
    columns: int = 0


# (table, sealed column, the associated data it was sealed with)
SEALED_COLUMNS: list[tuple[Any, str, Any]] = [
    (VerificationSessionRow, "client_secret_sealed", lambda r: f"{r.id}:client_secret"),
]


def rewrap(engine: Engine, store: ObjectStore, master_keys: MasterKeys) -> Rewrapped:
    """Reseal everything sealed under a retired master key (or the k1 format) under the
    current one: the sessions' wrapped data keys and the sealed columns."""
    done = Rewrapped()
    fence = database_fence(engine)
    wrapping = PurposeSealer(master_keys, PURPOSE_KEY_WRAPPING)
    for name in list(store.keys("sessions/")):
        if not name.endswith("/data-key"):
            continue
        blob = store.get(name)
        if wrapping.is_current(blob):
            continue
        session_id = name.split("/")[1]
        aad = session_id.encode()
        try:
            fence(session_id)
            store.put(name, wrapping.seal(wrapping.unseal(blob, aad), aad))
            fence(session_id)  # a redaction that shredded meanwhile must not get its key back
        except SessionRedacted:
            store.delete(name)
            continue
        done.data_keys += 1
    columns = PurposeSealer(master_keys, PURPOSE_COLUMNS)
    for table, column, context in SEALED_COLUMNS:
        with session_scope(engine) as db:
            rows = db.exec(select(table).where(col(getattr(table, column)).is_not(None))).all()
        for row in rows:
            blob = getattr(row, column)
            if columns.is_current(blob):
                continue
            aad = context(row).encode()
            with session_scope(engine) as db:
                fresh = db.get(table, db_key(row))
                if fresh is None or getattr(fresh, column) != blob:
                    continue  # rewritten or erased meanwhile: already under a key of the ring
                setattr(fresh, column, columns.seal(columns.unseal(blob, aad), aad))
                db.add(fresh)
            done.columns += 1
    done.columns += _reseal_session_columns(engine, ColumnSealer(master_keys))
    return done


# The columns sealed under their session's key, and where a row keeps its session id and
# sealing context. The session's personal fields are the one more case (their lookups too).
_SESSION_SEALED: dict[tuple[Any, str], Callable[[Any], tuple[str, str]]] = {
    (VerificationSessionRow, "verified_outputs_sealed"): lambda r: (r.id, VERIFIED_OUTPUTS),
    (VerificationReportRow, "body_sealed"): lambda r: (r.session_id, body_context(r.id)),
    (EventRow, "data_sealed"): lambda r: (r.session_id, event_context(r.id)),
    (ReviewAuditRow, "note_sealed"): lambda r: (r.session_id, NOTE),
    (FaceTemplateRow, "embedding_sealed"): lambda r: (r.session_id, FACE),
    (ScreeningAlertRow, "hit_sealed"): lambda r: (
        r.session_id,
        alert_context(f"{r.list}:{r.entity_id}"),
    ),
}
_PERSONAL = (VerificationSessionRow, "personal_sealed")


def _reseal_session_columns(engine: Engine, sealer: ColumnSealer) -> int:
    """The columns sealed under the sessions' own keys, one row at a time."""
    count = 0
    for table, column in (_PERSONAL, *_SESSION_SEALED):
        with session_scope(engine) as db:
            rows = db.exec(select(table).where(col(getattr(table, column)).is_not(None))).all()
            keys = [db_key(r) for r in rows if not sealer.is_current(getattr(r, column))]
        for key in keys:
            with session_scope(engine) as db:
                fresh = db.get(table, key)
                blob = getattr(fresh, column, None)
                if fresh is None or blob is None or sealer.is_current(blob):
                    continue
                try:
                    if (table, column) == _PERSONAL:
                        seal_personal(db, sealer, fresh, personal_of(db, sealer, fresh))
                    else:
                        session_id, context = _SESSION_SEALED[table, column](fresh)
                        resealed = sealer.reseal_for_session(db, session_id, context, blob)
                        if resealed is None:
                            continue  # redacted meanwhile: nothing left to reseal
                        setattr(fresh, column, resealed)
                except Shredded:
                    continue  # redacted meanwhile (the personal fields' reseal raises it)
                db.add(fresh)
            count += 1
    return count


def db_key(row: Any) -> Any:
    """The primary key of a row, as `Session.get` takes it."""
    mapper = row.__mapper__
    values = tuple(getattr(row, c.key) for c in mapper.primary_key)
    return values[0] if len(values) == 1 else values
