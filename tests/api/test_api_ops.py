"""Health probes and the Temporal codec endpoint (operators reading encrypted histories)."""

from __future__ import annotations

import base64
import json

import httpx
from temporalio.api.common.v1 import Payload

from kyc.temporal import EncryptionCodec
from tests.api.api_helpers import OPERATOR_TOKEN, PAYLOAD_KEY, UI_ORIGIN

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "temporal": "ok", "storage": "ok"},
    }


async def test_every_response_carries_a_fresh_request_id(client: httpx.AsyncClient) -> None:
    ok, missing = await client.get("/healthz"), await client.get("/v1/nothing")
    ids = [r.headers.get("request-id", "") for r in (ok, missing)]
    assert missing.status_code == 404
    assert all(i.startswith("req_") and len(i) > 10 for i in ids)
    assert ids[0] != ids[1]


async def test_openapi_lists_the_resources(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/v1/identity/verification_sessions",
        "/v1/identity/verification_sessions/{session_id}/files",
        "/v1/identity/verification_reports/{report_id}",
        "/v1/reviews/{session_id}",
        "/v1/events",
        "/v1/webhook_endpoints/{endpoint_id}",
    ):
        assert path in paths


async def test_codec_round_trip_matches_the_converter(client: httpx.AsyncClient) -> None:
    plain = {
        "payloads": [
            {"metadata": {"encoding": b64(b"json/plain")}, "data": b64(b'{"name":"ANNA"}')}
        ]
    }
    encoded = await client.post("/codec/encode", json=plain, headers=OPERATOR)
    assert encoded.status_code == 200, encoded.text
    sealed = encoded.json()["payloads"][0]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == b"binary/kyc-encrypted"
    assert b"ANNA" not in base64.b64decode(sealed["data"])

    decoded = await client.post("/codec/decode", json=encoded.json(), headers=OPERATOR)
    assert decoded.json() == plain

    # A payload sealed by the workers' codec (same key) decodes here too.
    [worker_sealed] = await EncryptionCodec(PAYLOAD_KEY).encode(
        [Payload(metadata={"encoding": b"json/plain"}, data=b'"vs_1"')]
    )
    body = {
        "payloads": [
            {
                "metadata": {k: b64(v) for k, v in worker_sealed.metadata.items()},
                "data": b64(worker_sealed.data),
            }
        ]
    }
    decoded = await client.post("/codec/decode", content=json.dumps(body), headers=OPERATOR)
    assert base64.b64decode(decoded.json()["payloads"][0]["data"]) == b'"vs_1"'


async def test_codec_requires_operator_token(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = await client.post("/codec/decode", json={"payloads": []}, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"
    for path in ("/codec/wrong/decode", "/codec/wrong/encode", f"/codec/{OPERATOR_TOKEN}x/decode"):
        response = await client.post(path, json={"payloads": []})
        assert response.status_code == 401, path


async def test_codec_accepts_the_token_as_the_endpoint_path(client: httpx.AsyncClient) -> None:
    """The dev server's UI sends no bearer token, so `kyc dev` puts it in the endpoint URL."""
    plain = {"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "MQ=="}]}
    encoded = await client.post(f"/codec/{OPERATOR_TOKEN}/encode", json=plain)
    assert encoded.status_code == 200
    decoded = await client.post(f"/codec/{OPERATOR_TOKEN}/decode", json=encoded.json())
    assert decoded.status_code == 200
    assert decoded.json() == plain


async def test_codec_rejects_malformed_and_foreign_payloads(client: httpx.AsyncClient) -> None:
    malformed = await client.post("/codec/decode", content="{nope", headers=OPERATOR)
    assert malformed.status_code == 400
    forged = {
        "payloads": [
            {
                "metadata": {
                    "encoding": b64(b"binary/kyc-encrypted"),
                    "encryption-key-id": b64(b"k1"),
                },
                "data": b64(b"k1" + b"\0" * 40),
            }
        ]
    }
    response = await client.post("/codec/decode", json=forged, headers=OPERATOR)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "decryption_failed"


async def test_codec_cors_preflight_for_the_ui_only(client: httpx.AsyncClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    allowed = await client.options("/codec/decode", headers={"Origin": UI_ORIGIN, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI_ORIGIN
    extra = await client.options(
        "/codec/decode", headers={"Origin": "http://ops.example", **preflight}
    )
    assert extra.headers["access-control-allow-origin"] == "http://ops.example"
    denied = await client.options(
        "/codec/decode", headers={"Origin": "http://evil.example", **preflight}
    )
    assert denied.status_code == 400
    assert "access-control-allow-origin" not in denied.headers
    # The rest of the API does not answer cross-origin preflights.
    api = await client.options(
        "/v1/identity/verification_sessions", headers={"Origin": UI_ORIGIN, **preflight}
    )
    assert "access-control-allow-origin" not in api.headers
