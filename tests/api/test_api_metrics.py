"""`GET /metrics`: latency and status by route template, never by raw path."""

from __future__ import annotations

import re

import httpx

from tests.api.api_helpers import Tenant

SESSION_ROUTE = "/v1/identity/verification_sessions/{session_id}"


def count(text: str, **labels: str) -> float:
    """The `_count` sample of the latency histogram with exactly these labels (0 if absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    match = re.search(
        r"^kyc_api_request_duration_seconds_count\{" + re.escape(wanted) + r"\} (\S+)$",
        text,
        re.MULTILINE,
    )
    return float(match.group(1)) if match else 0.0


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = (await client.get("/metrics")).text
    missing = await client.get("/v1/identity/verification_sessions/vs_nope123", headers=tenant.auth)
    assert missing.status_code == 404
    assert (await client.get("/no/such/path/abc")).status_code == 404
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    labels = {"method": "GET", "route": SESSION_ROUTE, "status": "404"}
    assert count(after, **labels) == count(before, **labels) + 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert count(after, **unmatched) == count(before, **unmatched) + 1
    # Raw paths (and the ids in them) never become label values.
    assert "vs_nope123" not in after and "/no/such/path" not in after
