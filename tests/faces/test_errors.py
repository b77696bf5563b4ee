"""Each rejected input produces its public code and a precise reason."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kyc.errors import SelfieDocumentMissingPhoto, SelfieUnverified
from kyc.faces.detect import MIN_FACE_PX, SelfieRejected
from kyc.faces.engine import FaceEmbedding, FaceEngine
from tests.faces.compose import head_crop, shrunk, side_by_side
from tests.faces.conftest import read_image

OBAMA = "face_recognition__obama.jpg"
BIDEN = "face_recognition__biden.jpg"


def _box(embedding: FaceEmbedding) -> tuple[int, int, int, int]:
    f = embedding.face
    return (f.left, f.top, f.right, f.bottom)


@pytest.fixture(scope="module")
def obama(faces_dir: Path) -> np.ndarray:
    return read_image(faces_dir, OBAMA)


@pytest.fixture(scope="module")
def two_faces(engine: FaceEngine, faces_dir: Path, obama: np.ndarray) -> np.ndarray:
    biden = read_image(faces_dir, BIDEN)
    a = head_crop(obama, _box(engine.embed(obama, "selfie")))
    b = head_crop(biden, _box(engine.embed(biden, "selfie")))
    return side_by_side(a, b, height=420)


@pytest.fixture(scope="module")
def non_face(obama: np.ndarray) -> np.ndarray:
    # The flag and background beside the face in the same photo.
    return obama[0:330, 0:340].copy()


def _rejected(engine: FaceEngine, image: np.ndarray) -> SelfieRejected:
    with pytest.raises(SelfieRejected) as caught:
        engine.embed(image, "selfie")
    assert isinstance(caught.value, SelfieUnverified)
    assert caught.value.code == "selfie_unverified_other"
    return caught.value


def test_two_comparable_faces_in_a_selfie(engine: FaceEngine, two_faces: np.ndarray) -> None:
    error = _rejected(engine, two_faces)
    assert error.reason == "multiple_faces"
    assert "2 faces" in error.message


def test_two_faces_on_a_document_take_the_largest(
    engine: FaceEngine, two_faces: np.ndarray
) -> None:
    chosen = engine.embed(two_faces, "document")
    assert chosen.faces_found == 2
    # Obama's head crop is the wider one, so his face is the larger after scaling.
    assert chosen.face.right <= two_faces.shape[1] // 2 + 20


def test_no_face_in_a_selfie(engine: FaceEngine, non_face: np.ndarray) -> None:
    assert _rejected(engine, non_face).reason == "no_face"


def test_no_face_on_a_document(engine: FaceEngine, non_face: np.ndarray) -> None:
    with pytest.raises(SelfieDocumentMissingPhoto) as caught:
        engine.embed(non_face, "document")
    assert caught.value.code == "selfie_document_missing_photo"


def test_tiny_face_in_a_selfie(engine: FaceEngine, obama: np.ndarray) -> None:
    side = engine.embed(obama, "selfie").face.side
    tiny = shrunk(obama, side, 42)
    error = _rejected(engine, tiny)
    assert error.reason == "face_too_small"
    assert f"at least {MIN_FACE_PX} px" in error.message


def test_blurred_face_in_a_selfie(engine: FaceEngine, obama: np.ndarray) -> None:
    blurred = cv2.GaussianBlur(obama, (0, 0), 5)
    assert _rejected(engine, blurred).reason == "face_too_blurry"


def test_mildly_blurred_selfie_is_still_accepted(engine: FaceEngine, obama: np.ndarray) -> None:
    sharp = engine.embed(obama, "selfie")
    soft = engine.embed(cv2.GaussianBlur(obama, (0, 0), 2), "selfie")
    assert soft.sharpness < sharp.sharpness
    assert engine.compare(sharp, soft).result == "match"


def test_rejects_arrays_that_are_not_decoded_images(engine: FaceEngine) -> None:
    with pytest.raises(ValueError, match="uint8"):
        engine.embed(np.zeros((10, 10, 3), dtype=np.float32), "selfie")
