"""/healthz (the process answers) and /readyz (database and Temporal answer)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import DbSession, app_state, get_temporal
from kyc.db.health import ping

router = APIRouter(tags=["health"])
log = logging.getLogger("kyc.api")


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database, Temporal and object storage reachable")
async def readyz(request: Request, db: DbSession) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        ping(db)
        checks["database"] = "ok"
    except Exception as exc:
        log.warning("readyz: database unavailable: %s", type(exc).__name__)
        checks["database"] = "unavailable"
    try:
        client = await get_temporal(request)
        await asyncio.wait_for(client.service_client.check_health(), timeout=3)
        checks["temporal"] = "ok"
    except Exception as exc:
        log.warning("readyz: temporal unavailable: %s", type(exc).__name__)
        checks["temporal"] = "unavailable"
    try:
        store = app_state(request).store
        if store is None:
            raise RuntimeError("no object store")
        await asyncio.wait_for(asyncio.to_thread(store.exists, "readyz"), timeout=3)
        checks["storage"] = "ok"
    except Exception as exc:
        log.warning("readyz: storage unavailable: %s", type(exc).__name__)
        checks["storage"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
