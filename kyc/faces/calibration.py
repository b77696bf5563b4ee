"""The calibration procedure as code: `python -m kyc.faces.calibration`.

    python -m kyc.faces.calibration ../shared/data/faces --deepface-home /tmp/dfh

Embeds every image of a labelled faces folder once (identities.csv: image,identity;
pairs.csv: img_a,img_b,same), caching the embeddings under /tmp so reruns take seconds, then
runs identity-split cross-validation (kyc.faces.crossval): the review band is chosen on tuning
identities and TAR at zero false accepts / at FAR 1e-3, band outcomes and hard impostors are
reported on validation identities only. Finally the band the same rule gives on all
identities (what ships in kyc.faces.compare) is printed. Markdown, for docs/faces.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyc.faces.compare import DLIB, Calibration, embedding_distance
from kyc.faces.crossval import (
    FoldReport,
    Pair,
    choose_band,
    cohort_normalised,
    cross_validate,
    hard_impostors,
    identity_folds,
    pairs_within,
    separation,
)

# Bump when detection, alignment, quality gates or the forward pass change: cached vectors
# of another pipeline must not be reused.
PIPELINE_VERSION = "hog640-5pt-chip150-mirror-gates2"
CACHE_DIR = Path("/tmp/kyc-faces-cache")


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


def load_labels(folder: Path) -> tuple[dict[str, str], list[tuple[str, str, bool]]]:
    """identity per image name, and the labelled pairs, of a faces folder."""
    with (folder / "identities.csv").open(newline="") as f:
        identity_of = {r["image"]: r["identity"] for r in csv.DictReader(f)}
    with (folder / "pairs.csv").open(newline="") as f:
        rows = [(r["img_a"], r["img_b"], r["same"] == "1") for r in csv.DictReader(f)]
    return identity_of, rows


def cached_embeddings(
    folder: Path,
    names: Sequence[str],
    deepface_home: Path,
    model: str,
    cache_dir: Path = CACHE_DIR,
) -> dict[str, dict[str, Any]]:
    """{name: {"vector": [...]} or {"error": code, "reason": ...}}, from /tmp when cached.

    The cache key covers the pipeline version, the model and every file's size and mtime.
    """
    stamp = hashlib.sha256()
    for name in names:
        st = (folder / name).stat()
        stamp.update(f"{name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    key = f"{PIPELINE_VERSION}|{model}|{folder.resolve()}|{stamp.hexdigest()}"
    path = cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    if path.is_file():
        cached: dict[str, dict[str, Any]] = json.loads(path.read_text())
        return cached
    from kyc.errors import KycError
    from kyc.faces.engine import get_engine
    from kyc.faces.images import read_bgr

    engine = get_engine(deepface_home, model)
    result: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(names, 1):
        try:
            result[name] = {"vector": engine.embed(read_bgr(folder / name), "selfie").vector}
        except KycError as err:
            result[name] = {"error": err.code, "reason": getattr(err, "reason", err.message)}
        print(f"\rembedded {i}/{len(names)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return result


def scored_pairs(
    rows: Sequence[tuple[str, str, bool]], vectors: dict[str, dict[str, Any]], metric: str
) -> list[Pair]:
    """Distances of the pairs whose two images both yielded a face."""
    return [
        Pair(a, b, same, embedding_distance(vectors[a]["vector"], vectors[b]["vector"], metric))
        for a, b, same in rows
        if "vector" in vectors[a] and "vector" in vectors[b]
    ]


def report(folds: Sequence[FoldReport], pairs: Sequence[Pair], refused: dict[str, str]) -> str:
    """Markdown: per validation fold, totals, and the band chosen on all identities."""
    lines = [
        "| fold | band [accept, reject) | val. genuine | val. impostor | auto-accepted "
        "| review (g/i) | false accepts | TAR@FA=0 | TAR@FAR1e-3 | hard imp. (FA) "
        "| hard margin |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(folds, 1):
        lines.append(
            f"| {n} | [{r.band.accept_below:.2f}, {r.band.reject_from:.2f}) | {r.genuine} "
            f"| {r.impostor} | {r.accepted_genuine} ({r.accepted_genuine / r.genuine:.1%}) "
            f"| {r.review_genuine}/{r.review_impostor} | {r.false_accepts} "
            f"| {r.tar_at_zero_far:.1%} | {r.tar_at_far_1e3:.1%} "
            f"| {r.hard_impostors} ({r.hard_false_accepts}) | {r.hard_margin:+.3f} |"
        )
    genuine = sum(r.genuine for r in folds)
    accepted = sum(r.accepted_genuine for r in folds)
    lines += [
        "",
        f"totals over {len(folds)} validation folds: {genuine} genuine / "
        f"{sum(r.impostor for r in folds)} impostor pair scorings; auto-accepted "
        f"{accepted} ({accepted / genuine:.1%}), review {sum(r.review_genuine for r in folds)}, "
        f"rejected {sum(r.rejected_genuine for r in folds)}; false accepts "
        f"{sum(r.false_accepts for r in folds)}; hard-impostor false accepts "
        f"{sum(r.hard_false_accepts for r in folds)}; smallest hard margin "
        f"{min(r.hard_margin for r in folds):+.3f}; TAR@FA=0 mean "
        f"{statistics.mean(r.tar_at_zero_far for r in folds):.1%} "
        f"(min {min(r.tar_at_zero_far for r in folds):.1%})",
    ]
    band = choose_band(pairs)
    hard = hard_impostors(pairs)
    lines += [
        f"band chosen on all {len({p.a for p in pairs} | {p.b for p in pairs})} images: "
        f"[{band.accept_below:.2f}, {band.reject_from:.2f}); nearest impostor "
        f"{min(p.distance for p in pairs if not p.same):.4f}, farthest genuine "
        f"{max(p.distance for p in pairs if p.same):.4f}; {len(hard)} hard impostor pairs, "
        f"nearest {hard[0].distance:.4f}",
        f"images refused by the selfie gates: {len(refused)}"
        + "".join(f"; {name}: {why}" for name, why in sorted(refused.items())),
    ]
    return "\n".join(lines)


def cohort_comparison(
    pairs: Sequence[Pair],
    vectors: dict[str, dict[str, Any]],
    identity_of: dict[str, str],
    repeats: int,
    metric: str,
) -> str:
    """Plain distance vs cohort-normalised scores on the same validation folds; the cohort of
    a fold is its tuning identities' images (never a validation identity)."""
    plain, normed = [], []
    for fold in identity_folds(list(identity_of.values()), repeats):
        validation = pairs_within(pairs, identity_of, fold.validation)
        cohort = [n for n in vectors if "vector" in vectors[n] and identity_of[n] in fold.tuning]
        names = {p.a for p in validation} | {p.b for p in validation}
        distances = {
            n: [
                embedding_distance(vectors[n]["vector"], vectors[c]["vector"], metric)
                for c in cohort
            ]
            for n in names
        }
        plain.append(separation(validation))
        normed.append(separation(cohort_normalised(validation, distances)))
    lines = []
    for name, seps in (("plain distance", plain), ("cohort-normalised (k=10)", normed)):
        lines.append(
            f"{name}: (nearest impostor - farthest genuine) / genuine std mean "
            f"{statistics.mean(s.gap_over_spread for s in seps):.2f} "
            f"(min {min(s.gap_over_spread for s in seps):.2f}); TAR@FA=0 mean "
            f"{statistics.mean(s.tar_at_zero_far for s in seps):.1%} "
            f"(min {min(s.tar_at_zero_far for s in seps):.1%})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Embed (or load cached embeddings), cross-validate by identity, print the report."""
    parser = argparse.ArgumentParser(prog="python -m kyc.faces.calibration")
    parser.add_argument("folder", type=Path, help="faces folder with identities.csv, pairs.csv")
    parser.add_argument("--deepface-home", type=Path, required=True)
    parser.add_argument("--model", default="Dlib")
    parser.add_argument("--repeats", type=int, default=5, help="random identity halvings")
    # A fresh directory re-embeds every image: a check that no stale vector is read.
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    args = parser.parse_args(argv)

    identity_of, rows = load_labels(args.folder)
    names = sorted({a for a, _, _ in rows} | {b for _, b, _ in rows})
    vectors = cached_embeddings(args.folder, names, args.deepface_home, args.model, args.cache_dir)
    refused = {n: f"{v['error']} ({v['reason']})" for n, v in vectors.items() if "error" in v}
    metric = DLIB.metric if args.model == "Dlib" else "euclidean_l2"
    pairs = scored_pairs(rows, vectors, metric)
    folds = cross_validate(pairs, identity_of, repeats=args.repeats)
    print(report(folds, pairs, refused))
    print(cohort_comparison(pairs, vectors, identity_of, args.repeats, metric))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
