"""Comparing face embeddings: distances, the calibrated threshold and the review band.

Pure Python (no numpy), so the platform's duplicate-face search can use it on stored
embeddings without loading any model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kyc.faces.models import FaceResult

# Dlib ResNet embeddings behind our own detect -> 5-point landmark alignment -> 150 px chip
# (mean of the chip and its mirror), compared by Euclidean distance (dlib's own metric).
# The band is what kyc.faces.crossval.choose_band gives on all 14 identities of
# ../shared/data/faces (`python -m kyc.faces.calibration`, docs/faces.md): auto-accept only
# below the nearest impostor (0.646) minus 0.14, because look-alike actors on unseen faces came
# within 0.51-0.53 (issue 16); reject only from the nearest impostor / farthest genuine
# pair (0.587) + 0.05. The same rule, chosen on tuning identities and scored on held-out ones
# (10 identity-split folds), made 0 false accepts and auto-accepted 97.0 % of genuine pairs.
DLIB_THRESHOLD = 0.50  # the auto-accept bound: `threshold` in results and `kyc match`
# Distances in [low, high) are neither accepted nor rejected: they go to a reviewer.
DLIB_REVIEW_BAND = (0.50, 0.65)


@dataclass(frozen=True)
class Calibration:
    """How one embedding model's distances are read: metric, threshold and review band."""

    model: str
    metric: str  # "euclidean" or "euclidean_l2"
    threshold: float
    review_band: tuple[float, float]
    source: str  # the measurement that chose the numbers

    def classify(self, distance: float) -> FaceResult:
        """match below the band, no_match at or above it, inconclusive inside it."""
        low, high = self.review_band
        if distance < low:
            return "match"
        if distance >= high:
            return "no_match"
        return "inconclusive"

    def distance(self, a: Sequence[float], b: Sequence[float]) -> float:
        """The distance this calibration's threshold is expressed in."""
        return embedding_distance(a, b, metric=self.metric)


DLIB = Calibration(
    model="Dlib",
    metric="euclidean",
    threshold=DLIB_THRESHOLD,
    review_band=DLIB_REVIEW_BAND,
    source="identity-split cross-validation on ../shared/data/faces, docs/faces.md",
)

# A new selfie closer than this to a stored embedding of another identity is a duplicate
# candidate: any distance matching would not reject as a different person (the band's upper
# bound). Missing a duplicate lets one person hold two identities; a false candidate only
# costs a review.
DUPLICATE_THRESHOLD = DLIB_REVIEW_BAND[1]


def embedding_distance(a: Sequence[float], b: Sequence[float], metric: str = "euclidean") -> float:
    """Distance between two embeddings of the same model.

    `euclidean` is what the Dlib threshold is calibrated in; `euclidean_l2` normalises both
    vectors first (DeepFace's metric for other models).
    """
    if len(a) != len(b):
        raise ValueError(f"embeddings differ in length: {len(a)} != {len(b)}")
    if metric == "euclidean_l2":
        a, b = _unit(a), _unit(b)
    elif metric != "euclidean":
        raise ValueError(f"unknown metric {metric!r}")
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def is_duplicate(a: Sequence[float], b: Sequence[float]) -> bool:
    """True when two Dlib embeddings are close enough to be the same face."""
    return embedding_distance(a, b) < DUPLICATE_THRESHOLD


def _unit(v: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]


def calibration_for(model_name: str) -> Calibration:
    """The calibration of `model_name`: ours for Dlib, DeepFace's published threshold otherwise.

    Other models are usable but not calibrated here: their band is a +-5 % margin around
    DeepFace's own euclidean_l2 threshold, so borderline pairs go to review.
    """
    if model_name == "Dlib":
        return DLIB
    from deepface.modules.verification import find_threshold

    threshold = float(find_threshold(model_name, "euclidean_l2"))
    return Calibration(
        model=model_name,
        metric="euclidean_l2",
        threshold=threshold,
        review_band=(threshold * 0.95, threshold * 1.05),
        source="DeepFace's published euclidean_l2 threshold (not calibrated by kycflow)",
    )
