"""N verifications through the real stack: throughput, latency per stage, orchestration overhead.

Figures, not a test. Each session takes the generated specimen passport + selfie from submit to
its final status. Stage times come from the workflow histories (activity scheduled -> completed);
orchestration overhead is the total minus the time activities ran (started -> completed).
Target: overhead p50 <= 150 ms; worker RSS with models loaded <= 1.5 GB.

    .venv/bin/python bench/e2e.py [--state-dir .kyc] [-n 10] [--concurrency 2]
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from temporalio.api.enums.v1 import EventType

from kyc.dev.attach import open_stack
from kyc.dev.client import KycClient
from kyc.dev.demo import specimen_images
from kyc.settings import Settings
from kyc.temporal import connect

OVERHEAD_TARGET_MS = 150.0
RSS_TARGET_MB = 1536.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mb(pid: int | None) -> float | None:
    """Resident memory of a process and its children (MB), from /proc."""
    if pid is None:
        return None
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
        for p in pids:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    except OSError:
        return None
    return total / 1024


def one_verification(client: KycClient, document: bytes, selfie: bytes) -> tuple[str, str, float]:
    """Session id, final status and client-side seconds from submit to the final status."""
    created = client.create_session(selfie=True, screening=False, metadata={"bench": "e2e"})
    session_id = created["id"]
    client.upload(session_id, "document_front", document, "passport.jpg")
    client.upload(session_id, "selfie", selfie, "selfie.jpg")
    t0 = time.perf_counter()
    client.submit(session_id)
    final = client.follow(session_id, timeout=600, interval=0.05)
    return session_id, final["status"], time.perf_counter() - t0


async def history_timings(settings: Settings, session_ids: list[str]) -> list[dict[str, Any]]:
    """Per session: total (submit accepted -> last activity completed), per-stage latency and
    the sum of activity run times, all in ms, from the workflow history."""
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
        submit_at = end_at = None
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
                attrs = event.activity_task_completed_event_attributes
                name, sched_at = scheduled[attrs.scheduled_event_id]
                stages[name] += at - sched_at
                activity_ms += at - started.get(attrs.scheduled_event_id, sched_at)
                end_at = at
        if submit_at is None or end_at is None:
            continue
        out.append({"total": end_at - submit_at, "stages": dict(stages), "activity": activity_ms})
    return out


def row(name: str, values: list[float], target: float | None = None) -> str:
    p50, p95 = statistics.median(values), percentile(values, 95)
    verdict = (
        "" if target is None else f"  p50 <= {target:.0f}: {'met' if p50 <= target else 'MISSED'}"
    )
    return f"  {name:<34} p50 {p50:>8.0f} ms   p95 {p95:>8.0f} ms{verdict}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--state-dir", type=Path, default=Path(os.environ.get("KYC_STATE_DIR", ".kyc"))
    )
    parser.add_argument("-n", type=int, default=10, help="verifications")
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    document, selfie = specimen_images()
    with open_stack(args.state_dir) as stack:
        client = KycClient(stack.api_url, stack.secret_key)
        one_verification(client, document, selfie)  # warm-up: models, caches
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(
                pool.map(lambda _: one_verification(client, document, selfie), range(args.n))
            )
        wall = time.perf_counter() - started
        client.close()
        statuses: dict[str, int] = defaultdict(int)
        for _, status, _ in results:
            statuses[status] += 1
        timings = asyncio.run(history_timings(stack.settings, [r[0] for r in results]))
        rss = rss_mb(stack.worker_pid)

    print(f"\n{args.n} verifications, concurrency {args.concurrency}: {dict(statuses)}")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    print(f"  throughput {args.n / wall:.2f} verifications/s ({wall:.1f} s)")
    print(row("client: submit -> final", [r[2] * 1000 for r in results]))
    if timings:
        print(row("history: submit -> last activity", [t["total"] for t in timings]))
        for stage in sorted({s for t in timings for s in t["stages"]}):
            print(row(f"stage {stage}", [t["stages"].get(stage, 0.0) for t in timings]))
        overhead = [t["total"] - t["activity"] for t in timings]
        print(row("orchestration overhead", overhead, OVERHEAD_TARGET_MS))
    if rss is not None:
        verdict = "met" if rss <= RSS_TARGET_MB else "MISSED"
        print(f"  worker RSS {rss:.0f} MB (target <= {RSS_TARGET_MB:.0f} MB: {verdict})")
    return 0 if statuses.get("verified") == args.n else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # sdk-python#300: no finalizers at exit
