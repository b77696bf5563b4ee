"""API metrics: request latency and status by route template, served at `GET /metrics`.

Labels are the route's template (`/v1/identity/verification_sessions/{session_id}`), never the
raw path, so ids cannot blow up the series count. With several uvicorn workers in one pod each
process has its own registry: the chart runs one worker per pod and scales pods instead.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kyc.metrics import CONTENT_TYPE

UNMATCHED = "unmatched"  # 404s for paths no route knows: one series, not one per path
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "kyc_api_request_duration_seconds",
            "API request latency by method, route template and status code",
            ["method", "route", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return scope.get("root_path", "") + path if scope.get("root_path") else path


class MetricsMiddleware:
    """Plain ASGI (no extra task per request, like RequestIdMiddleware)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes every handler is a 500 to the client

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.requests.labels(
                scope["method"], route_template(scope), str(status)
            ).observe(time.perf_counter() - started)


def metrics_router(metrics: ApiMetrics) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    def prometheus_metrics(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE)

    return router
