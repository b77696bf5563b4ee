"""A stable, non-reversible key for "the same person", without storing who they are.

HMAC-SHA256 under the master key over the normalised name and birth date: equal for the same
identity on any document (a renewed passport keeps it), meaningless without the key, and safe
to index. Used to remember screening dispositions and to tell duplicate faces apart from the
same person verifying twice.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from kyc.crypto import decode_key
from kyc.documents.models import DocumentFields


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.upper())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(sorted(letters.split()))


def identity_key(master_key: str, name: str, birth_date: str | None) -> str:
    """The identity's key: order-, case- and accent-insensitive in the name."""
    message = f"{_normalise(name)}|{birth_date or ''}".encode()
    return hmac.new(decode_key(master_key), message, hashlib.sha256).hexdigest()


def identity_key_of(master_key: str, identity: DocumentFields) -> str:
    """The key of a document identity (the same name and birth date as it is screened with)."""
    birth = identity.date_of_birth.isoformat() if identity.date_of_birth else None
    return identity_key(master_key, identity.full_name, birth)
