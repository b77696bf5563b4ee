"""Test mode on the real stack: `kyc dev`'s test and live keys, and simulated outcomes run by the
real worker (its `simulate` activity) with no file at all."""

from __future__ import annotations

import json

import pytest

from kyc.dev import components
from kyc.dev.client import KycClient

from .conftest import Stack

pytestmark = pytest.mark.e2e
SESSIONS = "/v1/identity/verification_sessions"


def test_simulated_outcomes_on_the_real_worker_and_live_keys_see_none_of_them(
    stack: Stack,
) -> None:
    keys = json.loads((stack.dev.settings.state_dir / components.DEV_KEYS_FILE).read_text())
    live = KycClient(stack.dev.settings.resolved_public_url, keys["live_secret_key"])
    try:
        session = stack.client.create_session(selfie=True, screening=True)
        path = f"{SESSIONS}/{session['id']}/submit"
        sent = stack.client.http.post(path, data={"simulate": "selfie_face_mismatch"})
        assert sent.status_code == 200, sent.text
        failed = stack.client.follow(session["id"], timeout=60)
        assert failed["status"] == "requires_input" and failed["livemode"] is False
        assert failed["last_error"]["code"] == "selfie_face_mismatch"
        assert stack.client.http.post(path, data={"simulate": "verified"}).status_code == 200
        done = stack.client.follow(session["id"], timeout=60, until=frozenset({"verified"}))
        assert done["status"] == "verified"

        assert live.http.get(f"{SESSIONS}/{session['id']}").status_code == 404
        theirs = live.create_session(selfie=False, screening=False)
        assert theirs["livemode"] is True
        refused = live.http.post(f"{SESSIONS}/{theirs['id']}/submit", data={"simulate": "verified"})
        assert refused.json()["error"]["code"] == "parameter_unknown"
        assert stack.client.http.get(f"{SESSIONS}/{theirs['id']}").status_code == 404
    finally:
        live.close()
