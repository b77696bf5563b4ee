"""Seal JSON columns with a subkey of the master key, bound to their row and column by
associated data."""

from __future__ import annotations

import json
from typing import Any

from kyc.crypto import PURPOSE_COLUMNS, MasterKeys, PurposeSealer


class ColumnSealer:
    """The column-sealing subkey of the master key (k2 envelopes; k1 ones still open)."""

    def __init__(self, master_key: MasterKeys) -> None:
        self._sealer = PurposeSealer(master_key, PURPOSE_COLUMNS)

    def seal(self, context: str, value: Any) -> bytes:
        return self._sealer.seal(json.dumps(value, default=str).encode(), context.encode())

    def unseal(self, context: str, blob: bytes) -> Any:
        return json.loads(self._sealer.unseal(blob, context.encode()))
