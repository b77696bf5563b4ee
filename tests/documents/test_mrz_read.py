"""Reading MRZs from images: accuracy floor on ../shared/data/mrz, rotation and skew robustness."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np

from kyc.documents.extract import build_check, read_sources
from kyc.documents.models import DocumentRules
from kyc.documents.mrz import parse
from kyc.documents.mrz_locate import read_mrz
from kyc.documents.ocr import OcrEngine
from kyc.documents.specimen import render_specimen_passport

from .conftest import TODAY, load_mrz_truth

KEY_FIELDS = (
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "date_of_birth",
    "expiration_date",
    "sex",
)


def test_mrz_accuracy_floor_with_rapidocr(rapidocr: OcrEngine) -> None:
    # Images whose printed check digits validate (34 of 44); PassportEye reads 27-30 %.
    truths = [t for t in load_mrz_truth() if t.check_digits_valid]
    assert len(truths) == 34
    exact = fields_right = false_mismatches = 0
    rules = DocumentRules(today=date(2000, 1, 1), minimum_age=0)  # judge the reading only
    for truth in truths:
        img = cv2.imread(str(truth.image))
        src = read_sources(img, None, engine="rapidocr", today=TODAY)
        check = build_check(src, rules=rules, engine="rapidocr")
        if check.mrz is None:
            continue
        exact += check.mrz.lines == truth.lines
        expected = parse(truth.lines, today=TODAY).fields
        got = check.fields.model_dump()
        fields_right += all(got[k] == expected[k] for k in KEY_FIELDS)
        false_mismatches += not next(c for c in check.checks if c.name == "cross_check").passed
    # Measured 33/34 (97 %) exact and field-correct; the floor leaves room for engine updates.
    assert exact / len(truths) >= 0.85, exact
    assert fields_right / len(truths) >= 0.85, fields_right
    # Genuine specimens: the visual zone never contradicts the MRZ (measured 0).
    assert false_mismatches == 0


def _rotate(img: np.ndarray, angle: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(img, m, (nw, nh), borderValue=(255, 255, 255))


def test_specimen_read_sideways_upside_down_skewed_and_small(rapidocr: OcrEngine) -> None:
    page, truth = render_specimen_passport()
    variants = {
        "90": cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE),
        "180": cv2.rotate(page, cv2.ROTATE_180),
        "270": cv2.rotate(page, cv2.ROTATE_90_COUNTERCLOCKWISE),
        "skew 4": _rotate(page, 4.0),
        "low-res": cv2.resize(page, (500, 352), interpolation=cv2.INTER_AREA),
    }
    for name, img in variants.items():
        candidate, _ = read_mrz(img, rapidocr, today=TODAY)
        assert candidate is not None, name
        assert candidate.result.lines == truth["mrz_lines"], name
        assert candidate.result.valid, name


def test_perspective_and_composite(rapidocr: OcrEngine) -> None:
    page, truth = render_specimen_passport()
    h, w = page.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[40, 30], [w - 10, 0], [w, h], [0, h - 20]])
    warped = cv2.warpPerspective(
        page, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=(90, 90, 90)
    )
    # Front and back side by side on one scan.
    blank = np.full_like(page, 235)
    composite = np.hstack([blank, warped])
    candidate, _ = read_mrz(composite, rapidocr, today=TODAY)
    assert candidate is not None
    assert candidate.result.lines == truth["mrz_lines"]


def test_a_page_without_mrz_gives_none(rapidocr: OcrEngine) -> None:
    img = np.full((400, 600, 3), 250, np.uint8)
    cv2.putText(
        img, "NO MACHINE READABLE ZONE", (20, 200), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 0), 2
    )
    candidate, lines = read_mrz(img, rapidocr, today=TODAY)
    assert candidate is None
    assert any("MACHINE" in t.text.upper() for t in lines)
