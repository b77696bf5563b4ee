"""Recording the ROC that chose the threshold: `python -m kyc.faces.calibration`.

Embeds every image of a labelled pairs file once (columns img_a, img_b, same; paths relative
to the file), then prints the ROC table, the true-accept rate at zero false accepts and how
the shipped threshold and review band fare, as markdown for docs/faces.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kyc.faces.compare import DLIB, Calibration, embedding_distance


@dataclass(frozen=True)
class RocPoint:
    """Accept when distance < threshold."""

    threshold: float
    true_accept_rate: float
    false_accepts: int
    false_rejects: int
    accuracy: float


def roc(
    genuine: Sequence[float], impostor: Sequence[float], thresholds: Sequence[float]
) -> list[RocPoint]:
    """ROC points of genuine and impostor distances at the given thresholds."""
    total = len(genuine) + len(impostor)
    points = []
    for t in thresholds:
        accepted = sum(d < t for d in genuine)
        false_accepts = sum(d < t for d in impostor)
        points.append(
            RocPoint(
                threshold=t,
                true_accept_rate=accepted / len(genuine),
                false_accepts=false_accepts,
                false_rejects=len(genuine) - accepted,
                accuracy=(accepted + len(impostor) - false_accepts) / total,
            )
        )
    return points


def tar_at_zero_far(genuine: Sequence[float], impostor: Sequence[float]) -> float:
    """The best true-accept rate of any threshold that accepts no impostor."""
    nearest_impostor = min(impostor)
    return sum(d < nearest_impostor for d in genuine) / len(genuine)


def band_counts(distances: Sequence[float], cal: Calibration) -> dict[str, int]:
    """How many distances fall in match / inconclusive / no_match."""
    counts = {"match": 0, "inconclusive": 0, "no_match": 0}
    for d in distances:
        counts[cal.classify(d)] += 1
    return counts


def report(genuine: Sequence[float], impostor: Sequence[float], cal: Calibration = DLIB) -> str:
    """The markdown ROC report for one calibration."""
    lines = [
        f"pairs: {len(genuine)} genuine, {len(impostor)} impostor; model {cal.model}, "
        f"{cal.metric} distance",
        f"genuine distance max {max(genuine):.4f}; impostor distance min {min(impostor):.4f}",
        f"true-accept rate at zero false accepts: {tar_at_zero_far(genuine, impostor):.2%}",
        "",
        "| threshold | TAR | false accepts | false rejects | accuracy |",
        "|---|---|---|---|---|",
    ]
    thresholds = [round(0.40 + 0.025 * i, 3) for i in range(13)]
    for p in roc(genuine, impostor, thresholds):
        mark = " (shipped)" if abs(p.threshold - cal.threshold) < 1e-9 else ""
        lines.append(
            f"| {p.threshold:.3f}{mark} | {p.true_accept_rate:.2%} | {p.false_accepts} "
            f"| {p.false_rejects} | {p.accuracy:.2%} |"
        )
    low, high = cal.review_band
    lines += [
        "",
        f"review band [{low}, {high}): genuine {band_counts(genuine, cal)}, "
        f"impostor {band_counts(impostor, cal)}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Embed each image of a labelled pairs file once and print the ROC report."""
    from kyc.faces.engine import get_engine
    from kyc.faces.images import read_bgr

    parser = argparse.ArgumentParser(prog="python -m kyc.faces.calibration")
    parser.add_argument("pairs", type=Path, help="CSV with img_a,img_b,same")
    parser.add_argument("--deepface-home", type=Path, required=True)
    parser.add_argument("--model", default="Dlib")
    args = parser.parse_args(argv)

    engine = get_engine(args.deepface_home, args.model)
    with args.pairs.open(newline="") as f:
        rows = list(csv.DictReader(f))
    names = sorted({r["img_a"] for r in rows} | {r["img_b"] for r in rows})
    vectors = {}
    for i, name in enumerate(names, 1):
        vectors[name] = engine.embed(read_bgr(args.pairs.parent / name), "selfie").vector
        print(f"\rembedded {i}/{len(names)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    genuine: list[float] = []
    impostor: list[float] = []
    for r in rows:
        distance = embedding_distance(
            vectors[r["img_a"]], vectors[r["img_b"]], engine.calibration.metric
        )
        (genuine if r["same"] == "1" else impostor).append(distance)
    print(report(genuine, impostor, engine.calibration))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
