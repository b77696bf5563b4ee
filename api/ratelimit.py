"""A per-key sliding-window limit, in process (each API worker keeps its own windows)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

from kyc.errors import RateLimited


class WindowLimit:
    """At most `limit` calls per `window_s` for each key; the least recently used keys are
    forgotten past `max_keys`, so memory stays bounded whatever the callers send."""

    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._calls: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> None:
        """Count one call for `key`; raise RateLimited when the window is full."""
        at = time.monotonic() if now is None else now
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            self._calls.move_to_end(key)
            while calls and calls[0] <= at - self.window_s:
                calls.popleft()
            if len(calls) >= self.limit:
                retry = int(calls[0] + self.window_s - at) + 1
                raise RateLimited(f"Too many requests for this session; retry in {retry} s.")
            calls.append(at)
            while len(self._calls) > self.max_keys:
                self._calls.popitem(last=False)
