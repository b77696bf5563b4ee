"""Detection passes: the large-level pass is the full pass's answer, and settles only a lone
large face; everything else still goes through every pyramid level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dlib
import numpy as np
import pytest

from kyc.faces.detect import (
    DETECT_MAX_SIDE,
    DetectedFace,
    _settled,
    choose_face,
    detect_at_scale,
    detect_faces,
    large_faces,
)
from kyc.faces.images import read_bgr
from tests.faces.compose import astronaut, astronaut_selfie, document_page, side_by_side


class CountingDetector:
    """dlib's frontal detector, recording the upsample step of every `run`."""

    def __init__(self) -> None:
        self._detector = dlib.get_frontal_face_detector()
        self.upsamples: list[int] = []

    def run(self, image: np.ndarray, upsample: int, min_score: float) -> Any:
        self.upsamples.append(upsample)
        return self._detector.run(image, upsample, min_score)


@pytest.fixture(scope="module")
def detector() -> Any:
    return dlib.get_frontal_face_detector()


def test_large_levels_give_the_full_pass_boxes_and_scores_bit_for_bit(
    detector: Any, faces_dir: Path, image_names: list[str]
) -> None:
    compared = 0
    for name in image_names[::3]:
        image = read_bgr(faces_dir / name)
        large = large_faces(image, detector)
        assert large is not None
        full = detect_at_scale(image, detector, DETECT_MAX_SIDE)
        # The full pass may add faces only the small levels see; the large ones are the same.
        assert large == [f for f in full if f in large]
        assert len(large) >= 1 and large[0] == full[0]
        compared += 1
    assert compared == 19


def test_a_lone_large_face_is_settled_on_the_large_levels() -> None:
    counting = CountingDetector()
    faces = detect_faces(astronaut_selfie(), counting)
    assert counting.upsamples == [0]
    full = detect_at_scale(astronaut_selfie(), dlib.get_frontal_face_detector(), DETECT_MAX_SIDE)
    assert choose_face(faces, "selfie") == choose_face(full, "selfie")


def test_two_faces_go_through_every_level(faces_dir: Path, image_names: list[str]) -> None:
    pair = side_by_side(read_bgr(faces_dir / image_names[0]), read_bgr(faces_dir / image_names[5]))
    counting = CountingDetector()
    faces = detect_faces(pair, counting)
    assert counting.upsamples == [0, 1]
    assert faces == detect_at_scale(pair, dlib.get_frontal_face_detector(), DETECT_MAX_SIDE)


def test_a_small_document_portrait_goes_through_every_level() -> None:
    page, _ = document_page(astronaut()[0:330, 80:360])
    counting = CountingDetector()
    detect_faces(page, counting)
    assert counting.upsamples == [0, 1]


def face(side: int, score: float = 2.0) -> DetectedFace:
    return DetectedFace(0, 0, side, side, score)


def test_settled_needs_one_confident_face_of_125_px_at_detection_scale() -> None:
    assert _settled([face(125)], 1.0)
    assert not _settled([face(124)], 1.0)
    assert not _settled([face(250)], 0.49)  # 122.5 px at detection scale
    assert not _settled([face(200, score=0.2)], 1.0)  # weak
    assert not _settled([face(200), face(60)], 1.0)  # any second detection
    assert not _settled([], 1.0)


def test_on_a_document_the_largest_confident_face_of_100_px_settles() -> None:
    assert _settled([face(100), face(60)], 1.0, "document")  # a ghost image may remain
    assert _settled([face(110, score=0.2), face(100)], 1.0, "document")
    assert not _settled([face(99)], 1.0, "document")
    assert not _settled([face(200, score=0.2)], 1.0, "document")
    assert not _settled([face(100), face(60)], 1.0)  # the selfie rule stays stricter
