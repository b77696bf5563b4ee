"""Printed fields of US licence fronts (no MRZ): plausibility floors on the state samples."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import cv2

from kyc.documents.ocr import OcrEngine, TextLine
from kyc.documents.printed import read_printed

from .conftest import shared_path

# A fixed third of the states, to keep the suite inside its time budget.
STATES = [
    "Alabama_s", "Arizona_s", "Arkansas", "Colorado", "Connecticut", "Georgia_s", "Illinois",
    "Indiana", "Minnesota", "Mississippi", "Pennsylvania_s", "Wisconsin",
]  # fmt: skip


def _boxes(xml_path: str, label: str, scale: float) -> list[tuple[float, float, float, float]]:
    root = ET.parse(xml_path).getroot()
    out = []
    for obj in root.iter("object"):
        if obj.findtext("name") == label:
            bb = obj.find("bndbox")
            assert bb is not None
            out.append(
                tuple(float(bb.findtext(k) or 0) * scale for k in ("xmin", "ymin", "xmax", "ymax"))
            )
    return out  # type: ignore[return-value]


def test_licence_fronts_give_dates_numbers_and_names(rapidocr: OcrEngine) -> None:
    root = shared_path("documents", "us_dl_specimens")
    dated = numbered = named = dob_in_box = 0
    for state in STATES:
        img = cv2.imread(str(root / f"{state}.jpg"))
        lines: list[TextLine] = rapidocr.read(img)
        printed = read_printed(lines)
        v = printed.values
        assert printed.document_hint == "driving_license", state
        assert printed.country_hint == "USA", state
        born, expires = v.get("date_of_birth"), v.get("expiration_date")
        if isinstance(born, date) and isinstance(expires, date) and born < expires:
            dated += 1
            # The annotated date-of-birth box must contain that date's text.
            scale = 640 / 700 if state == "Illinois" else 1.0
            boxes = _boxes(str(root / f"{state}.xml"), "date_of_birth", scale)
            texts = [
                t.text
                for t in lines
                if any(
                    b[0] - 5 <= t.center[0] <= b[2] + 5 and b[1] - 5 <= t.center[1] <= b[3] + 5
                    for b in boxes
                )
            ]
            dob_in_box += any(str(born.year) in t or born.strftime("%y") in t for t in texts)
        numbered += bool(v.get("document_number"))
        named += bool(v.get("surname") or v.get("given_names"))
    # Measured on these 12: 12 with both dates in order (11 of them inside the annotated
    # date-of-birth box), 10 with a licence number, 11 with a name.
    assert dated >= 11, dated
    assert dob_in_box >= 10, dob_in_box
    assert numbered >= 9, numbered
    assert named >= 10, named
