"""The per-session window limit of the capture prechecks."""

from __future__ import annotations

import pytest

from api.ratelimit import WindowLimit
from kyc.errors import RateLimited


def test_window_refuses_past_the_limit_then_recovers() -> None:
    limit = WindowLimit(3, window_s=60)
    for t in (0.0, 1.0, 2.0):
        limit.take("vs_a", now=t)
    with pytest.raises(RateLimited) as refused:
        limit.take("vs_a", now=3.0)
    assert refused.value.http_status == 429
    limit.take("vs_b", now=3.0)  # another session has its own window
    limit.take("vs_a", now=60.5)  # the first call left the window


def test_memory_is_bounded_by_the_number_of_keys() -> None:
    limit = WindowLimit(1, window_s=60, max_keys=100)
    for i in range(1000):
        limit.take(f"vs_{i}", now=0.0)
    assert len(limit._calls) == 100
