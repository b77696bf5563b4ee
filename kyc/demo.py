"""`kyc demo`: one verification of a generated specimen passport and selfie, followed live.

It finds the running stack through the state dir (`stack.json`, written by `kyc dev`) and uses
the dev platform's secret key kept there (`dev-keys.json`). The specimen is a fictional holder
rendered around a public-domain portrait; still, only statuses and codes are printed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from kyc.devstack import DEV_KEYS_FILE, read_stack
from kyc.settings import Settings

FINAL = {"verified", "requires_input", "needs_review", "canceled"}
Say = Callable[[str], None]


def _say(message: str) -> None:
    print(message, flush=True)


class DemoError(Exception):
    """The demo cannot run; the message says what to do."""


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


def specimen_images() -> tuple[bytes, bytes]:
    """JPEG bytes of the specimen passport page and a selfie of the same (fictional) holder."""
    import cv2

    from kyc.documents.specimen import make_selfie, render_specimen_passport

    passport, _truth = render_specimen_passport()
    selfie = make_selfie()
    ok1, doc = cv2.imencode(".jpg", passport, [cv2.IMWRITE_JPEG_QUALITY, 92])
    ok2, face = cv2.imencode(".jpg", selfie, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not (ok1 and ok2):
        raise DemoError("could not encode the specimen images")
    return doc.tobytes(), face.tobytes()


def screening_lists_imported(settings: Settings) -> bool:
    """Whether `kyc lists import` has published a sanctions list snapshot in object storage."""
    from kyc.screening.snapshots import SnapshotStore

    return SnapshotStore(settings.object_store()).current() is not None


def dev_secret_key(state_dir: Path) -> str:
    path = state_dir / DEV_KEYS_FILE
    if not path.exists():
        raise DemoError(f"no dev keys in {path}: start the stack with `kyc dev` first")
    return str(json.loads(path.read_text())["secret_key"])


def describe_report(report: dict[str, Any]) -> list[str]:
    """One line per check: its status and error code (no personal data)."""
    lines = []
    for check in ("document", "id_number", "selfie", "screening"):
        result = report.get(check)
        if not isinstance(result, dict):
            continue
        error = result.get("error") or {}
        code = f" ({error.get('code')})" if isinstance(error, dict) and error.get("code") else ""
        lines.append(f"  {check:<10} {result.get('status', '?')}{code}")
    return lines


def run(settings: Settings, timeout: float = 300.0, say: Say = _say) -> int:
    """The whole demo; 0 only when the session reached `verified`."""
    state = settings.state_dir.resolve()
    stack = read_stack(state)
    if stack is None:
        say(f"no running stack found in {state}: start one with `kyc dev` (same --state-dir)")
        return 2
    if not stack.get("ready"):
        say(f"the stack in {state} is still starting; run `kyc demo` once `kyc dev` is ready")
        return 2
    try:
        client = KycClient(stack["api_url"], dev_secret_key(state))
    except DemoError as exc:
        say(f"error: {exc}")
        return 2
    try:
        # The stack's own endpoint: `kyc dev` may have been given another --s3-port.
        screening = screening_lists_imported(
            settings.model_copy(update={"s3_endpoint": stack["s3_endpoint"]})
        )
        if not screening:
            say(
                "No sanctions list has been imported, so this demo runs without screening "
                "(options[screening][enabled]=false).\n"
                "  Import one with: kyc lists import PATH --format ofac_sdn|un_xml"
            )
        say("generating a specimen passport (fictional holder, public-domain portrait) ...")
        document, selfie = specimen_images()
        created = client.create_session(
            selfie=True, screening=screening, metadata={"source": "kyc-demo"}
        )
        session_id = created["id"]
        say(f"created session {session_id}")
        client.upload(session_id, "document_front", document, "passport.jpg")
        client.upload(session_id, "selfie", selfie, "selfie.jpg")
        client.submit(session_id)
        say("submitted; following the status:")
        final = client.follow(
            session_id,
            on_change=lambda status, t: say(f"  {t:6.1f} s  {status}"),
            timeout=timeout,
        )
        report_id = final.get("last_verification_report")
        if isinstance(report_id, dict):
            report_id = report_id.get("id")
        if report_id:
            say(f"report {report_id}:")
            for line in describe_report(client.report(report_id)):
                say(line)
        error = final.get("last_error") or {}
        if error:
            say(f"last_error: {error.get('code')}: {error.get('reason', '')}")
        ui = stack["temporal_ui_url"]
        say(f"Temporal UI: {ui}/namespaces/{settings.temporal_namespace}/workflows/{session_id}")
        if final["status"] == "needs_review":
            say("The session needs a reviewer: POST /v1/reviews/" + session_id)
        say(f"final status: {final['status']}")
        return 0 if final["status"] == "verified" else 1
    except (DemoError, httpx.HTTPError) as exc:
        say(f"error: {exc}")
        return 1
    finally:
        client.close()
