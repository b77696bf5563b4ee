"""Screening benchmark: accuracy against the issue's targets, index build time, per-query latency.

Run: `nice -n 5 .venv/bin/python bench/screening.py [--skip-peers]` (from the repo root,
../shared/data beside it; `make bench-peers` first for nomenklatura).
Accuracy is reported on held-out folds only (kyc/screening/tuning.py); ~2 minutes.
Latency is measured on one core (the process is pinned to CPU 0 where the OS allows it), as
wall time and as this thread's CPU time (the latter is not inflated by other processes on a
shared machine); "first pass" is each query screened once on a fresh index, "steady" the
best of three passes (warm token caches, as in a long-running worker).
"""

from __future__ import annotations

import csv
import os
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import screening_peers  # noqa: E402
from kyc.screening import tuning  # noqa: E402
from kyc.screening.evaluation import (  # noqa: E402
    cross_script_matches,
    name_pairs_f1,
    percentile_ms,
    person_cases,
    relabel_listed_identities,
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


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        return "pinned to one core"
    return "not pinned"


def _clear_caches() -> None:
    from kyc.screening import features, matcher, normalize, phonetic, translit

    for cached in (
        matcher.token_weight,
        normalize.name_tokens,
        normalize.name_variants,
        translit.to_latin,
        phonetic.consonant_key,
        features.token_similarity,
        translit.script_of,
    ):
        cached.cache_clear()


def _script(name: str) -> str:
    """The Unicode script of the first non-ASCII letter ("LATIN" for plain ASCII)."""
    for ch in name:
        if not ch.isascii() and ch.isalpha():
            return unicodedata.name(ch, "OTHER").split()[0]
    return "LATIN"


def _check(value: float, target: float, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "meets target" if ok else "BELOW target"


def main() -> None:
    if not SANCTIONS.exists():
        sys.exit(f"no test data at {SANCTIONS}")
    pinned = _pin_one_core()
    print(f"screening bench ({pinned}; load average {os.getloadavg()[0]:.1f})\n")

    # --- accuracy: OFAC SDN + UN, 5-fold cross-validation (held-out folds only) ----------------
    started = time.perf_counter()
    ofac_un = [e for path, fmt in LISTS[:2] for e in load_list(path, fmt)]
    index = ScreeningIndex.build(ofac_un)
    print(f"OFAC SDN + UN: {len(ofac_un)} entities, loaded and indexed in "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip
    positives = un_positive_cases(SANCTIONS / "screening_un_positives.csv")
    relabelled = relabel_listed_identities(positives, ofac_un)
    print(f"UN positives whose query is verbatim (name, full birth date) another listed entry, "
          f"which is accepted too: {', '.join(relabelled) or 'none'}")  # fmt: skip
    negatives = person_cases(SANCTIONS / "screening_negatives.csv")
    started = time.perf_counter()
    data = tuning.prepare(
        index, positives, negatives,
        lambda case, list_name, entity_id: list_name == "un" and entity_id in case.expected_ids,
    )  # fmt: skip
    cv = tuning.cross_validate(data)
    elapsed = time.perf_counter() - started
    print(f"\n{tuning.FOLDS}-fold cross-validation, seed {tuning.SEED} ({elapsed:.0f} s); "
          "per fold, chosen on the other folds:")  # fmt: skip
    for fold, choice in enumerate(cv.choices):
        weights = ", ".join(f"{k} {v:g}" for k, v in choice.weights.items())
        print(f"  fold {fold}: threshold {choice.threshold:.2f}; {weights}")
    shipped = ", ".join(f"{k} {v:g}" for k, v in cv.shipped.weights.items())
    print(f"  medians (shipped: matcher.ALGORITHM, REVIEW_THRESHOLD {REVIEW_THRESHOLD}): "
          f"threshold {cv.shipped.threshold:.2f}; {shipped}")  # fmt: skip
    v = cv.validation
    print("\nvalidation folds only (each case decided by a choice made without it):")
    for label, hits, total, target, higher in (
        ("recall, UN positives (with DOB, nat.)", v.found, v.positives, 0.995, True),
        ("recall, UN positives, names only", v.found_names_only, v.positives, 0.995, True),
        ("false hits, negatives, names only", v.flagged_names_only, v.negatives, 0.002, False),
        ("false hits, negatives, with DOB, nat.", v.flagged, v.negatives, 0.0005, False),
    ):
        rate, sign = hits / total, ">=" if higher else "<="
        print(f"  {label:<40} {rate:7.2%}  ({hits}/{total})  target {sign} {target:.2%}: "
              f"{_check(rate, target, higher)}")  # fmt: skip
    print("  by script of the query name (names-only false hits / recall with DOB):")
    for script in sorted({_script(c.query.name) for c in negatives + positives}):
        neg = [i for i, c in enumerate(negatives) if _script(c.query.name) == script]
        pos = [i for i, c in enumerate(positives) if _script(c.query.name) == script]
        fp = f"{int(cv.flagged_names_only[neg].sum())}/{len(neg)}" if neg else "-"
        found = f"{int(cv.found[pos].sum())}/{len(pos)}" if pos else "-"
        print(f"    {script:<10} false hits {fp:<9} recall {found}")

    # Never used for tuning: held out by construction.
    print(f"\nother labelled sets at the shipped threshold {REVIEW_THRESHOLD} (not used to tune):")
    for name_only, label in ((True, "name feature only"), (False, "every feature")):
        scores = name_pairs_f1(DATA / "names" / "name_pairs_nomenklatura.csv", REVIEW_THRESHOLD,
                               name_only)  # fmt: skip
        crossed, pairs = cross_script_matches(
            DATA / "names" / "cross_script_pairs_watchman.csv", REVIEW_THRESHOLD, name_only
        )
        print(f"  {label:<18} name-pair F1 {scores.f1:.3f} (target >= 0.88: "
              f"{_check(scores.f1, 0.88)}); cross-script pairs {crossed}/{pairs} "
              f"(target >= 14: {_check(crossed, 14)})")  # fmt: skip
    # --- peers on the same cases (never tuned here, so every case counts) -----------------------
    with (DATA / "names" / "cross_script_pairs_watchman.csv").open(encoding="utf-8") as handle:
        pairs = [(r["query"], r["expected_match"]) for r in csv.DictReader(handle)]
    started = time.perf_counter()
    if "--skip-peers" in sys.argv:  # ~6 minutes: skipped when only kycflow's figures are wanted
        print("\n  peers skipped (--skip-peers)")
    else:
        peers = [
            screening_peers.run_watchman(ofac_un, positives, negatives, pairs),
            screening_peers.run_nomenklatura(index, positives, negatives, pairs),
        ]
        screening_peers.print_peers(peers)
        print(f"  (peers run in {time.perf_counter() - started:.0f} s; kycflow's figures above "
              "are its validation folds', at the same cases)")  # fmt: skip

    # --- speed: every list in the data ---------------------------------------------------------
    entities = [e for path, fmt in LISTS for e in load_list(path, fmt)]
    builds, build_cpu = [], []
    for _ in range(3):
        _clear_caches()  # every build from cold token caches, as in a fresh worker
        started, cpu = time.perf_counter(), time.thread_time()
        index = ScreeningIndex.build(entities)
        builds.append(time.perf_counter() - started)
        build_cpu.append(time.thread_time() - cpu)
    print(f"\nall lists: {len(entities)} entities; index build {min(builds):.2f} s wall, "
          f"{min(build_cpu):.2f} s CPU (best of 3, cold caches; target <= 5 s: "
          f"{_check(-min(builds), -5.0)})")  # fmt: skip
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
