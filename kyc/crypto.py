"""Encryption at rest: AES-256-GCM with per-session data keys, envelope-wrapped by a master key.

Each session's data key lives (wrapped) beside its objects at `sessions/<id>/data-key`, so
deleting the session's prefix on redaction also destroys the only key that could read any copy
left behind (crypto-shredding).
"""

from __future__ import annotations

import base64
import os
import threading
from collections import OrderedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kyc.errors import InfrastructureError, NotFound
from kyc.storage import ObjectStore

NONCE_BYTES = 12
VERSION = b"k1"  # format tag in front of every sealed blob, so the format can evolve


class DecryptionFailed(InfrastructureError):
    code = "decryption_failed"
    retryable = False


def generate_key() -> str:
    """A new random 256-bit key, base64-encoded for settings files."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def decode_key(value: str) -> bytes:
    key = base64.b64decode(value)
    if len(key) != 32:
        raise ValueError("keys must be 32 bytes, base64-encoded")
    return key


def seal(key: bytes, plaintext: bytes, context: bytes = b"") -> bytes:
    """Encrypt and authenticate `plaintext`; `context` is bound as associated data."""
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def unseal(key: bytes, blob: bytes, context: bytes = b"") -> bytes:
    """Inverse of `seal`; `DecryptionFailed` when the key, context or bytes are wrong."""
    if not blob.startswith(VERSION):
        raise DecryptionFailed("not a sealed blob")
    nonce = blob[len(VERSION) : len(VERSION) + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, blob[len(VERSION) + NONCE_BYTES :], context)
    except InvalidTag as exc:
        raise DecryptionFailed("sealed data failed authentication") from exc


class SealedStore:
    """Per-session encrypted objects on top of an `ObjectStore`."""

    def __init__(self, store: ObjectStore, master_key: str, cache_size: int = 256) -> None:
        self.store = store
        self._master = decode_key(master_key)
        self._keys: OrderedDict[str, bytes] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._creating = [threading.Lock() for _ in range(32)]  # striped by session

    @staticmethod
    def prefix(session_id: str) -> str:
        return f"sessions/{session_id}/"

    def _data_key(self, session_id: str, create: bool) -> bytes:
        with self._lock:
            if session_id in self._keys:
                self._keys.move_to_end(session_id)
                return self._keys[session_id]
        key_name = self.prefix(session_id) + "data-key"
        context = session_id.encode()
        # Created once: concurrent first uploads in this process queue on the session's stripe,
        # and across processes the conditional write lets one key win; every loser re-reads the
        # winner's key, so no file is ever sealed with a key that is then overwritten.
        with self._creating[hash(session_id) % len(self._creating)]:
            try:
                key = unseal(self._master, self.store.get(key_name), context)
            except NotFound:
                if not create:
                    raise
                key = AESGCM.generate_key(bit_length=256)
                if not self.store.put_if_absent(key_name, seal(self._master, key, context)):
                    key = unseal(self._master, self.store.get(key_name), context)
        with self._lock:
            self._keys[session_id] = key
            while len(self._keys) > self._cache_size:
                self._keys.popitem(last=False)
        return key

    def put(self, session_id: str, name: str, data: bytes) -> str:
        """Encrypt `data` with the session's key; returns the object key."""
        key = self.prefix(session_id) + name
        sealed = seal(self._data_key(session_id, create=True), data, key.encode())
        self.store.put(key, sealed)
        return key

    def get(self, session_id: str, key: str) -> bytes:
        """Decrypt the object at `key` (which must belong to `session_id`)."""
        if not key.startswith(self.prefix(session_id)):
            raise NotFound(f"no object {key!r} in this session")
        return unseal(self._data_key(session_id, create=False), self.store.get(key), key.encode())

    def shred(self, session_id: str) -> int:
        """Delete every object of the session, its data key last; returns the count."""
        with self._lock:
            self._keys.pop(session_id, None)
        prefix = self.prefix(session_id)
        keys = sorted(self.store.keys(prefix), key=lambda k: k.endswith("data-key"))
        for key in keys:
            self.store.delete(key)
        return len(keys)
