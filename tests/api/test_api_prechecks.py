"""The capture page's precheck (`/verify/{id}/check`) refuses what is no usable image file
with the files endpoint's precise 4xx, before decoding it; a body over the upload limit is
refused as it arrives, even when it declares no length."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.api_helpers import MAX_UPLOAD, SESSIONS, Tenant, create_session, png

BOUNDARY = "kycflowtestboundary"
CHUNK = 64 * 1024


def applicant(session: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['client_secret']}"}


async def check(
    client: httpx.AsyncClient, session: dict[str, str], data: bytes, purpose: str = "selfie"
) -> httpx.Response:
    return await client.post(
        f"/verify/{session['id']}/check",
        data={"purpose": purpose},
        files={"file": ("photo.jpg", data, "image/jpeg")},
        headers=applicant(session),
    )


class EndlessUpload:
    """A multipart body streamed in chunks with no Content-Length (chunked encoding), counting
    how much of it the server pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nselfie\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        yield head
        while self.sent < self.total:
            self.sent += CHUNK
            yield b"\xff" * CHUNK
        yield f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize("endpoint", ["check", "files"])
async def test_a_huge_body_without_a_length_is_refused_as_it_arrives(
    client: httpx.AsyncClient, tenant: Tenant, endpoint: str
) -> None:
    session = await create_session(client, tenant)
    path, auth = (
        (f"/verify/{session['id']}/check", applicant(session))
        if endpoint == "check"
        else (f"{SESSIONS}/{session['id']}/files", tenant.auth)
    )
    body = EndlessUpload(total=200 * 1024 * 1024)
    response = await client.post(
        path,
        content=body,
        headers={**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("file_too_large", "file")
    assert str(MAX_UPLOAD) in error["message"]
    # Stopped within a chunk of the limit (plus the multipart overhead), not at 200 MB.
    assert body.sent <= MAX_UPLOAD + 64 * 1024 + 2 * CHUNK


async def test_a_declared_oversize_body_is_413_before_reading(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    session = await create_session(client, tenant)
    response = await check(client, session, b"\xff" * (MAX_UPLOAD + 70_000))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


async def test_a_file_just_over_the_limit_is_413_not_a_failed_check(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # Within the multipart allowance, so only the file's own size tells: before, this was a
    # 200 `passed: false` after Pillow had parsed it.
    session = await create_session(client, tenant)
    response = await check(client, session, b"\xff" * (MAX_UPLOAD + 1))
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "file_too_large"


MALFORMED = [
    ("not_an_image", b"%PDF-1.4 definitely not an image" * 10, "file_type_not_supported"),
    ("truncated_header", png()[:20], "file_type_not_supported"),
    ("corrupt_pixels", png(640, 480, noise=True)[:60_000], "file_corrupt"),
    ("empty", b"", "file_empty"),
]


@pytest.mark.parametrize(("name", "data", "code"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_a_malformed_image_is_a_400(
    client: httpx.AsyncClient, tenant: Tenant, name: str, data: bytes, code: str
) -> None:
    session = await create_session(client, tenant)
    response = await check(client, session, data)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", code)


async def test_a_poor_photo_is_a_failed_check_not_an_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # A readable image of nothing: a quality finding the person fixes by retaking it.
    session = await create_session(client, tenant)
    response = await check(client, session, png(), purpose="document_front")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["object"], body["passed"]) == ("image_check", False)
    assert body["code"] == "image_quality_insufficient" and body["message"]
