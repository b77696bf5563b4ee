"""One vs two `kyc-ml` worker processes at a fixed offered load: throughput, submit -> final.

Figures, not a test. One embedded stack (Temporal dev server, SeaweedFS, SQLite, one API) and
one `kyc` worker; phase 1 runs one `kyc-ml` worker, phase 2 adds a second beside it (both with
the default slots and thread split, as a second replica would be). Each phase prepares
`-n` sessions (created, both images uploaded) and then submits them open-loop at `--rate` per
second, whatever the workers' pace. Submit -> final and throughput come from the workflow
histories (update accepted -> last activity completed), so polling does not blur them.

Scaling efficiency is throughput(2) / (2 x throughput(1)). It is bounded by the cores, not by
the worker count: the script prints the ML CPU seconds per verification and the machine's busy
fraction, from which cores / CPU-per-verification is the ceiling either phase can reach, and
the cores the ML workers actually got: on a machine shared with other work, two processes get a
larger share of it than one (the kernel shares CPU fairly between sessions, autogroup, and each
worker starts in its own session), which is not scaling.

    .venv/bin/python bench/scale_ml.py [-n 10] [--rate 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from temporalio.api.enums.v1 import EventType

from bench.procstats import cpu_seconds, machine_busy, percentile
from kyc.dev import components
from kyc.dev import stack as dev_stack
from kyc.dev.client import KycClient
from kyc.dev.demo import specimen_images
from kyc.settings import Settings
from kyc.temporal import connect


class Workers:
    """Worker processes of the benchmark, each in its own session (stopped at the end)."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.env = components.child_env(settings)
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, queues: str) -> subprocess.Popen[bytes]:
        port = components.free_port()
        env = self.env | {"KYC_WORKER_QUEUES": queues, "KYC_WORKER_METRICS_PORT": str(port)}
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        # /metrics shows pollers once the models are loaded and the worker polls.
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, f"{name} exited with {proc.returncode}"
            assert time.monotonic() < deadline, f"{name} did not start polling in 300 s"
            try:
                url = f"http://127.0.0.1:{port}/metrics"
                with urllib.request.urlopen(url, timeout=3) as response:
                    if b"temporal_num_pollers" in response.read():
                        return proc
            except OSError:
                pass
            time.sleep(1)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(90)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass
class Phase:
    ml_workers: int
    verified: int
    n: int
    wall_s: float  # first submit accepted -> last verification final (histories)
    latencies_ms: list[float]
    ml_cpu_s: float
    busy: float  # machine CPU busy fraction during the phase (all processes, all users)
    load: float

    @property
    def throughput(self) -> float:
        return self.n / self.wall_s


async def history_span(settings: Settings, ids: list[str]) -> list[tuple[float, float]]:
    """(submit accepted, last activity completed) of each session, epoch seconds."""
    client = await connect(
        settings.resolved_temporal_address, settings.temporal_namespace, settings.payload_key
    )
    spans = []
    for session_id in ids:
        history = await client.get_workflow_handle(session_id).fetch_history()
        submit_at = end_at = None
        for event in history.events:
            at = event.event_time.ToDatetime().timestamp()
            kind = event.event_type
            if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                submit_at = at if submit_at is None else submit_at
            elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                end_at = at
        assert submit_at is not None and end_at is not None, session_id
        spans.append((submit_at, end_at))
    return spans


def prepare(client: KycClient, n: int, document: bytes, selfie: bytes) -> list[str]:
    ids = []
    for _ in range(n):
        created = client.create_session(selfie=True, screening=False, metadata={"b": "scale"})
        client.upload(created["id"], "document_front", document, "passport.jpg")
        client.upload(created["id"], "selfie", selfie, "selfie.jpg")
        ids.append(created["id"])
    return ids


def submit_open_loop(client: KycClient, ids: list[str], rate: float) -> None:
    """Submit at a fixed pace, each in its own thread, so a slow call cannot delay the next."""
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        futures = []
        for i, session_id in enumerate(ids):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            futures.append(pool.submit(client.submit, session_id))
        for future in futures:
            future.result()  # a failed submit must stop the benchmark, not stall it


