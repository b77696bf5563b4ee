"""The selfie must be a live capture of a person, not of the document (real images)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kyc.documents.specimen import make_selfie, render_specimen_passport
from kyc.faces.calibration import load_labels
from kyc.faces.engine import FaceEmbedding, FaceEngine
from kyc.faces.presentation import NEAR_COPY_DISTANCE, SelfieAttack, framed_face
from tests.faces.conftest import LabelledPair


def _jpeg(image: np.ndarray, quality: int = 92) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


@pytest.fixture(scope="module")
def passport() -> np.ndarray:
    return _jpeg(render_specimen_passport()[0])


def _refusal(engine: FaceEngine, document: np.ndarray, selfie: np.ndarray) -> str:
    with pytest.raises(SelfieAttack) as caught:
        engine.compare_document_selfie(document, selfie)
    assert caught.value.code == "selfie_manipulated"
    assert str(caught.value.message).startswith(caught.value.reason)
    return caught.value.reason


def test_the_passport_itself_as_selfie_is_refused(engine: FaceEngine, passport: np.ndarray) -> None:
    assert _refusal(engine, passport, passport.copy()) == "selfie_is_document"


def test_a_re_encoded_passport_is_refused_by_its_mrz_and_its_portrait_frame(
    engine: FaceEngine, passport: np.ndarray
) -> None:
    """The document screen refuses it first; the frame rule alone would refuse it too."""
    selfie = _jpeg(passport, 70)
    assert _refusal(engine, passport, selfie) == "document_in_selfie"
    assert framed_face(selfie, engine.embed(selfie, "document").face) is not None


def test_a_crop_of_the_portrait_is_refused_as_a_copy(
    engine: FaceEngine, passport: np.ndarray
) -> None:
    crop = cv2.resize(passport[170:640, 30:400], None, fx=1.5, fy=1.5)
    assert _refusal(engine, passport, _jpeg(crop, 60)) == "selfie_copies_document"


def test_a_photographed_passport_is_refused(engine: FaceEngine, passport: np.ndarray) -> None:
    small = cv2.resize(passport, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    on_desk = _jpeg(
        cv2.copyMakeBorder(small, 250, 250, 200, 200, cv2.BORDER_CONSTANT, value=(60, 70, 80))
    )
    assert _refusal(engine, passport, on_desk) == "document_in_selfie"
    assert framed_face(on_desk, engine.embed(on_desk, "document").face) is not None


def test_a_photo_of_a_printed_photo_is_refused(engine: FaceEngine, faces_dir: object) -> None:
    """A labelled face printed small (white border) and photographed on a dark table."""
    from pathlib import Path

    folder = Path(str(faces_dir))
    identity_of, _ = load_labels(folder)
    same = sorted(n for n, i in identity_of.items() if i == "fr_biden")
    document, photo = (cv2.imread(str(folder / n)) for n in same[:2])
    print_ = cv2.copyMakeBorder(
        cv2.resize(photo, (300, round(300 * photo.shape[0] / photo.shape[1]))),
        20, 20, 20, 20, cv2.BORDER_CONSTANT, value=(250, 250, 250),
    )  # fmt: skip
    table = np.full((1000, 800, 3), (40, 50, 60), np.uint8)
    h, w = print_.shape[:2]
    table[200 : 200 + h, 250 : 250 + w] = print_
    assert engine.compare_document_selfie(document, photo).check.result == "match"
    assert _refusal(engine, document, _jpeg(table)) == "face_in_frame"


def test_the_specimen_selfie_is_not_refused(engine: FaceEngine, passport: np.ndarray) -> None:
    match = engine.compare_document_selfie(passport, _jpeg(make_selfie()))
    assert match.check.result == "match" and match.check.status == "verified"
    assert match.check.distance is not None and match.check.distance >= NEAR_COPY_DISTANCE


def test_no_genuine_selfie_of_the_shared_faces_is_refused(
    engine: FaceEngine,
    faces_dir: object,
    image_names: list[str],
    embeddings: dict[str, FaceEmbedding],
    labelled_pairs: list[LabelledPair],
) -> None:
    """Goal of issue 16: the presentation rules refuse none of the 56 labelled photos."""
    from pathlib import Path

    framed = [
        name
        for name in image_names
        if framed_face(cv2.imread(str(Path(str(faces_dir)) / name)), embeddings[name].face)
    ]
    assert framed == []
    genuine = [
        engine.calibration.distance(embeddings[p.img_a].vector, embeddings[p.img_b].vector)
        for p in labelled_pairs
        if p.same
    ]
    # Far below any genuine pair: the nearest two photos of one person are 0.208 apart.
    assert min(genuine) > 3 * NEAR_COPY_DISTANCE
