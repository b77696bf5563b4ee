"""API calls into Temporal never hang: a stuck Update answers 409 lock_timeout, an unreachable
service 503."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode

from api import sessions_service
from api.errors import ServiceUnavailable, SessionBusy, temporal_error


class StuckHandle:
    """A workflow handle whose Update never completes (the workflow waits forever)."""

    async def execute_update(self, update: Any, arg: Any, **_: Any) -> Any:
        await asyncio.Event().wait()


async def test_a_stuck_update_answers_409(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions_service, "UPDATE_TIMEOUT_S", 0.05)
    with pytest.raises(SessionBusy) as busy:
        await sessions_service._update(StuckHandle(), "cancel", None)  # type: ignore[arg-type]
    assert (busy.value.http_status, busy.value.code) == (409, "lock_timeout")


def test_unreachable_temporal_answers_503() -> None:
    error = temporal_error(RPCError("down", RPCStatusCode.UNAVAILABLE, b""))
    assert isinstance(error, ServiceUnavailable) and error.http_status == 503
    deadline = temporal_error(RPCError("slow", RPCStatusCode.DEADLINE_EXCEEDED, b""))
    assert deadline.http_status == 503


def test_the_worker_finishes_running_activities_on_shutdown() -> None:
    from datetime import timedelta

    from kyc.settings import Settings
    from worker.main import shutdown_options

    assert shutdown_options(Settings())["graceful_shutdown_timeout"] == timedelta(seconds=60)
    custom = Settings(worker_shutdown_grace_s=300)
    assert shutdown_options(custom)["graceful_shutdown_timeout"] == timedelta(minutes=5)
