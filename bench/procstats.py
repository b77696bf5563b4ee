"""What the benchmarks read about processes and the machine, from /proc (Linux only)."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (a component's helpers count as the component)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo += [int(c) for c in task.read_text().split()]
    return out


def cpu_seconds(pid: int, with_children: bool = False) -> float:
    """User + system CPU of a process so far (its threads included; with its live child
    processes when asked), from /proc; 0 when it is gone."""
    total = 0.0
    for p in descendants(pid) if with_children else [pid]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def rss_mb(pid: int | None) -> float | None:
    """Resident memory of a process and its children (MB), from /proc."""
    if pid is None:
        return None
    total = 0
    try:
        for p in descendants(pid):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    except OSError:
        return None
    return total / 1024


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU ticks of the whole machine since boot, every engineer's work included."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)
