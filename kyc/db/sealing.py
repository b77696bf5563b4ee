"""Seal JSON columns with the master key, bound to their row and column by associated data."""

from __future__ import annotations

import json
from typing import Any

from kyc.crypto import decode_key, seal, unseal


class ColumnSealer:
    def __init__(self, master_key: str) -> None:
        self._key = decode_key(master_key)

    def seal(self, context: str, value: Any) -> bytes:
        return seal(self._key, json.dumps(value, default=str).encode(), context.encode())

    def unseal(self, context: str, blob: bytes) -> Any:
        return json.loads(unseal(self._key, blob, context.encode()))
