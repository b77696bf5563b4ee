"""The HTTP calls a platform makes for one verification, as `kyc demo`, the benchmarks and the
end-to-end tests make them (form-encoded, like Stripe's SDKs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

FINAL = {"verified", "requires_input", "needs_review", "canceled"}


class DemoError(Exception):
    """A call failed, or the stack cannot be used; the message says what to do."""


class KycClient:
    """The few API calls a platform makes for one verification (form-encoded, like Stripe)."""

    def __init__(self, base_url: str, secret_key: str, timeout: float = 30.0) -> None:
        self.http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {secret_key}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def _check(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            try:
                error = response.json().get("error", {})
            except ValueError:
                error = {"message": response.text[:200]}
            raise DemoError(
                f"{response.request.method} {response.request.url.path} -> "
                f"{response.status_code} {error.get('code') or ''} {error.get('message') or ''}"
            )
        body: dict[str, Any] = response.json()
        return body

    def create_session(
        self, *, selfie: bool = True, screening: bool = True, metadata: dict[str, str] | None = None
    ) -> dict[str, Any]:
        form = {
            "type": "document",
            "options[document][require_matching_selfie]": "true" if selfie else "false",
            "options[screening][enabled]": "true" if screening else "false",
        }
        for key, value in (metadata or {}).items():
            form[f"metadata[{key}]"] = value
        return self._check(self.http.post("/v1/identity/verification_sessions", data=form))

    def upload(self, session_id: str, purpose: str, image: bytes, name: str) -> dict[str, Any]:
        return self._check(
            self.http.post(
                f"/v1/identity/verification_sessions/{session_id}/files",
                data={"purpose": purpose},
                files={"file": (name, image, "image/jpeg")},
            )
        )

    def submit(self, session_id: str) -> dict[str, Any]:
        return self._check(
            self.http.post(f"/v1/identity/verification_sessions/{session_id}/submit")
        )

    def session(self, session_id: str) -> dict[str, Any]:
        return self._check(self.http.get(f"/v1/identity/verification_sessions/{session_id}"))

    def report(self, report_id: str) -> dict[str, Any]:
        return self._check(self.http.get(f"/v1/identity/verification_reports/{report_id}"))

    def reviews(self) -> list[dict[str, Any]]:
        """Pending review cases (reviewer or secret key)."""
        data: list[dict[str, Any]] = self._check(self.http.get("/v1/reviews"))["data"]
        return data

    def decide_review(self, session_id: str, decision: str, **extra: str) -> dict[str, Any]:
        """A reviewer's decision (needs a reviewer key): approve | reject | request_resubmission."""
        body = {"decision": decision, **extra}
        return self._check(self.http.post(f"/v1/reviews/{session_id}", json=body))

    def follow(
        self,
        session_id: str,
        on_change: Callable[[str, float], None] | None = None,
        timeout: float = 300.0,
        interval: float = 0.2,
        until: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """Poll until the session leaves `processing` (or reaches a status in `until`); calls
        `on_change(status, seconds)` at each change."""
        started = time.monotonic()
        last = ""
        while True:
            current = self.session(session_id)
            status = current["status"]
            if status != last and on_change is not None:
                on_change(status, time.monotonic() - started)
            last = status
            # `requires_input` is also the state before submission: final only with an error.
            settled = status in FINAL and (status != "requires_input" or current.get("last_error"))
            if (status in until) if until is not None else settled:
                return current
            if time.monotonic() - started > timeout:
                raise DemoError(f"session still {status} after {timeout:.0f} s")
            time.sleep(interval)
