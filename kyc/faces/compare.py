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
# Chosen from the ROC recorded by `python -m kyc.faces.calibration` on ../shared/data/faces
# (1540 pairs: 128 genuine, 1412 impostor; table in docs/faces.md): genuine distances reach
# 0.587 and impostor distances start at 0.646, so the true-accept rate at zero false accepts is
# 100 % for any threshold in (0.587, 0.646). 0.60 accepts 128/128 genuine pairs and 0 of 1412
# impostors, keeping 0.046 to the nearest impostor: look-alikes elsewhere are closer
# (face_recognition, same network, made 6 false accepts at 0.6 on the held-out anchor set),
# which the review band below absorbs. 0.60 is also dlib's published operating point.
DLIB_THRESHOLD = 0.60
# Distances in [low, high) are neither accepted nor rejected: they go to a reviewer. On the
# same ROC the band holds 2 of 128 genuine pairs (0.561, 0.587) and 2 of 1412 impostor pairs
# (0.646, 0.649); below 0.55 no impostor is within 0.095, at or above 0.65 no genuine pair lies.
DLIB_REVIEW_BAND = (0.55, 0.65)


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
    source="ROC on ../shared/data/faces (128 genuine / 1412 impostor pairs), docs/faces.md",
)

# A new selfie closer than this to a stored embedding of another identity is a duplicate
# candidate. Same operating point as matching: zero false accepts on the calibration set.
DUPLICATE_THRESHOLD = DLIB_THRESHOLD


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
