"""The official `stripe` Node SDK runs a platform's whole flow against the real stack
(tests/sdk/node/flow.mjs; `make test` installs the SDK there with npm)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from kyc.webhooks import signature_header
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e
NODE_DIR = Path(__file__).resolve().parents[1] / "sdk" / "node"


def test_node_sdk_flow(stack: Stack, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "stripe").is_dir():
        pytest.skip("Node.js or the stripe package is missing: npm install --prefix tests/sdk/node")
    image = tmp_path / "passport.jpg"
    image.write_bytes(stack.document)
    payload = json.dumps(
        {"id": "evt_1", "object": "event", "type": "identity.verification_session.verified"}
    )
    env = {
        **os.environ,
        "KYC_API_URL": stack.dev.settings.resolved_public_url,
        "KYC_SECRET_KEY": stack.client.http.headers["Authorization"].removeprefix("Bearer "),
        "KYC_DOCUMENT_IMAGE": str(image),
        "KYC_WEBHOOK_PAYLOAD": payload,
        "KYC_WEBHOOK_SIGNATURE": signature_header("whsec_node", payload.encode(), int(time.time())),
        "KYC_WEBHOOK_SECRET": "whsec_node",
    }
    run = subprocess.run(
        [node, str(NODE_DIR / "flow.mjs")], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-4000:] + run.stdout[-2000:]
    assert "node sdk flow: ok" in run.stdout
