"""Face engine benchmark: per-image and per-pair latency, peak RSS, DeepFace.verify beside it.

    nice -n 5 .venv/bin/python bench/faces.py [--pairs 100] [--deepface-pairs 12]

Prints figures, asserts nothing (targets, issue 16: p50 <= 0.35 s per image, <= 0.6 s per pair
on the project's 2-core machines). A pair is timed through `compare_document_selfie`, the path
the match activity runs (document-copy and frame checks included). Uses ../shared/data/faces
and a temporary DEEPFACE_HOME.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kyc.faces.engine import get_engine  # noqa: E402
from kyc.faces.images import read_bgr  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def row(name: str, values: list[float]) -> str:
    return (
        f"| {name} | {len(values)} | {statistics.median(values):.3f} s "
        f"| {percentile(values, 95):.3f} s |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "faces")
    parser.add_argument("--pairs", type=int, default=100, help="pairs timed end to end (ours)")
    parser.add_argument(
        "--deepface-pairs", type=int, default=12, help="pairs through DeepFace.verify"
    )
    parser.add_argument("--deepface-home", type=Path, help="default: a temporary directory")
    args = parser.parse_args()
    if not (args.data / "pairs.csv").is_file():
        print(f"no labelled pairs at {args.data}", file=sys.stderr)
        return 2
    home = args.deepface_home or Path(tempfile.mkdtemp(prefix="deepface_home_"))

    with (args.data / "pairs.csv").open(newline="") as f:
        pairs = [(r["img_a"], r["img_b"], r["same"] == "1") for r in csv.DictReader(f)]
    names = sorted({p[0] for p in pairs} | {p[1] for p in pairs})
    images = {n: read_bgr(args.data / n) for n in names}  # decoding is not timed
    rng = random.Random(4)  # same sample every run; half genuine, half impostor
    genuine = [p for p in pairs if p[2]]
    impostor = [p for p in pairs if not p[2]]

    def sample(k: int) -> list[tuple[str, str, bool]]:
        return rng.sample(genuine, k // 2) + rng.sample(impostor, k - k // 2)

    start = time.perf_counter()
    engine = get_engine(home)
    load_s = time.perf_counter() - start
    engine.embed(images[names[0]], "selfie")  # warm-up

    per_image, vectors = [], {}
    for n in names:
        t = time.perf_counter()
        vectors[n] = engine.embed(images[n], "selfie")
        per_image.append(time.perf_counter() - t)
    per_pair = []
    for a, b, _ in sample(args.pairs):
        t = time.perf_counter()
        engine.compare_document_selfie(images[a], images[b])
        per_pair.append(time.perf_counter() - t)
    cal = engine.calibration
    outcome: dict[tuple[str, str], int] = {}
    for a, b, s in pairs:
        key = (
            "genuine" if s else "impostor",
            cal.classify(cal.distance(vectors[a].vector, vectors[b].vector)),
        )
        outcome[key] = outcome.get(key, 0) + 1
    ours_rss = peak_rss_mb()

    print(f"# faces bench: {len(names)} images, {len(pairs)} labelled pairs\n")
    print(f"engine load (weights provisioned + models built): {load_s:.2f} s")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average before timing: {load} on {os.cpu_count()} cores\n")
    print("| ours (dlib HOG <=640 px, 5-point chip, DeepFace Dlib model) | n | p50 | p95 |")
    print("|---|---|---|---|")
    print(row("per image (detect + align + embed)", per_image))
    print(row("per pair (two images + compare)", per_pair))
    stages = {
        k: statistics.median(v.timings_ms[k] for v in vectors.values())
        for k in ("detect", "align", "embed")
    }
    print("\nper-image stage medians: " + ", ".join(f"{k} {ms:.0f} ms" for k, ms in stages.items()))
    print(
        f"\nband {cal.review_band} on all pairs (same, result): "
        + ", ".join(f"{k}: {v}" for k, v in sorted(outcome.items()))
    )
    print(f"peak RSS after ours: {ours_rss:.0f} MB")

    from deepface import DeepFace  # imported late so its memory is not counted above

    df_image, df_pair, df_right = [], [], []
    chosen = sample(args.deepface_pairs)
    for a, b, same in chosen:
        t = time.perf_counter()
        result = DeepFace.verify(
            images[a], images[b], model_name="Dlib", detector_backend="dlib", silent=True
        )
        df_pair.append(time.perf_counter() - t)
        df_right.append(bool(result["verified"]) == same)
    for n in sorted({a for a, _, _ in chosen})[: max(4, args.deepface_pairs // 2)]:
        t = time.perf_counter()
        DeepFace.represent(images[n], model_name="Dlib", detector_backend="dlib")
        df_image.append(time.perf_counter() - t)
    ours_on_sample = [
        (cal.distance(vectors[a].vector, vectors[b].vector) < cal.threshold) == s
        for a, b, s in chosen
    ]

    print("\n| DeepFace (Dlib model, dlib detector, align=True) | n | p50 | p95 |")
    print("|---|---|---|---|")
    print(row("per image (DeepFace.represent)", df_image))
    print(row("per pair (DeepFace.verify)", df_pair))
    print(
        f"\non the {len(chosen)} sampled pairs: DeepFace.verify right "
        f"{sum(df_right)}/{len(chosen)}, ours right {sum(ours_on_sample)}/{len(chosen)}"
    )
    print(f"peak RSS after DeepFace too: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
