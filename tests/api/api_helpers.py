"""Helpers for the API tests: tenants, images, and the common request sequences."""

from __future__ import annotations

import asyncio
import io
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image

from kyc.crypto import generate_key
from kyc.db import platforms
from kyc.db.engine import make_engine, session_scope
from kyc.errors import NotFound
from kyc.settings import Settings

SESSIONS = "/v1/identity/verification_sessions"
PAYLOAD_KEY = generate_key()
OPERATOR_TOKEN = "op_test_token"
UI_ORIGIN = "http://temporal-ui.test"
MAX_UPLOAD = 300_000


class MemoryStore:
    """Test double with ObjectStore's methods."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def ensure_bucket(self) -> None:
        return None

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = data

    def put_if_absent(self, key: str, data: bytes) -> bool:
        return self.objects.setdefault(key, data) is data

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound(f"no object {key!r}")
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects

    def keys(self, prefix: str) -> Iterator[str]:
        yield from [k for k in self.objects if k.startswith(prefix)]

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        keys = list(self.keys(prefix))
        for key in keys:
            self.delete(key)
        return len(keys)


@dataclass
class Tenant:
    platform_id: str
    sk: str
    rk: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sk}"}

    @property
    def reviewer_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.rk}"}


def make_tenant(settings: Settings, name: str) -> Tenant:
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as db:
        platform = platforms.create_platform(db, name)
        sk = platforms.issue_key(db, platform.id, "secret")
        rk = platforms.issue_key(db, platform.id, "reviewer", reviewer_name="rev-alice")
    engine.dispose()
    return Tenant(platform.id, sk.secret, rk.secret)


def png(width: int = 640, height: int = 480, noise: bool = False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 180, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height`: a decompression bomb's signature."""
    data = bytearray(png(8, 8))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


async def create_session(
    client: httpx.AsyncClient, tenant: Tenant, **params: Any
) -> dict[str, Any]:
    response = await client.post(SESSIONS, json=params, headers=tenant.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def upload(
    client: httpx.AsyncClient,
    session_id: str,
    headers: dict[str, str],
    purpose: str = "document_front",
    data: bytes | None = None,
    filename: str = "front.png",
) -> httpx.Response:
    return await client.post(
        f"{SESSIONS}/{session_id}/files",
        data={"purpose": purpose},
        files={"file": (filename, png() if data is None else data, "image/png")},
        headers=headers,
    )


async def wait_status(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str, status: str, timeout: float = 15
) -> dict[str, Any]:
    """Poll until the DB (written by the workflow's record_status) shows `status`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        body = (await client.get(f"{SESSIONS}/{session_id}", headers=tenant.auth)).json()
        if body.get("status") == status:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"session stayed {body.get('status')!r}, expected {status!r}")
        await asyncio.sleep(0.05)


async def verified_session(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """A session taken through upload and submit to `verified`."""
    session = await create_session(client, tenant)
    assert (await upload(client, session["id"], tenant.auth)).status_code == 200
    submitted = await client.post(f"{SESSIONS}/{session['id']}/submit", headers=tenant.auth)
    assert submitted.status_code == 200, submitted.text
    return await wait_status(client, tenant, session["id"], "verified")
