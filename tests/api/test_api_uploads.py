"""Every bad upload gets a precise 4xx, and nothing of it is stored."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.api.api_helpers import (
    MAX_UPLOAD,
    SESSIONS,
    MemoryStore,
    Tenant,
    create_session,
    png,
    png_claiming,
    upload,
)


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480)).save(buffer, format="GIF")
    return buffer.getvalue()


BAD = [
    ("not_an_image", b"%PDF-1.4 definitely not an image" * 10, 400, "file_type_not_supported"),
    ("gif", None, 400, "file_type_not_supported"),
    ("empty", b"", 400, "file_empty"),
    ("too_large", None, 413, "file_too_large"),
    ("bomb", None, 400, "image_too_large"),
    ("too_small", None, 400, "image_quality_insufficient"),
    ("truncated_header", None, 400, "file_type_not_supported"),
]


def payload(name: str, given: bytes | None) -> bytes:
    if given is not None:
        return given
    return {
        "gif": gif,
        "too_large": lambda: png(420, 420, noise=True),
        "bomb": lambda: png_claiming(30_000, 30_000),
        "too_small": lambda: png(200, 150),
        "truncated_header": lambda: png()[:20],
    }[name]()


@pytest.mark.parametrize(("name", "data", "status", "code"), BAD, ids=[b[0] for b in BAD])
async def test_bad_upload_is_refused_and_not_stored(
    client: httpx.AsyncClient,
    tenant: Tenant,
    store: MemoryStore,
    name: str,
    data: bytes | None,
    status: int,
    code: str,
) -> None:
    session = await create_session(client, tenant)
    body = payload(name, data)
    if name == "too_large":
        assert len(body) > MAX_UPLOAD
    response = await upload(client, session["id"], tenant.auth, data=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["param"] == "file"
    assert not any(k.startswith(f"sessions/{session['id']}/uploads/") for k in store.objects)
    # Nothing is pending: a submit finds no document.
    submit = await client.post(f"{SESSIONS}/{session['id']}/submit", headers=tenant.auth)
    assert submit.json()["error"]["code"] == "document_front_missing"


async def test_declared_oversize_body_is_413_before_reading(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await create_session(client, tenant)
    response = await upload(client, session["id"], tenant.auth, data=b"x" * (MAX_UPLOAD + 70_000))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


async def test_wrong_purpose(client: httpx.AsyncClient, tenant: Tenant) -> None:
    session = await create_session(client, tenant)
    response = await upload(client, session["id"], tenant.auth, purpose="passport")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "code": "parameter_invalid",
        "message": "Invalid purpose: must be one of document_front, document_back, selfie.",
        "param": "purpose",
    }


async def test_missing_file_and_purpose(client: httpx.AsyncClient, tenant: Tenant) -> None:
    session = await create_session(client, tenant)
    no_file = await client.post(
        f"{SESSIONS}/{session['id']}/files",
        data={"purpose": "selfie"},
        files={"other": ("x.txt", b"x", "text/plain")},
        headers=tenant.auth,
    )
    assert no_file.status_code == 400
    assert no_file.json()["error"]["param"] == "other"
    no_purpose = await client.post(
        f"{SESSIONS}/{session['id']}/files",
        files={"file": ("a.png", png(), "image/png")},
        headers=tenant.auth,
    )
    assert no_purpose.status_code == 400
    assert no_purpose.json()["error"]["code"] == "parameter_missing"
    assert no_purpose.json()["error"]["param"] == "purpose"
    not_multipart = await client.post(
        f"{SESSIONS}/{session['id']}/files", json={"purpose": "selfie"}, headers=tenant.auth
    )
    assert not_multipart.status_code == 400


async def test_unknown_session(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await upload(client, "vs_doesnotexist", tenant.auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


async def test_good_upload_is_encrypted_at_rest(
    client: httpx.AsyncClient, tenant: Tenant, store: MemoryStore
) -> None:
    session = await create_session(client, tenant)
    image = png()
    response = await upload(client, session["id"], tenant.auth, purpose="selfie", data=image)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "file"
    assert body["purpose"] == "selfie"
    assert (body["width"], body["height"], body["content_type"]) == (640, 480, "image/png")
    prefix = f"sessions/{session['id']}/uploads/"
    [stored] = [v for k, v in store.objects.items() if k.startswith(prefix)]
    assert image not in stored and len(stored) > len(image)


async def test_upload_refused_after_cancel(client: httpx.AsyncClient, tenant: Tenant) -> None:
    session = await create_session(client, tenant)
    await client.post(f"{SESSIONS}/{session['id']}/cancel", headers=tenant.auth)
    from tests.api.api_helpers import wait_status

    await wait_status(client, tenant, session["id"], "canceled")
    response = await upload(client, session["id"], tenant.auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "session_invalid_state"
