"""Screening benchmark: accuracy against the issue's targets, index build time, per-query latency.

Run: `nice -n 5 .venv/bin/python bench/screening.py` (from the repo root, ../shared/data beside it).
Latency is measured on one core (the process is pinned to CPU 0 where the OS allows it), as
wall time and as this thread's CPU time (the latter is not inflated by other processes on a
shared machine); "first pass" is each query screened once on a fresh index, "steady" the
best of three passes (warm token caches, as in a long-running worker).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kyc.screening.evaluation import (  # noqa: E402
    cross_script_matches,
    false_positives,
    name_pairs_f1,
    percentile_ms,
    person_cases,
    recall,
    un_positive_cases,
)
from kyc.screening.index import REVIEW_THRESHOLD, ScreeningIndex  # noqa: E402
from kyc.screening.loaders import load_list  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SANCTIONS = DATA / "sanctions"
LISTS = [
    (SANCTIONS / "ofac_sdn_2021-07", "ofac_sdn"),
    (SANCTIONS / "un_consolidated_2026-02" / "UN_consolidated.xml", "un_xml"),
    (SANCTIONS / "us_csl_sample" / "csl.csv", "us_csl"),
    (SANCTIONS / "opensanctions_us_congress" / "us_congress_senzing.json", "opensanctions_senzing"),
]
# Peers as measured in the issue (same cases plus a held-out set), for side-by-side reading.
PEERS = [
    ("watchman-style Jaro-Winkler 0.85", "98.9%", "1.0%", "0.72", "~100-230 ms"),
    ("nomenklatura logic-v2 0.70", "98.7%", "0.6%", "0.80", "~330-410 ms"),
    ("logic-v2 + birth date, nationality", "96.0%", "0.0%", "-", "-"),
]


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        return "pinned to one core"
    return "not pinned"


def _clear_caches() -> None:
    from kyc.screening import features, normalize, phonetic, translit

    for cached in (
        normalize.name_tokens,
        normalize.name_variants,
        translit.to_latin,
        phonetic.consonant_key,
        features.token_similarity,
    ):
        cached.cache_clear()


def _check(value: float, target: float, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "meets target" if ok else "BELOW target"


def main() -> None:
    if not SANCTIONS.exists():
        sys.exit(f"no test data at {SANCTIONS}")
    pinned = _pin_one_core()
    print(f"screening bench ({pinned}; load average {os.getloadavg()[0]:.1f})\n")

    # --- accuracy: OFAC SDN + UN, shipped threshold -------------------------------------------
    started = time.perf_counter()
    ofac_un = [e for path, fmt in LISTS[:2] for e in load_list(path, fmt)]
    index = ScreeningIndex.build(ofac_un)
    print(f"OFAC SDN + UN: {len(ofac_un)} entities, loaded and indexed in "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip
    positives = un_positive_cases(SANCTIONS / "screening_un_positives.csv")
    negatives = person_cases(SANCTIONS / "screening_negatives.csv")
    found = recall(
        index, positives, REVIEW_THRESHOLD,
        lambda case, list_name, entity_id: list_name == "un" and entity_id in case.expected_ids,
    )  # fmt: skip
    flagged = false_positives(index, negatives, REVIEW_THRESHOLD)
    fp_rate = flagged.correct / flagged.cases
    scores = name_pairs_f1(DATA / "names" / "name_pairs_nomenklatura.csv", REVIEW_THRESHOLD)
    crossed, pairs = cross_script_matches(
        DATA / "names" / "cross_script_pairs_watchman.csv", REVIEW_THRESHOLD
    )
    print(f"\naccuracy at the shipped threshold {REVIEW_THRESHOLD}:")
    print(f"  recall, UN positives        {found.rate:7.2%}  ({found.correct}/{found.cases})  "
          f"target >= 99.5%: {_check(found.rate, 0.995)}")  # fmt: skip
    print(f"  false positives, negatives  {fp_rate:7.2%}  ({flagged.correct}/{flagged.cases})  "
          f"target <= 0.2%: {_check(fp_rate, 0.002, higher_is_better=False)}")  # fmt: skip
    print(f"  name-pair F1                {scores.f1:7.3f}  target >= 0.88: "
          f"{_check(scores.f1, 0.88)}")  # fmt: skip
    print(f"  cross-script pairs          {crossed:4d}/{pairs}  target >= 13: "
          f"{_check(crossed, 13)}")  # fmt: skip
    print("\n  peers (from the issue)            recall   FP     F1    p99/query")
    for name, peer_recall, peer_fp, peer_f1, peer_p99 in PEERS:
        print(f"  {name:<34} {peer_recall:<8} {peer_fp:<6} {peer_f1:<5} {peer_p99}")

    # --- speed: every list in the data ---------------------------------------------------------
    entities = [e for path, fmt in LISTS for e in load_list(path, fmt)]
    builds = []
    for _ in range(3):
        _clear_caches()  # every build from cold token caches, as in a fresh worker
        started = time.perf_counter()
        index = ScreeningIndex.build(entities)
        builds.append(time.perf_counter() - started)
    print(f"\nall lists: {len(entities)} entities; index build {min(builds):.2f} s "
          f"(best of 3, cold caches; target <= 5 s: {_check(-min(builds), -5.0)})")  # fmt: skip
    queries = [c.query for c in positives + negatives]
    queries += [c.query for c in person_cases(SANCTIONS / "screening_us_congress_positives.csv")]
    first_wall, first_cpu, steady_wall, steady_cpu = [], [], [], []
    for query in queries:
        wall, cpu = time.perf_counter(), time.thread_time()
        index.screen(query)
        first_wall.append(time.perf_counter() - wall)
        first_cpu.append(time.thread_time() - cpu)
    for query in queries:
        best_wall = best_cpu = float("inf")
        for _ in range(3):
            wall, cpu = time.perf_counter(), time.thread_time()
            index.screen(query)
            best_wall = min(best_wall, time.perf_counter() - wall)
            best_cpu = min(best_cpu, time.thread_time() - cpu)
        steady_wall.append(best_wall)
        steady_cpu.append(best_cpu)
    print(f"per query over {len(queries)} queries (target p99 <= 5 ms):")
    for label, values in (
        ("first pass, wall", first_wall),
        ("first pass, CPU ", first_cpu),
        ("steady,     wall", steady_wall),
        ("steady,     CPU ", steady_cpu),
    ):
        p99 = percentile_ms(values, 0.99)
        print(f"  {label}  p50 {percentile_ms(values, 0.5):6.2f} ms   p99 {p99:6.2f} ms   "
              f"{_check(-p99, -5.0)}")  # fmt: skip


if __name__ == "__main__":
    main()
