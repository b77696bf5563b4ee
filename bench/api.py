"""API latency: create and retrieve a verification session at 1, 10 and 50 concurrent clients.

Figures, not a test. Targets (DESIGN/issue 2): create p95 <= 50 ms and retrieve p95 <= 20 ms at
10 clients; CPU per created session <= 30 ms across the stack (issue 15), printed per component
(from /proc) for each level's creates. Runs against the stack `kyc dev` runs in --state-dir,
else starts its own, without a worker unless --with-worker (creating and retrieving a session
needs none; with one, each new session's workflow also runs its first task).

    .venv/bin/python bench/api.py [--state-dir .kyc] [--requests 200] [--with-worker]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procstats import cpu_seconds
from kyc.dev.attach import open_stack

TARGETS_MS = {("create", 10): 50.0, ("retrieve", 10): 20.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def measure(
    client: httpx.AsyncClient, clients: int, requests: int, session_ids: list[str] | None
) -> tuple[list[float], list[str], float]:
    """`requests` calls spread over `clients` concurrent loops; latencies (ms), ids, seconds."""
    latencies: list[float] = []
    created: list[str] = []
    queue = list(range(requests))

    async def one_client() -> None:
        while queue:
            i = queue.pop()
            t0 = time.perf_counter()
            if session_ids is None:
                r = await client.post(
                    "/v1/identity/verification_sessions",
                    data={"type": "document", "metadata[bench]": "api"},
                )
            else:
                r = await client.get(
                    f"/v1/identity/verification_sessions/{session_ids[i % len(session_ids)]}"
                )
            latencies.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise SystemExit(
                    f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
                )
            if session_ids is None:
                created.append(r.json()["id"])

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, created, time.perf_counter() - started


def cpu_by_component(components: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid, with_children=True) for name, pid in components.items()}


async def bench(
    api_url: str, secret_key: str, requests: int, levels: list[int], components: dict[str, int]
) -> None:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=api_url,
        headers={"Authorization": f"Bearer {secret_key}"},
        limits=limits,
        timeout=30,
    ) as client:
        await measure(client, 1, 20, None)  # warm-up: connections, caches, first workflows
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
        print(f"{'operation':<9} {'clients':>7} {'n':>5} {'req/s':>7} {'p50 ms':>7} "
              f"{'p95 ms':>7} {'p99 ms':>7}  target")  # fmt: skip
        cpu_lines = []
        for clients in levels:
            before = cpu_by_component(components)
            created_ms, ids, seconds = await measure(client, clients, requests, None)
            await asyncio.sleep(1.0)  # the workflows' first tasks finish
            after = cpu_by_component(components)
            per = {k: (after[k] - v) * 1000 / len(ids) for k, v in before.items()}
            parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(per.items()))
            cpu_lines.append(f"  CPU per create at {clients}: {sum(per.values()):.1f} ms ({parts})")
            retrieved_ms, _, seconds_r = await measure(client, clients, requests, ids)
            for name, values, secs in (
                ("create", created_ms, seconds),
                ("retrieve", retrieved_ms, seconds_r),
            ):
                p95 = percentile(values, 95)
                target = TARGETS_MS.get((name, clients))
                verdict = "" if target is None else (
                    f"p95 <= {target:.0f} ms: {'met' if p95 <= target else 'MISSED'}"
                )  # fmt: skip
                print(
                    f"{name:<9} {clients:>7} {len(values):>5} {len(values) / secs:>7.1f} "
                    f"{statistics.median(values):>7.1f} {p95:>7.1f} "
                    f"{percentile(values, 99):>7.1f}  {verdict}"
                )
        print("\n".join(cpu_lines) + "  (target <= 30 ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--state-dir", type=Path, default=Path(os.environ.get("KYC_STATE_DIR", ".kyc"))
    )
    parser.add_argument("--requests", type=int, default=200, help="per operation and level")
    parser.add_argument("--clients", default="1,10,50", help="concurrency levels")
    parser.add_argument("--with-worker", action="store_true", help="a worker runs the workflows")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    with open_stack(args.state_dir, with_worker=args.with_worker) as stack:
        components = dict(stack.children)
        asyncio.run(bench(stack.api_url, stack.secret_key, args.requests, levels, components))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # sdk-python#300: no finalizers at exit
