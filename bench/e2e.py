"""Verifications through the real stack: throughput, latency per stage, CPU, overhead.

Figures, not a test. Each session takes the generated specimen passport + selfie from submit to
its final status, at each concurrency level in turn (default 1, 2 and 4). The client waits on
the workflow's close with one long poll (polling the API would add its own CPU to the figures);
when the final status was written comes from the history. Stage times come from
the workflow histories (activity scheduled -> completed), next to the same engine run standalone
in this process on the same images (the ratio is what orchestration, queueing and contention
add); orchestration overhead is the total minus the time activities ran (started -> completed);
CPU seconds per verification are read from /proc for each component of the stack (API, worker,
Temporal, object storage) over each level. Targets: overhead p50 <= 150 ms; worker RSS with
models loaded <= 1.5 GB.

    .venv/bin/python bench/e2e.py [--state-dir .kyc] [-n 6] [--concurrency 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, HistoryEventFilterType
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest

from bench.procstats import cpu_seconds, percentile, rss_mb
from kyc.contracts import ActivityName
from kyc.dev.attach import StackHandle, open_stack
from kyc.dev.client import KycClient
from kyc.dev.demo import specimen_images
from kyc.settings import Settings
from kyc.temporal import connect

OVERHEAD_TARGET_MS = 150.0
RSS_TARGET_MB = 1536.0


def one_verification(
    client: KycClient, settings: Settings, document: bytes, selfie: bytes
) -> tuple[str, str, float]:
    """Session id, final status and client-side seconds from submit to the workflow's close."""
    created = client.create_session(selfie=True, screening=False, metadata={"bench": "e2e"})
    session_id = created["id"]
    client.upload(session_id, "document_front", document, "passport.jpg")
    client.upload(session_id, "selfie", selfie, "selfie.jpg")
    t0 = time.perf_counter()
    client.submit(session_id)
    # A long poll on the workflow's close, not API polling: a retrieve every 50 ms cost the API
    # ~0.4 CPU-s per verification, which was then counted as the stack's CPU. The moment the
    # status was written is read from the history (history_timings, "final").
    asyncio.run(workflow_closed(settings, session_id, timeout_s=600))
    elapsed = time.perf_counter() - t0
    return session_id, client.session(session_id)["status"], elapsed


async def workflow_closed(settings: Settings, session_id: str, timeout_s: float) -> None:
    """Wait for the workflow's close event (the long poll `result()` makes, without decoding a
    payload: those are sealed under the session's key)."""
    client = await connect(
        settings.resolved_temporal_address, settings.temporal_namespace, settings.payload_key
    )
    request = GetWorkflowExecutionHistoryRequest(
        namespace=client.namespace,
        execution=WorkflowExecution(workflow_id=session_id),
        wait_new_event=True,
        history_event_filter_type=HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    )
    deadline = time.monotonic() + timeout_s  # a session left requires_input never closes
    while time.monotonic() < deadline:
        response = await client.workflow_service.get_workflow_execution_history(request)
        if response.history.events:
            return
        request.next_page_token = response.next_page_token


async def history_timings(settings: Settings, session_ids: list[str]) -> list[dict[str, Any]]:
    """Per session: total (submit accepted -> last activity completed), final (-> the final
    status written), per-stage latency and the sum of activity run times, all in ms, from the
    workflow history."""
    client = await connect(
        settings.resolved_temporal_address, settings.temporal_namespace, settings.payload_key
    )
    out = []
    for session_id in session_ids:
        history = await client.get_workflow_handle(session_id).fetch_history()
        scheduled: dict[int, tuple[str, float]] = {}
        started: dict[int, float] = {}
        stages: dict[str, float] = defaultdict(float)
        activity_ms = 0.0
        submit_at = end_at = final_at = None
        for event in history.events:
            at = event.event_time.ToDatetime().timestamp() * 1000
            kind = event.event_type
            if (
                kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
                and submit_at is None
            ):
                submit_at = at
            elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                name = event.activity_task_scheduled_event_attributes.activity_type.name
                scheduled[event.event_id] = (name, at)
            elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                attrs = event.activity_task_started_event_attributes
                started[attrs.scheduled_event_id] = at
            elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                done = event.activity_task_completed_event_attributes
                name, sched_at = scheduled[done.scheduled_event_id]
                stages[name] += at - sched_at
                activity_ms += at - started.get(done.scheduled_event_id, sched_at)
                end_at = at
                if name == ActivityName.RECORD_STATUS:
                    final_at = at  # the last status written is the final one
        if submit_at is None or end_at is None:
            continue
        out.append(
            {
                "total": end_at - submit_at,
                "final": (final_at or end_at) - submit_at,
                "stages": dict(stages),
                "activity": activity_ms,
            }
        )
    return out


def row(name: str, values: list[float], target: float | None = None) -> str:
    p50, p95 = statistics.median(values), percentile(values, 95)
    verdict = (
        "" if target is None else f"  p50 <= {target:.0f}: {'met' if p50 <= target else 'MISSED'}"
    )
    return f"  {name:<34} p50 {p50:>8.0f} ms   p95 {p95:>8.0f} ms{verdict}"


