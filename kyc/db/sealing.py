"""Seal JSON columns with a subkey of the master key, bound to their row and column by
associated data.

Two kinds of keys. Everything kept about a session's person (kyc.db.personal, reports, face
templates, alert hits, review notes) is sealed under a key of that session alone: HKDF of the
master key with the session's salt (kyc.db.payload_keys), so redaction, by forgetting the salt,
also shreds every old copy that PostgreSQL keeps in dead tuples and its write-ahead log, or that
a backup keeps. The column subkey of the master key seals the rest (the client_secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sqlmodel import Session

from kyc.crypto import (
    PURPOSE_COLUMNS,
    PURPOSE_LOOKUP,
    PURPOSE_SESSION_COLUMNS,
    MasterKeys,
    PurposeSealer,
    decode_key,
    derive_key,
)
from kyc.db import payload_keys


def session_sealer(master_keys: MasterKeys, session_id: str, salt: bytes) -> PurposeSealer:
    """The sealer of one session's columns (blobs hold JSON, bound to a context string)."""
    return PurposeSealer(master_keys, f"{PURPOSE_SESSION_COLUMNS} {session_id}", salt)


class ColumnSealer:
    """The column-sealing subkey of the master key (k2 envelopes; k1 ones still open), the
    per-session keys, and the lookup HMACs of sealed values that lists filter on."""

    def __init__(self, master_key: MasterKeys) -> None:
        self._ring = master_key
        self._sealer = PurposeSealer(master_key, PURPOSE_COLUMNS)
        masters = [master_key] if isinstance(master_key, str) else list(master_key)
        self._lookup_keys = [derive_key(decode_key(m), PURPOSE_LOOKUP) for m in masters if m]

    def seal(self, context: str, value: Any) -> bytes:
        return self._sealer.seal(json.dumps(value, default=str).encode(), context.encode())

    def unseal(self, context: str, blob: bytes) -> Any:
        return json.loads(self._sealer.unseal(blob, context.encode()))

    def is_current(self, blob: bytes) -> bool:
        """Sealed under the current master key (envelopes name the master, whatever the
        purpose or salt of their subkey)."""
        return self._sealer.is_current(blob)

    def _session_sealer(self, db: Session, session_id: str, create: bool) -> PurposeSealer | None:
        try:
            salt = payload_keys.salt_in(db, session_id, create)
        except payload_keys.Shredded:
            return None
        if salt is None:
            return None
        return session_sealer(self._ring, session_id, salt)

    def seal_for_session(self, db: Session, session_id: str, context: str, value: Any) -> bytes:
        """Seal under the session's key (made now when the session has none yet); `Shredded`
        once the session was redacted."""
        sealer = self._session_sealer(db, session_id, create=True)
        if sealer is None:
            raise payload_keys.Shredded(session_id)
        return sealer.seal(json.dumps(value, default=str).encode(), context.encode())

    def unseal_for_session(self, db: Session, session_id: str, context: str, blob: bytes) -> Any:
        """The value, or None once the session's key was shredded."""
        sealer = self._session_sealer(db, session_id, create=False)
        if sealer is None:
            return None
        return json.loads(sealer.unseal(blob, context.encode()))

    def reseal_for_session(
        self, db: Session, session_id: str, context: str, blob: bytes
    ) -> bytes | None:
        """`blob` sealed again under the session's key as the current master key derives it
        (`kyc keys rewrap`); None once the session's key was shredded."""
        value = self.unseal_for_session(db, session_id, context, blob)
        return None if value is None else self.seal_for_session(db, session_id, context, value)

    def lookup(self, platform_id: str, field: str, value: str) -> str:
        """The indexable stand-in of a sealed value (an HMAC under the current master key), so
        lists can filter on it without the value being stored in clear."""
        return self.lookups(platform_id, field, value)[0]

    def lookups(self, platform_id: str, field: str, value: str) -> list[str]:
        """The stand-ins `value` may be stored as, under every master key of the ring."""
        message = f"{platform_id}\n{field}\n{value}".encode()
        return [hmac.new(k, message, hashlib.sha256).hexdigest() for k in self._lookup_keys]
