"""Pure comparison helpers: distances, the band, duplicates, ROC arithmetic."""

from __future__ import annotations

import math

import pytest

from kyc.faces.calibration import band_counts, roc, tar_at_zero_far
from kyc.faces.compare import (
    DLIB,
    DUPLICATE_THRESHOLD,
    calibration_for,
    embedding_distance,
    is_duplicate,
)


def test_euclidean_distance() -> None:
    assert embedding_distance([0.0, 3.0], [4.0, 0.0]) == 5.0
    assert embedding_distance([1.0, 2.0], [1.0, 2.0]) == 0.0


def test_euclidean_l2_normalises_first() -> None:
    assert embedding_distance([2.0, 0.0], [0.0, 5.0], metric="euclidean_l2") == pytest.approx(
        math.sqrt(2)
    )


def test_distance_refuses_mismatched_or_unknown_inputs() -> None:
    with pytest.raises(ValueError, match="length"):
        embedding_distance([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="metric"):
        embedding_distance([1.0], [1.0], metric="cosine")


def test_band_edges() -> None:
    assert DLIB.classify(0.4999) == "match"
    assert DLIB.classify(0.50) == "inconclusive"
    assert DLIB.classify(0.6499) == "inconclusive"
    assert DLIB.classify(0.65) == "no_match"
    assert calibration_for("Dlib") is DLIB


def test_duplicate_threshold_is_the_reject_bound() -> None:
    assert DUPLICATE_THRESHOLD == DLIB.review_band[1] == 0.65
    assert is_duplicate([0.0] * 128, [0.057] * 128)  # distance 0.645
    assert not is_duplicate([0.0] * 128, [0.058] * 128)  # distance 0.656


def test_roc_arithmetic() -> None:
    genuine, impostor = [0.2, 0.4, 0.7], [0.5, 0.8, 0.9]
    point = roc(genuine, impostor, [0.6])[0]
    assert (point.false_accepts, point.false_rejects) == (1, 1)
    assert point.accuracy == pytest.approx(4 / 6)
    assert tar_at_zero_far(genuine, impostor) == pytest.approx(2 / 3)
    assert band_counts([0.1, 0.6, 0.9], DLIB) == {"match": 1, "inconclusive": 1, "no_match": 1}
