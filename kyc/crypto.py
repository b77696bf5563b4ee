"""Encryption at rest: AES-256-GCM with per-session data keys, envelope-wrapped by a master key.

The master key is never used directly: HKDF derives one subkey per purpose (column sealing,
key wrapping, payload encryption), and every envelope sealed with a subkey names the master
key it came from (`k2` + key id), so keys can rotate. `k1` envelopes (the master key itself,
the format before subkeys) are still read.

Each session's data key lives (wrapped) beside its objects at `sessions/<id>/data-key`, so
deleting the session's prefix on redaction also destroys the only key that could read any copy
left behind (crypto-shredding).
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kyc.errors import InfrastructureError, KycError, NotFound
from kyc.storage import ObjectStore

NONCE_BYTES = 12
VERSION = b"k1"  # format tag in front of every sealed blob, so the format can evolve
# k2: the tag, the 8-character id of the master key, then as k1 under that key's purpose subkey.
KEYED_VERSION = b"k2"
KEY_ID_BYTES = 8
# Purposes of the master key's subkeys: no key serves two purposes.
PURPOSE_COLUMNS = "kyc column sealing"
PURPOSE_KEY_WRAPPING = "kyc key wrapping"
PURPOSE_SESSION_COLUMNS = "kyc session columns"  # + the session id, with the session's salt
PURPOSE_LOOKUP = "kyc lookup hmac"


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


def derive_key(master: bytes, purpose: str, salt: bytes | None = None) -> bytes:
    """A 256-bit subkey of `master` for one purpose (HKDF-SHA256, RFC 5869), so no key serves
    two purposes and a purpose's key can be destroyed (its salt deleted) on its own."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose.encode()).derive(
        master
    )


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


def key_id(master: bytes) -> bytes:
    """A master key's public id (8 hex characters), written in every envelope it seals, so a
    reader knows which key to use once keys rotate."""
    return derive_key(master, "kyc key id")[:4].hex().encode()


MasterKeys = str | Sequence[str]  # the current master key, then retired ones (still read)


class PurposeSealer:
    """Seal with one purpose's subkey of the current master key, in k2 envelopes carrying the
    master key's id; open envelopes of any key of the ring (retired keys stay readable until
    `kyc keys rewrap` has resealed their data), and k1 envelopes sealed with a master key
    itself (the format before subkeys)."""

    def __init__(self, master_keys: MasterKeys, purpose: str, salt: bytes | None = None) -> None:
        ring = [master_keys] if isinstance(master_keys, str) else list(master_keys)
        self._masters = [decode_key(k) for k in ring if k]
        if not self._masters:
            raise ValueError("no master key")
        # A salt makes the subkeys destructible: forgetting it shreds what they sealed.
        self._subkeys = {key_id(m): derive_key(m, purpose, salt) for m in self._masters}
        self.key_id = key_id(self._masters[0])

    def seal(self, plaintext: bytes, context: bytes = b"") -> bytes:
        return KEYED_VERSION + self.key_id + seal(self._subkeys[self.key_id], plaintext, context)

    def unseal(self, blob: bytes, context: bytes = b"") -> bytes:
        if blob.startswith(VERSION):
            for master in self._masters[:-1]:
                with contextlib.suppress(DecryptionFailed):
                    return unseal(master, blob, context)
            return unseal(self._masters[-1], blob, context)
        if not blob.startswith(KEYED_VERSION):
            raise DecryptionFailed("not a sealed blob")
        kid = blob[len(KEYED_VERSION) : len(KEYED_VERSION) + KEY_ID_BYTES]
        if kid not in self._subkeys:
            raise DecryptionFailed(f"sealed under master key {kid.decode(errors='replace')}")
        return unseal(self._subkeys[kid], blob[len(KEYED_VERSION) + KEY_ID_BYTES :], context)

    def is_current(self, blob: bytes) -> bool:
        """Whether `blob` is sealed under the current master key (nothing to rewrap)."""
        return blob.startswith(KEYED_VERSION + self.key_id)


class SealedStore:
    """Per-session encrypted objects on top of an `ObjectStore`."""

    def __init__(
        self,
        store: ObjectStore,
        master_key: MasterKeys,
        cache_size: int = 256,
        fence: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self._wrapping = PurposeSealer(master_key, PURPOSE_KEY_WRAPPING)
        # Raises (SessionRedacted) once a redaction of the session began: kyc.redaction.
        self._fence = fence
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
                key = self._wrapping.unseal(self.store.get(key_name), context)
            except NotFound:
                if not create:
                    raise
                key = AESGCM.generate_key(bit_length=256)
                if not self.store.put_if_absent(key_name, self._wrapping.seal(key, context)):
                    key = self._wrapping.unseal(self.store.get(key_name), context)
        with self._lock:
            self._keys[session_id] = key
            while len(self._keys) > self._cache_size:
                self._keys.popitem(last=False)
        return key

    def put(self, session_id: str, name: str, data: bytes) -> str:
        """Encrypt `data` with the session's key; returns the object key. Fenced: refused once
        the session's redaction began, and undone when it began during the write (the redaction
        may have shredded the prefix before this object, or a new data key, landed)."""
        if self._fence is not None:
            self._fence(session_id)
        key = self.prefix(session_id) + name
        sealed = seal(self._data_key(session_id, create=True), data, key.encode())
        self.store.put(key, sealed)
        if self._fence is not None:
            try:
                self._fence(session_id)
            except KycError:
                self.shred(session_id)
                raise
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
