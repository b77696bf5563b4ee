"""The ONE place that maps errors to Stripe-style HTTP error objects.

`kyc.errors.KycError` carries its own status, type and code; request validation, unknown routes
and Temporal failures are translated here. Stack traces are logged only for 5xx, and request
bodies are never logged or echoed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from kyc.db.errors import database_error
from kyc.errors import (
    IdempotencyConflict,
    InfrastructureError,
    InvalidRequest,
    InvalidState,
    KycError,
    MissingParameter,
    NotFound,
    UnknownParameter,
)
from kyc.objects.common import ErrorBody, ErrorPublic

log = logging.getLogger("kyc.api")


class IdempotencyMismatch(IdempotencyConflict):
    """The key was used before with different parameters (Stripe answers 400)."""

    http_status = 400


class ServiceUnavailable(InfrastructureError):
    """Temporal (or another backing service) cannot be reached right now."""


class SessionBusy(KycError):
    """The workflow took the request but did not answer in time (it is busy, or a backing
    service is down): the change may still happen. Stripe's `lock_timeout`."""

    code = "lock_timeout"
    http_status = 409


class UpdateRefused(KycError):
    """A workflow update validator refused the request; `code` is its ApplicationError type."""


# Declared on every router, so the OpenAPI document describes the error object too.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic, "description": description}
    for status, description in (
        (400, "Invalid request: a parameter is missing, unknown or invalid"),
        (401, "No valid API key"),
        (403, "The key may not call this endpoint"),
        (404, "No such object (or it belongs to another platform)"),
        (409, "Conflicting request (idempotency key in use, or the session moved on)"),
        (503, "A backing service is unavailable; retry later"),
    )
}


def error_body(type_: str, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    """Stripe's error object as JSON (`param` only when there is one)."""
    return ErrorPublic(
        error=ErrorBody(type=type_, code=code, message=message, param=param)
    ).to_json()


def kyc_error_response(exc: KycError) -> JSONResponse:
    return JSONResponse(
        error_body(exc.error_type, exc.code, exc.message, exc.param), status_code=exc.http_status
    )


def param_name(loc: Any) -> str | None:
    """A pydantic location as Stripe's bracket notation: options[document][allowed_types]."""
    skip = ("body", "query", "path", "header", "form", "[key]")
    parts = [str(p) for p in loc if p not in skip]
    if not parts:
        return None
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def validation_error(errors: list[Any]) -> KycError:
    """The first problem of a pydantic/FastAPI validation as a precise Stripe error."""
    first = errors[0] if errors else {"type": "value_error", "loc": (), "msg": "Invalid request"}
    param = param_name(first.get("loc", ()))
    kind = first.get("type", "")
    if kind == "missing":
        return MissingParameter(f"Missing required param: {param}.", param=param)
    if kind == "extra_forbidden":
        return UnknownParameter(f"Received unknown parameter: {param}", param=param)
    message = str(first.get("msg", "Invalid value"))
    return InvalidRequest(f"Invalid {param}: {message}" if param else message, param=param)


def temporal_error(exc: Exception) -> KycError:
    """Translate a Temporal client failure into the public error it means."""
    if isinstance(exc, (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError)):
        return SessionBusy(
            "The session did not answer in time; read it again, or retry with the same "
            "Idempotency-Key."
        )
    if isinstance(exc, WorkflowUpdateFailedError):
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            return UpdateRefused(cause.message, code=cause.type or "session_invalid_state")
        return InvalidState("The session cannot take this request now.")
    if isinstance(exc, RPCError):
        if exc.status == RPCStatusCode.NOT_FOUND:
            # The workflow finished (or was never started): nothing can change it any more.
            return InvalidState("The session is already finished and cannot take this request.")
        if exc.status in (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.FAILED_PRECONDITION):
            return InvalidState("The session cannot take this request now.")
        return ServiceUnavailable("The workflow service is unavailable; retry later.")
    log.warning("Temporal call failed: %s", type(exc).__name__)
    return ServiceUnavailable("The workflow service is unavailable; retry later.")


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API documents for this path (Starlette names only the first route's)."""
    path = request.url.path
    methods = {
        method.upper()
        for template, item in request.app.openapi().get("paths", {}).items()
        if re.fullmatch(re.sub(r"\{[^/]+?\}", "[^/]+", template), path)
        for method in item
    }
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers on `app` (and on mounted sub-apps that call it)."""

    @app.exception_handler(KycError)
    async def _kyc(request: Request, exc: KycError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc.code)
        return kyc_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return kyc_error_response(validation_error(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            path = request.url.path
            return kyc_error_response(
                NotFound(f"Unrecognized request URL ({request.method}: {path}).")
            )
        if exc.status_code == 405:
            return JSONResponse(
                error_body(
                    "invalid_request_error",
                    "method_not_allowed",
                    f"{request.method} is not allowed on {request.url.path}.",
                ),
                status_code=405,
                headers={**(exc.headers or {}), "Allow": ", ".join(_allowed_methods(request))},
            )
        kind = "api_error" if exc.status_code >= 500 else "invalid_request_error"
        return JSONResponse(
            error_body(kind, "request_failed", str(exc.detail)), status_code=exc.status_code
        )

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        # Every class through kyc/db/errors.py: down, locked or out of pooled connections ->
        # 503 (retry later); a refused value -> 400; a broken constraint -> 409.
        error = database_error(exc) if isinstance(exc, SQLAlchemyError) else None
        if error is None or error.http_status >= 500:
            log.warning("%s %s: database unavailable", request.method, request.url.path)
            return kyc_error_response(
                ServiceUnavailable("The database is unavailable or busy; retry later.")
            )
        log.warning(
            "%s %s: database refused the write (%s)", request.method, request.url.path, error.code
        )
        return kyc_error_response(error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The only place a stack trace is logged; the body is never part of the log line.
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("api_error", "internal_error", "An internal error occurred."),
            status_code=500,
        )
