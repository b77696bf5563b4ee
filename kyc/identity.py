"""A stable, non-reversible key for "the same person", without storing who they are.

HMAC-SHA256 under the identity subkey of the master key over the normalised name and birth
date: equal for the same identity on any document (a renewed passport keeps it), meaningless
without the key, and safe to index. Used to remember screening dispositions and to tell
duplicate faces apart from the same person verifying twice. Keys made under the master key
itself (before subkeys) are still matched, never written.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from kyc.crypto import MasterKeys, decode_key, derive_key
from kyc.documents.models import DocumentFields


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.upper())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(sorted(letters.split()))


PURPOSE_IDENTITY = "kyc identity hmac"


def _hmac(key: bytes, name: str, birth_date: str | None) -> str:
    message = f"{_normalise(name)}|{birth_date or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _ring(master_keys: MasterKeys) -> list[bytes]:
    ring = [master_keys] if isinstance(master_keys, str) else list(master_keys)
    return [decode_key(k) for k in ring if k]


def identity_key(master_keys: MasterKeys, name: str, birth_date: str | None) -> str:
    """The identity's key: order-, case- and accent-insensitive in the name; under the
    identity subkey of the current master key (HKDF), never a master key itself."""
    return _hmac(derive_key(_ring(master_keys)[0], PURPOSE_IDENTITY), name, birth_date)


def identity_keys(master_keys: MasterKeys, name: str, birth_date: str | None) -> tuple[str, ...]:
    """The keys a stored verdict or template of this identity may carry, the current one first:
    under each master key of the ring (retired ones too), its identity subkey and the master key
    itself (the format before subkeys). Matched, never written."""
    keys = [identity_key(master_keys, name, birth_date)]
    for master in _ring(master_keys):
        for key in (derive_key(master, PURPOSE_IDENTITY), master):
            candidate = _hmac(key, name, birth_date)
            if candidate not in keys:
                keys.append(candidate)
    return tuple(keys)


def _name_and_birth(identity: DocumentFields) -> tuple[str, str | None]:
    birth = identity.date_of_birth.isoformat() if identity.date_of_birth else None
    return identity.full_name, birth


def identity_key_of(master_keys: MasterKeys, identity: DocumentFields) -> str:
    """The key of a document identity (the same name and birth date as it is screened with)."""
    return identity_key(master_keys, *_name_and_birth(identity))


def identity_keys_of(master_keys: MasterKeys, identity: DocumentFields) -> tuple[str, ...]:
    """`identity_keys` of a document identity."""
    return identity_keys(master_keys, *_name_and_birth(identity))
