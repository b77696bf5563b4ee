"""Prometheus metrics: business gauges read from the database, and the worker's /metrics server.

Business metrics are computed at scrape time from the database (a few aggregate queries), so
they are right whichever replica did the work and survive restarts; only the `kyc` worker pool
serves them (one source, not one copy per API replica). The Temporal SDK's own series
(`temporal_*`) come from its Rust runtime's Prometheus endpoint, bound on loopback and appended
to the same /metrics, so one scrape target per worker pod carries both.
"""

from __future__ import annotations

import logging
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from kyc.db.tables import VerificationSessionRow, WebhookDeliveryRow

log = logging.getLogger("kyc.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class BusinessCollector(Collector):
    """Verification outcomes, review queue, list snapshot age and webhook failures, from the
    database and the snapshot pointer at each scrape. No label carries personal data: only
    statuses and public error codes (a closed set, kyc/contracts.py)."""

    def __init__(
        self,
        engine: Engine,
        snapshot_created_at: Callable[[], float | None] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.snapshot_created_at = snapshot_created_at
        self.now = now

    def collect(self) -> Iterator[Metric]:
        now = self.now()
        sessions = GaugeMetricFamily(
            "kyc_verification_sessions",
            "Verification sessions by status and last error code (none: no error)",
            labels=["status", "error_code"],
        )
        depth = GaugeMetricFamily("kyc_review_queue_depth", "Sessions with a pending review")
        oldest = GaugeMetricFamily(
            "kyc_review_queue_oldest_age_seconds", "Age of the oldest pending review (0: none)"
        )
        failing = GaugeMetricFamily(
            "kyc_webhook_deliveries_failing",
            "Webhook deliveries attempted and not (yet) delivered",
        )
        failed_attempts = GaugeMetricFamily(
            "kyc_webhook_failed_attempts",
            "Delivery attempts that did not deliver, over every kept delivery",
        )
        with Session(self.engine) as db:
            rows = db.exec(
                select(
                    VerificationSessionRow.status,
                    VerificationSessionRow.last_error_code,
                    func.count(),
                ).group_by(
                    col(VerificationSessionRow.status), col(VerificationSessionRow.last_error_code)
                )
            ).all()
            for status, code, count in rows:
                sessions.add_metric([status, code or "none"], count)
            queued, since = db.exec(
                select(func.count(), func.min(VerificationSessionRow.review_since)).where(
                    col(VerificationSessionRow.review_pending).is_(True)
                )
            ).one()
            undelivered, attempts, delivered = db.exec(
                select(
                    func.count().filter(
                        col(WebhookDeliveryRow.delivered).is_(False),
                        col(WebhookDeliveryRow.attempts) > 0,
                    ),
                    func.coalesce(func.sum(WebhookDeliveryRow.attempts), 0),
                    func.count().filter(col(WebhookDeliveryRow.delivered).is_(True)),
                )
            ).one()
        depth.add_metric([], queued)
        oldest.add_metric([], max(0.0, now - since) if since is not None else 0.0)
        failing.add_metric([], undelivered)
        failed_attempts.add_metric([], attempts - delivered)
        yield from (sessions, depth, oldest, failing, failed_attempts)
        if self.snapshot_created_at is not None:
            try:
                created = self.snapshot_created_at()
            except Exception as exc:  # object storage down: the other series still count
                log.warning("list snapshot age unavailable: %s", type(exc).__name__)
                created = None
            if created is not None:  # absent before the first import: the alert is on absence
                age = GaugeMetricFamily(
                    "kyc_list_snapshot_age_seconds", "Age of the current screening list snapshot"
                )
                age.add_metric([], max(0.0, now - created))
                yield age


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MetricsServer:
    """`GET /metrics` on `port`: this registry's series, then the SDK runtime's (when given)."""

    def __init__(self, registry: CollectorRegistry, sdk_metrics_url: str | None = None) -> None:
        self.registry = registry
        self.sdk_metrics_url = sdk_metrics_url
        self._server: ThreadingHTTPServer | None = None

    def exposition(self) -> bytes:
        body = generate_latest(self.registry)
        if self.sdk_metrics_url:
            try:
                with urllib.request.urlopen(self.sdk_metrics_url, timeout=2) as response:
                    body += response.read()
            except OSError as exc:  # the business series are still worth serving
                log.warning("Temporal SDK metrics unavailable: %s", type(exc).__name__)
        return body

    def start(self, host: str, port: int) -> int:
        """Serve on a daemon thread; returns the bound port (`port` 0 picks one)."""
        exposition = self.exposition

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                try:
                    body = exposition()
                except Exception as exc:  # a database outage must not kill the scrape thread
                    log.warning("metrics collection failed: %s", type(exc).__name__)
                    self.send_error(503)
                    return
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # one line per scrape is noise

        self._server = ThreadingHTTPServer((host, port), Handler)
        Thread(target=self._server.serve_forever, name="metrics", daemon=True).start()
        return int(self._server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
