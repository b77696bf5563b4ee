"""The Temporal codec server protocol, so operators can read encrypted histories in the UI.

POST /codec/encode and /codec/decode take `{"payloads": [{"metadata": {k: base64}, "data":
base64}]}` and answer the same shape, using `kyc.temporal.EncryptionCodec` with the sessions'
payload keys from the database; a payload of a redacted session decodes to
`{"redacted": true}`. Operators authenticate with `Authorization: Bearer <operator_token>`;
CORS admits only the Temporal UI's origin (plus `codec_cors_origins`), and only on this
sub-application.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from sqlalchemy.engine import Engine
from temporalio.api.common.v1 import Payload, Payloads

from api import errors
from kyc.crypto import DecryptionFailed
from kyc.db.payload_keys import DatabasePayloadKeys
from kyc.errors import AuthenticationFailed, InvalidRequest
from kyc.settings import Settings
from kyc.temporal import EncryptionCodec, PayloadKeyShredded, redacted_marker


def _authorize(request: Request, token: str, path_token: str | None = None) -> None:
    """The operator token, as a bearer token or, for UIs that cannot send one (the Temporal dev
    server's UI has no "pass access token" switch), as the endpoint's last path segment."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    offered = path_token if path_token is not None else value.strip()
    if (
        not token
        or (path_token is None and scheme.lower() != "bearer")
        or not hmac.compare_digest(offered.encode(), token.encode())
    ):
        raise AuthenticationFailed("A valid operator token is required for the codec endpoint.")


async def _payloads(request: Request) -> Payloads:
    raw = await request.body()
    try:
        return json_format.Parse(raw or b"{}", Payloads(), ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest('The body must be {"payloads": [...]} in protobuf JSON.') from exc


def _answer(payloads: list[Any]) -> JSONResponse:
    body = json_format.MessageToDict(Payloads(payloads=payloads))
    body.setdefault("payloads", [])
    return JSONResponse(body)


async def _decode_one(codec: EncryptionCodec, payload: Payload) -> Payload:
    """The decoded payload, or the `redacted` marker when its session's key was shredded."""
    try:
        [decoded] = await codec.decode([payload])
    except PayloadKeyShredded:
        return redacted_marker()
    return decoded


def codec_app(settings: Settings, engine: Engine) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    errors.install(app)
    keys = DatabasePayloadKeys(engine)
    # No salt cache: an operator must see a redaction at once.
    codec = (
        EncryptionCodec(settings.payload_key, keys, salt_ttl_s=0) if settings.payload_key else None
    )
    origins = [settings.resolved_temporal_ui_url.rstrip("/"), *settings.codec_cors_origins]
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
        max_age=600,
    )

    @app.post("/encode")
    @app.post("/{path_token}/encode")
    async def encode(request: Request, path_token: str | None = None) -> JSONResponse:
        _authorize(request, settings.operator_token, path_token)
        payloads = await _payloads(request)
        if codec is None:  # no payload key: payloads are stored as they are
            return _answer(list(payloads.payloads))
        return _answer(await codec.encode(list(payloads.payloads)))

    @app.post("/decode")
    @app.post("/{path_token}/decode")
    async def decode(request: Request, path_token: str | None = None) -> JSONResponse:
        _authorize(request, settings.operator_token, path_token)
        payloads = await _payloads(request)
        if codec is None:
            return _answer(list(payloads.payloads))
        try:
            return _answer([await _decode_one(codec, p) for p in payloads.payloads])
        except DecryptionFailed as exc:
            raise InvalidRequest(
                "A payload could not be decrypted with this server's key.", code="decryption_failed"
            ) from exc

    return app