def standalone_ms(settings: Settings, document: bytes, selfie: bytes) -> dict[str, float]:
    """Each engine stage run in this process on the same images, median of 3 runs (ms), after a
    warm-up run: what the stage costs without the stack around it."""
    import cv2
    import numpy as np

    from kyc import images
    from kyc.documents.extract import extract_document
    from kyc.documents.models import DocumentRules
    from kyc.documents.quality import check_document_image, check_selfie_image
    from kyc.faces.engine import get_engine, provision_weights
    from kyc.threads import limit_native_threads, threads_per_activity

    # The worker's thread sizing (kyc/threads.py), so a ratio shows what the stack adds, not a
    # different pool size: each activity gets cores // ML slots threads, one here.
    threads = threads_per_activity(
        settings.ml_cores or os.cpu_count() or 1, settings.ml_activity_threads
    )
    limit_native_threads(threads)
    provision_weights(settings.deepface_home)
    faces = get_engine(settings.deepface_home)
    rules = DocumentRules(today=date.today())
    decoded: dict[str, np.ndarray] = {}

    def capture() -> None:
        for name, data, check in (("document", document, check_document_image),
                                  ("selfie", selfie, check_selfie_image)):  # fmt: skip
            image = images.decode(data, max_pixels=settings.max_image_pixels,
                                  min_side=settings.min_image_side)  # fmt: skip
            check(image)
            png = images.encode_png(image)
            normalised = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
            assert normalised is not None
            decoded[name] = normalised

    stages = {
        "capture": capture,
        "extract": lambda: extract_document(
            decoded["document"], None, rules=rules, engine=settings.ocr_engine
        ),
        "match": lambda: faces.compare_document_selfie(decoded["document"], decoded["selfie"]),
    }
    out = {}
    for name, run in stages.items():
        run()  # warm-up (models, caches)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append((time.perf_counter() - started) * 1000)
        out[name] = statistics.median(times)
    return out


def cpu_by_component(stack: StackHandle) -> dict[str, float]:
    return {name: cpu_seconds(pid, with_children=True) for name, pid in stack.children.items()}


def run_level(
    stack: StackHandle, concurrency: int, n: int, document: bytes, selfie: bytes
) -> dict[str, Any]:
    client = KycClient(stack.api_url, stack.secret_key)
    load = os.getloadavg()[0]
    cpu0 = cpu_by_component(stack)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(
            pool.map(lambda _: one_verification(client, stack.settings, document, selfie), range(n))
        )
    wall = time.perf_counter() - started
    cpu1 = cpu_by_component(stack)
    client.close()
    statuses: dict[str, int] = defaultdict(int)
    for _, status, _ in results:
        statuses[status] += 1
    return {
        "concurrency": concurrency,
        "statuses": dict(statuses),
        "load": load,
        "wall": wall,
        "latency_ms": [r[2] * 1000 for r in results],
        "timings": asyncio.run(history_timings(stack.settings, [r[0] for r in results])),
        "cpu_per_verification": {k: (cpu1.get(k, 0.0) - v) / n for k, v in cpu0.items()},
    }


def report(level: dict[str, Any], n: int, alone: dict[str, float]) -> None:
    c = level["concurrency"]
    print(f"\nconcurrency {c}: {n} verifications {level['statuses']}, load average "
          f"{level['load']:.1f} at the start, {os.cpu_count()} cores")  # fmt: skip
    print(f"  throughput {n / level['wall']:.2f} verifications/s ({level['wall']:.1f} s)")
    print(row("client: submit -> workflow closed", level["latency_ms"]))
    timings = level["timings"]
    if timings:
        print(row("history: submit -> final status", [t["final"] for t in timings]))
        print(row("history: submit -> last activity", [t["total"] for t in timings]))
        for stage in sorted({s for t in timings for s in t["stages"]}):
            values = [t["stages"].get(stage, 0.0) for t in timings]
            ratio = (f"   x{statistics.median(values) / alone[stage]:.2f} of standalone "
                     f"{alone[stage]:.0f} ms" if stage in alone else "")  # fmt: skip
            print(row(f"stage {stage}", values) + ratio)
        overhead = [t["total"] - t["activity"] for t in timings]
        print(row("orchestration overhead", overhead, OVERHEAD_TARGET_MS))
    cpu = level["cpu_per_verification"]
    parts = ", ".join(f"{name} {seconds:.2f}" for name, seconds in sorted(cpu.items()))
    print(f"  CPU per verification: {sum(cpu.values()):.2f} s ({parts})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--state-dir", type=Path, default=Path(os.environ.get("KYC_STATE_DIR", ".kyc"))
    )
    parser.add_argument("-n", type=int, default=6, help="verifications per concurrency level")
    parser.add_argument("--concurrency", default="1,2,4", help="levels, comma-separated")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    document, selfie = specimen_images()
    print(f"load average {os.getloadavg()[0]:.1f} before the run", flush=True)
    with open_stack(args.state_dir) as stack:
        client = KycClient(stack.api_url, stack.secret_key)
        one_verification(client, stack.settings, document, selfie)  # warm-up: models, caches
        client.close()
        results = [run_level(stack, c, args.n, document, selfie) for c in levels]
        rss = rss_mb(stack.worker_pid)
        alone = standalone_ms(stack.settings, document, selfie)  # after: not competing
    print("\nstandalone, this process, same images, worker's threads (median of 3): "
          + ", ".join(f"{k} {v:.0f} ms" for k, v in alone.items()))  # fmt: skip
    for level in results:
        report(level, args.n, alone)
    if rss is not None:
        verdict = "met" if rss <= RSS_TARGET_MB else "MISSED"
        print(f"\n  worker RSS {rss:.0f} MB (target <= {RSS_TARGET_MB:.0f} MB: {verdict})")
    verified = all(level["statuses"].get("verified") == args.n for level in results)
    return 0 if verified else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # sdk-python#300: no finalizers at exit
