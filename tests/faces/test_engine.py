"""Document portrait vs selfie on composed inputs, weights provisioning, the cached getter."""

from __future__ import annotations

from pathlib import Path

import dlib
import numpy as np
import pytest

from kyc.faces.detect import DETECT_MAX_SIDE, detect_at_scale
from kyc.faces.engine import FaceEngine, get_engine, provision_weights
from kyc.faces.weights import PROVISIONED_FILES, WeightsMissing, package_models_dir, weights_dir
from tests.faces.compose import astronaut, astronaut_selfie, document_page, on_large_canvas
from tests.faces.conftest import read_image


@pytest.fixture(scope="module")
def passport() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    return document_page(astronaut()[0:330, 80:360])


def test_astronaut_document_matches_astronaut_selfie(
    engine: FaceEngine, passport: tuple[np.ndarray, tuple[int, int, int, int]]
) -> None:
    page, (left, top, right, bottom) = passport
    match = engine.compare_document_selfie(page, astronaut_selfie())
    assert match.check.result == "match"
    assert match.check.status == "verified"
    assert match.check.error_code is None
    assert match.check.distance is not None and match.check.distance < 0.45
    assert match.check.threshold == 0.50
    assert match.check.portrait_key is None
    assert match.check.liveness == "not_available"
    assert len(match.selfie_embedding) == 128
    # The crop lies inside the printed portrait (not the ghost image) and shows a whole head.
    h, w = match.portrait.shape[:2]
    assert match.portrait.dtype == np.uint8 and match.portrait.shape[2] == 3
    assert 200 <= w <= right - left and 250 <= h <= bottom - top


def test_portrait_crop_comes_from_the_printed_portrait(
    engine: FaceEngine, passport: tuple[np.ndarray, tuple[int, int, int, int]]
) -> None:
    page, (left, top, right, bottom) = passport
    face = engine.embed(page, "document").face
    assert left <= face.left and face.right <= right
    assert top <= face.top and face.bottom <= bottom


def test_detected_ghost_image_is_ignored_on_a_document(engine: FaceEngine) -> None:
    page, (left, top, right, bottom) = document_page(
        astronaut()[0:330, 80:360], ghost_width=240, ghost_opacity=0.5
    )
    chosen = engine.embed(page, "document")
    assert chosen.faces_found == 2  # the ghost image is detected as a face ...
    assert left <= chosen.face.left and chosen.face.right <= right  # ... and not chosen
    assert top <= chosen.face.top and chosen.face.bottom <= bottom


def test_small_portrait_in_a_large_photo_is_found_by_the_second_pass(
    engine: FaceEngine, passport: tuple[np.ndarray, tuple[int, int, int, int]]
) -> None:
    page, box = passport
    photo = on_large_canvas(page, width=4000, page_width=1400)
    assert detect_at_scale(photo, dlib.get_frontal_face_detector(), DETECT_MAX_SIDE) == []
    face = engine.embed(photo, "document").face
    # The page is scaled by 1400/1250 and placed at (300, 200) in the 4000 px frame.
    left, top, right, bottom = (round(v * 1400 / 1250) for v in box)
    assert 300 + left <= face.left and face.right <= 300 + right
    assert 200 + top <= face.top and face.bottom <= 200 + bottom
    match = engine.compare_document_selfie(photo, astronaut_selfie())
    assert match.check.result == "match"


def test_other_person_is_a_mismatch_result_not_an_exception(
    engine: FaceEngine,
    passport: tuple[np.ndarray, tuple[int, int, int, int]],
    faces_dir: Path,
) -> None:
    page, _ = passport
    match = engine.compare_document_selfie(page, read_image(faces_dir, "openface__adams.jpg"))
    assert match.check.result == "no_match"
    assert match.check.status == "unverified"
    assert match.check.error_code == "selfie_face_mismatch"
    assert match.check.distance is not None and match.check.distance >= 0.65


def test_provisioning_copies_weights_once(tmp_path: Path) -> None:
    provision_weights(tmp_path)
    target = weights_dir(tmp_path)
    assert sorted(p.name for p in target.iterdir()) == sorted(PROVISIONED_FILES)
    sizes = {n: (target / n).stat().st_size for n in PROVISIONED_FILES}
    assert sizes == {n: (package_models_dir() / n).stat().st_size for n in PROVISIONED_FILES}
    stamps = {n: (target / n).stat().st_mtime_ns for n in PROVISIONED_FILES}
    provision_weights(tmp_path)
    assert {n: (target / n).stat().st_mtime_ns for n in PROVISIONED_FILES} == stamps


def test_engine_is_cached_per_home(engine: FaceEngine, deepface_home: Path) -> None:
    assert get_engine(deepface_home) is engine
    assert (weights_dir(deepface_home) / PROVISIONED_FILES[0]).is_file()


def test_other_models_without_weights_are_refused_not_downloaded(tmp_path: Path) -> None:
    with pytest.raises(WeightsMissing, match=r"arcface_weights\.pth is not provisioned"):
        FaceEngine(tmp_path, model_name="ArcFace")
    assert sorted(p.name for p in weights_dir(tmp_path).iterdir()) == sorted(PROVISIONED_FILES)


def test_engine_is_deterministic_across_threads(engine: FaceEngine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    selfie = astronaut_selfie()
    with ThreadPoolExecutor(max_workers=2) as pool:
        vectors = list(pool.map(lambda _: engine.embed(selfie, "selfie").vector, range(4)))
    assert all(v == vectors[0] for v in vectors)
