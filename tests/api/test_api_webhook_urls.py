"""Webhook endpoint registration: internal targets refused (SSRF), a limit per platform."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from tests.api.api_helpers import Tenant, make_tenant

PATH = "/v1/webhook_endpoints"


@pytest.fixture
def production_rules(app: FastAPI) -> Iterator[None]:
    """The app under production's URL rules (the suite's settings admit a local receiver)."""
    state = app.state.kyc
    saved = state.settings
    state.settings = saved.model_copy(
        update={"environment": "production", "webhook_allow_local_receivers": False}
    )
    try:
        yield
    finally:
        state.settings = saved


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:7233/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:8000/",
        "https://10.0.0.1/",
        "https://localhost:8333/",
        "https://0x7f000001/",
        "https://[::ffff:127.0.0.1]/",
        "http://hooks.example.com/",  # plain http outside development
    ],
)
async def test_internal_urls_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, production_rules: None, url: str
) -> None:
    response = await client.post(
        PATH, data={"url": url, "enabled_events[]": "*"}, headers=tenant.auth
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("url_invalid", "url")


async def test_a_literal_public_address_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant, production_rules: None
) -> None:
    response = await client.post(
        PATH,
        data={"url": "https://93.184.216.34/hooks", "enabled_events[]": "*"},
        headers=tenant.auth,
    )
    assert response.status_code == 200, response.text


async def test_endpoints_per_platform_are_limited(client: httpx.AsyncClient, app: FastAPI) -> None:
    tenant = make_tenant(app.state.kyc.settings, "Many endpoints")
    limit = app.state.kyc.settings.webhook_max_endpoints
    for i in range(limit):
        created = await client.post(
            PATH,
            data={"url": f"http://127.0.0.1:9/{i}", "enabled_events[]": "*"},
            headers=tenant.auth,
        )
        assert created.status_code == 200, created.text
    refused = await client.post(
        PATH, data={"url": "http://127.0.0.1:9/x", "enabled_events[]": "*"}, headers=tenant.auth
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "webhook_endpoint_limit_reached"
