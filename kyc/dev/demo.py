"""`kyc demo`: one verification of a generated specimen passport and selfie, followed live.

It finds the running stack through the state dir (`stack.json`, written by `kyc dev`) and uses
the dev platform's secret key kept there (`dev-keys.json`). The specimen is a fictional holder
rendered around a public-domain portrait; still, only statuses and codes are printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from kyc.dev.client import DemoError, KycClient
from kyc.dev.components import DEV_KEYS_FILE, read_stack
from kyc.settings import Settings

Say = Callable[[str], None]


def _say(message: str) -> None:
    print(message, flush=True)


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
