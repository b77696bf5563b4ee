"""The FastAPI application factory: `uvicorn api.app:create_app --factory`."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import Client

from api import errors, openapi
from api.codec import codec_app
from api.deps import AppState, connect_temporal
from api.metrics import ApiMetrics, MetricsMiddleware, metrics_router
from api.ratelimit import WindowLimit
from api.routes import events, health, pages, reports, reviews, sessions, webhooks
from kyc import observability
from kyc.capture import CapturePrecheck
from kyc.db.engine import make_engine
from kyc.db.sealing import ColumnSealer
from kyc.settings import Settings
from kyc.storage import ObjectStore

log = logging.getLogger("kyc.api")


class RequestIdMiddleware:
    """Stripe's `Request-Id` response header. Plain ASGI: `@app.middleware("http")` wraps every
    request in an extra task and response stream, a measurable cost on the hot path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        rid = f"req_{secrets.token_urlsafe(12)}"
        # Log lines of this request carry its id (and session id): kyc.observability.
        tokens = (observability.request_id.set(rid), observability.request_scope.set(scope))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("Request-Id", rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            observability.request_id.reset(tokens[0])
            observability.request_scope.reset(tokens[1])


def create_app(
    settings: Settings | None = None,
    *,
    temporal: Client | None = None,
    store: ObjectStore | None = None,
) -> FastAPI:
    settings = settings or Settings.load()
    if settings.log_format == "json":
        observability.configure_logging("json")
    observability.setup_tracing(settings.otlp_traces_endpoint, "kycflow-api")
    if not settings.master_key:
        raise RuntimeError(
            "KYC_MASTER_KEY is not set (nor in <state_dir>/secrets.json): the API cannot seal "
            "or read personal data without it. `kyc dev` generates one."
        )
    settings.check_secrets()
    state = AppState(
        settings=settings,
        engine=make_engine(settings.resolved_database_url),
        sealer=ColumnSealer(settings.master_keys),
        prechecks=CapturePrecheck(
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
            min_side=settings.min_image_side,
        ),
        temporal=temporal,
        store=store,
        precheck_limit=WindowLimit(settings.precheck_per_minute, window_s=60.0),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # No migrations here: replicas would race (`kyc migrate` runs once, before them).
        if state.store is None:
            state.store = settings.object_store()
            try:
                await asyncio.to_thread(state.store.ensure_bucket)
            except Exception as exc:  # storage may come up later; uploads answer 503 until then
                log.warning("object storage unavailable at startup: %s", type(exc).__name__)
        if state.temporal is None:
            try:
                state.temporal = await connect_temporal(settings, state.engine, timeout_s=10)
            except Exception as exc:  # connect again on first use; requests answer 503 till then
                log.warning("Temporal unavailable at startup: %s", type(exc).__name__)
        yield
        state.engine.dispose()

    app = FastAPI(
        title="kycflow",
        version="0.1.0",
        description=(
            "Identity verification with a Stripe Identity-compatible API. Secret keys are "
            "stored hashed and shown once; a session's client_secret and url are returned to "
            "the platform while the session requires input."
        ),
        lifespan=lifespan,
    )
    app.state.kyc = state
    errors.install(app)
    openapi.install(app)

    app.add_middleware(RequestIdMiddleware)
    if settings.api_metrics:
        metrics = ApiMetrics()
        app.add_middleware(MetricsMiddleware, metrics=metrics)
        app.include_router(metrics_router(metrics))

    for module in (sessions, reports, reviews, events, webhooks, health, pages):
        app.include_router(module.router)
    app.mount("/codec", codec_app(settings, state.engine))
    return app
