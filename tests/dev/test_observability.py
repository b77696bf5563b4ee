"""Business metrics from the database, and JSON log lines without personal data."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from sqlmodel import Session

from kyc import observability
from kyc.db.engine import make_engine
from kyc.db.migrate import migrate
from kyc.db.tables import (
    EventRow,
    Platform,
    VerificationSessionRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)
from kyc.metrics import BusinessCollector, MetricsServer

NOW = 1_800_000_000


def session_row(i: int, status: str, **fields: Any) -> VerificationSessionRow:
    return VerificationSessionRow(
        id=f"vs_{i}",
        platform_id="pl_1",
        type="document",
        status=status,
        client_secret_hash="0" * 64,
        created=NOW - 1000,
        expires_at=NOW + 1000,
        updated=NOW,
        **fields,
    )


def sample(text: str, name: str, labels: str = "") -> float:
    prefix = f"{name}{{{labels}}} " if labels else f"{name} "
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, (prefix, text)
    return float(lines[0].removeprefix(prefix))


def test_business_metrics_count_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kyc.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as db:
        db.add(Platform(id="pl_1", name="p", created=NOW))
        db.flush()
        db.add(session_row(1, "verified"))
        db.add(session_row(2, "verified"))
        db.add(session_row(3, "requires_input", last_error_code="document_expired"))
        db.add(session_row(4, "processing", review_pending=True, review_since=NOW - 300))
        db.add(session_row(5, "processing", review_pending=True, review_since=NOW - 60))
        db.add(
            WebhookEndpointRow(
                id="we_1", platform_id="pl_1", url="http://x", secret="s", created=NOW
            )
        )
        db.flush()
        for i, (delivered, attempts) in enumerate([(True, 1), (True, 3), (False, 4), (False, 0)]):
            db.add(
                EventRow(
                    id=f"evt_{i}", platform_id="pl_1", type="t", created=NOW, dedupe_key=f"k{i}"
                )
            )
            db.flush()
            db.add(
                WebhookDeliveryRow(
                    event_id=f"evt_{i}",
                    endpoint_id="we_1",
                    delivered=delivered,
                    attempts=attempts,
                    updated=NOW,
                )
            )
        db.commit()
    registry = CollectorRegistry()
    registry.register(BusinessCollector(engine, lambda: NOW - 7200.0, now=lambda: NOW))
    text = generate_latest(registry).decode()
    assert sample(text, "kyc_verification_sessions", 'error_code="none",status="verified"') == 2
    assert (
        sample(
            text,
            "kyc_verification_sessions",
            'error_code="document_expired",status="requires_input"',
        )
        == 1
    )
    assert sample(text, "kyc_review_queue_depth") == 2
    assert sample(text, "kyc_review_queue_oldest_age_seconds") == 300
    assert sample(text, "kyc_webhook_deliveries_failing") == 1
    assert sample(text, "kyc_webhook_failed_attempts") == (1 + 3 + 4) - 2
    assert sample(text, "kyc_list_snapshot_age_seconds") == 7200

    # Before any list import, and when object storage is down, the age series is absent.
    def storage_down() -> float | None:
        raise ConnectionError("s3 down")

    for snapshot in (lambda: None, storage_down):
        registry = CollectorRegistry()
        registry.register(BusinessCollector(engine, snapshot, now=lambda: NOW))
        text = generate_latest(registry).decode()
        assert "kyc_list_snapshot_age_seconds" not in text
        assert sample(text, "kyc_review_queue_depth") == 2
    engine.dispose()


def test_metrics_server_appends_the_sdk_series(tmp_path: Path) -> None:
    sdk = MetricsServer(CollectorRegistry())  # stands in for the SDK runtime's endpoint
    from prometheus_client import Counter

    sdk_registry = CollectorRegistry()
    Counter("temporal_request", "r", registry=sdk_registry).inc()
    sdk.registry = sdk_registry
    sdk_port = sdk.start("127.0.0.1", 0)
    ours = CollectorRegistry()
    Counter("kyc_thing", "t", registry=ours).inc(2)
    server = MetricsServer(ours, f"http://127.0.0.1:{sdk_port}/metrics")
    try:
        text = server.exposition().decode()
        assert "kyc_thing_total 2.0" in text and "temporal_request_total 1.0" in text
        sdk.stop()
        assert "kyc_thing_total 2.0" in server.exposition().decode()  # SDK gone: ours still
    finally:
        server.stop()


def test_json_log_lines_carry_ids_and_no_exception_text() -> None:
    formatter = observability.JsonFormatter()
    tokens = (
        observability.request_id.set("req_abc"),
        observability.request_scope.set({"path_params": {"session_id": "vs_123"}}),
    )
    try:
        raise ValueError("MUSTERMANN ERIKA C01X00T47")  # what a parser might quote
    except ValueError:
        record = logging.getLogger("kyc.test").makeRecord(
            "kyc.test", logging.ERROR, __file__, 1, "extract failed", (), exc_info=True
        )
        record.exc_info = __import__("sys").exc_info()
    line = formatter.format(record)
    observability.request_id.reset(tokens[0])
    observability.request_scope.reset(tokens[1])
    data = json.loads(line)
    assert data["request_id"] == "req_abc" and data["session_id"] == "vs_123"
    assert data["message"] == "extract failed" and data["exc_type"] == "ValueError"
    assert "MUSTERMANN" not in line and "C01X00T47" not in line
    # Outside a request, no ids.
    plain = json.loads(formatter.format(logging.makeLogRecord({"msg": "polling", "name": "w"})))
    assert "request_id" not in plain and "session_id" not in plain