def wait_final(client: KycClient, ids: list[str], timeout: float) -> dict[str, str]:
    """Final statuses, polled gently (one sweep a second): timing comes from the histories."""
    pending, final = list(ids), {}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for session_id in list(pending):
            current = client.session(session_id)
            if current["status"] != "processing" and current["status"] != "requires_input":
                final[session_id] = current["status"]
                pending.remove(session_id)
            elif current["status"] == "requires_input" and current.get("last_error"):
                final[session_id] = "requires_input"
                pending.remove(session_id)
        time.sleep(1.0)
    return final


def run_phase(
    settings: Settings, client: KycClient, ml_pids: list[int], n: int, rate: float
) -> Phase:
    document, selfie = specimen_images()
    # Warm-up: first calls of each ML worker pay one-time costs (sessions, caches).
    warm = prepare(client, 2 * len(ml_pids), document, selfie)
    submit_open_loop(client, warm, rate=10.0)
    wait_final(client, warm, 300)
    ids = prepare(client, n, document, selfie)
    cpu0, busy0 = sum(cpu_seconds(p) for p in ml_pids), machine_busy()
    submitter = threading.Thread(target=submit_open_loop, args=(client, ids, rate))
    submitter.start()
    final = wait_final(client, ids, 600)
    submitter.join()
    cpu1, busy1 = sum(cpu_seconds(p) for p in ml_pids), machine_busy()
    spans = asyncio.run(history_span(settings, ids))
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return Phase(
        ml_workers=len(ml_pids),
        verified=sum(1 for s in final.values() if s == "verified"),
        n=n,
        wall_s=wall,
        latencies_ms=[(end - start) * 1000 for start, end in spans],
        ml_cpu_s=cpu1 - cpu0,
        busy=(busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
        load=os.getloadavg()[0],
    )


def report(phases: list[Phase], rate: float) -> None:
    cores = os.cpu_count() or 1
    print(f"\noffered load {rate:.2f} submits/s, {cores} cores (shared machine)")
    for p in phases:
        lat = p.latencies_ms
        per = p.ml_cpu_s / p.n
        print(
            f"  {p.ml_workers} kyc-ml worker(s): {p.verified}/{p.n} verified, "
            f"throughput {p.throughput:.3f}/s, submit -> final p50 {statistics.median(lat):.0f} ms "
            f"p95 {percentile(lat, 95):.0f} ms; ML CPU {per:.1f} s per verification "
            f"(ceiling {cores / per:.2f}/s on {cores} cores); the ML workers got "
            f"{p.ml_cpu_s / p.wall_s:.2f} cores, machine busy {p.busy:.0%}, "
            f"load average {p.load:.1f}"
        )
    if len(phases) == 2:
        one, two = phases
        print(
            f"  scaling efficiency {two.throughput / (2 * one.throughput):.0%} "
            f"(throughput x{two.throughput / one.throughput:.2f} for x2 ML processes)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="verifications per phase")
    parser.add_argument("--rate", type=float, default=0.5, help="offered submits per second")
    args = parser.parse_args()
    print(f"load average at start {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="kyc-bench-") as tmp:
        settings = components.isolated_settings(Path(tmp) / "state")
        stack = dev_stack.DevStack(settings, say=print, with_worker=False)
        (Path(tmp) / "logs").mkdir()
        workers: Workers | None = None
        phases = []
        try:
            stack.start()
            workers = Workers(stack.settings, Path(tmp) / "logs")
            assert stack.keys is not None
            client = KycClient(stack.settings.resolved_public_url, stack.keys.secret_key)
            workers.start("worker-kyc", "kyc")
            ml = [workers.start("worker-ml0", "kyc-ml").pid]
            phases.append(run_phase(stack.settings, client, ml, args.n, args.rate))
            ml.append(workers.start("worker-ml1", "kyc-ml").pid)
            phases.append(run_phase(stack.settings, client, ml, args.n, args.rate))
            client.close()
        finally:
            if workers is not None:
                workers.stop()
            stack.stop()
    report(phases, args.rate)
    return 0 if all(p.verified == p.n for p in phases) else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # sdk-python#300: no finalizers at exit
