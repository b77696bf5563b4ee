"""Capture quality: every good shared image passes, degraded copies are refused with advice."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kyc.documents.quality import check_document_image, check_selfie_image
from kyc.documents.specimen import make_selfie, render_specimen_passport
from kyc.errors import ImageQualityInsufficient

from .conftest import shared_path


def test_no_good_shared_image_is_rejected() -> None:
    paths = sorted(shared_path("mrz", "images").iterdir())
    paths += sorted(shared_path("documents", "us_dl_specimens").glob("*.jpg"))
    assert len(paths) == 81
    for path in paths:
        check_document_image(cv2.imread(str(path)))


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return render_specimen_passport()[0]


def test_specimen_and_selfie_pass(page: np.ndarray) -> None:
    check_document_image(page)
    check_selfie_image(make_selfie())


@pytest.mark.parametrize(
    ("degrade", "advice"),
    [
        (lambda im: cv2.GaussianBlur(im, (0, 0), 4), "too blurry"),
        (lambda im: (im * 0.12).astype(np.uint8), "too dark"),
        (lambda im: cv2.add(im, np.full_like(im, 200)), "too bright"),
        (lambda im: cv2.resize(im, (110, 80)), "too small"),
    ],
)
def test_degraded_images_are_refused_with_actionable_messages(
    page: np.ndarray, degrade, advice: str
) -> None:
    with pytest.raises(ImageQualityInsufficient, match=advice) as info:
        check_document_image(degrade(page))
    assert info.value.code == "image_quality_insufficient"
    with pytest.raises(ImageQualityInsufficient, match=advice):
        check_selfie_image(degrade(make_selfie()))


def test_glare_spot_is_refused(page: np.ndarray) -> None:
    glared = page.copy()
    cv2.circle(glared, (700, 380), 150, (255, 255, 255), -1)
    with pytest.raises(ImageQualityInsufficient, match="glare"):
        check_document_image(glared)


def test_document_far_away_is_refused(page: np.ndarray) -> None:
    canvas = np.full((1600, 2200, 3), 128, np.uint8)
    canvas[700:800, 1000:1140] = cv2.resize(page, (140, 100))
    with pytest.raises(ImageQualityInsufficient, match="too small in the photo"):
        check_document_image(canvas)
