"""Logging for operators: one JSON object per line with the request id and session id.

Personal data never reaches a log line by construction: records carry only the message the
code wrote (which never interpolates identity data, DESIGN §9), the logger, level, time and the
two ids; `extra=` fields and exception text are left out, because a library's exception
message can quote the values it choked on (a name, a document number).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

# The current HTTP request: its id (also sent as `Request-Id`) and its ASGI scope, read lazily
# so that the session id routing puts into `path_params` appears on lines logged after it.
request_id: ContextVar[str | None] = ContextVar("kyc_request_id", default=None)
Scope = MutableMapping[str, Any]
request_scope: ContextVar[Scope | None] = ContextVar("kyc_request_scope", default=None)


def current_session_id() -> str | None:
    scope = request_scope.get()
    if scope is None:
        return None
    value = (scope.get("path_params") or {}).get("session_id")
    return str(value) if value is not None else None


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", "request_id"?, "session_id"?, "exc_type"?}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            line["request_id"] = rid
        sid = current_session_id()
        if sid:
            line["session_id"] = sid
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__  # the type only, never its message
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Root logging for a process: `json` (production) or `text` (a terminal)."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def setup_tracing(otlp_endpoint: str, service_name: str) -> bool:
    """OpenTelemetry traces to an OTLP/HTTP collector (`KYC_OTLP_TRACES_ENDPOINT`, off when
    empty). Spans come from Temporal's TracingInterceptor (kyc.temporal.connect): client
    start -> workflow -> activities, tagged with workflow ids only, never payloads."""
    if not otlp_endpoint:
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    trace.set_tracer_provider(provider)
    return True
