"""Test inputs composed from real images: a document-like page, side-by-side faces, tiny faces."""

from __future__ import annotations

import cv2
import numpy as np

ASTRONAUT_FACE = (175, 76, 265, 166)  # left, top, right, bottom of the face in astronaut()


def astronaut() -> np.ndarray:
    """scikit-image's public-domain astronaut (Eileen Collins), BGR."""
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def astronaut_selfie() -> np.ndarray:
    """A head-and-shoulders crop of the astronaut, enlarged as a phone selfie would be."""
    crop = astronaut()[20:300, 90:350]
    return cv2.resize(crop, (520, 560), interpolation=cv2.INTER_CUBIC)


def document_page(
    portrait: np.ndarray, ghost_width: int = 110, ghost_opacity: float = 0.3
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A passport-like data page (1250 x 880) around `portrait`, with a faded ghost image.

    Returns the page and the (left, top, right, bottom) box where the portrait was printed.
    """
    page = np.full((880, 1250, 3), (226, 232, 236), dtype=np.uint8)
    cv2.rectangle(page, (0, 0), (1249, 110), (140, 90, 40), thickness=-1)
    cv2.putText(page, "PASSPORT", (40, 75), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 4)
    box = (60, 170, 400, 620)
    left, top, right, bottom = box
    page[top:bottom, left:right] = cv2.resize(portrait, (right - left, bottom - top))
    for row, text in enumerate(["SURNAME", "GIVEN NAMES", "NATIONALITY", "DATE OF BIRTH"]):
        y = 210 + row * 90
        cv2.putText(page, text, (450, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (90, 90, 90), 2)
        cv2.putText(page, "XXXXXXXX", (450, y + 40), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (20, 20, 20), 2)
    # Ghost image: a small, faded second print of the portrait, as on real passports.
    ghost_height = ghost_width * 145 // 110
    ghost = cv2.resize(portrait, (ghost_width, ghost_height))
    y, x = 650 - ghost_height, 1220 - ghost_width
    region = page[y:650, x:1220]
    page[y:650, x:1220] = cv2.addWeighted(region, 1 - ghost_opacity, ghost, ghost_opacity, 0)
    for row in range(2):
        y = 760 + row * 55
        mrz = "P<UTOCOLLINS<<EILEEN<<<<<<<<<<<<<<<<<<<<<<<" if row == 0 else "X" * 44
        cv2.putText(page, mrz, (40, y), cv2.FONT_HERSHEY_PLAIN, 2.4, (20, 20, 20), 2)
    return page, box


def head_crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """A head-and-shoulders crop around a face box (left, top, right, bottom)."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    y0, y1 = max(0, top - h), min(image.shape[0], bottom + h)
    x0, x1 = max(0, left - w), min(image.shape[1], right + w)
    return image[y0:y1, x0:x1]


def side_by_side(left: np.ndarray, right: np.ndarray, height: int = 480) -> np.ndarray:
    """Two images scaled to the same height and placed next to each other."""

    def scaled(image: np.ndarray) -> np.ndarray:
        width = round(image.shape[1] * height / image.shape[0])
        return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)

    return np.hstack([scaled(left), scaled(right)])


def shrunk(image: np.ndarray, face_side: float, target_side: int) -> np.ndarray:
    """`image` scaled so that a face of `face_side` px becomes `target_side` px."""
    factor = target_side / face_side
    size = (round(image.shape[1] * factor), round(image.shape[0] * factor))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def on_large_canvas(page: np.ndarray, width: int = 4000, page_width: int = 1100) -> np.ndarray:
    """A document photographed whole: the page small in one corner of a 12 MP frame."""
    height = width * 3 // 4
    canvas = np.full((height, width, 3), (60, 70, 80), dtype=np.uint8)
    scaled = cv2.resize(page, (page_width, page_width * page.shape[0] // page.shape[1]))
    canvas[200 : 200 + scaled.shape[0], 300 : 300 + scaled.shape[1]] = scaled
    return canvas


def holding_document(
    photo: np.ndarray,
    document: np.ndarray,
    face: tuple[int, int, int, int],
    width_fraction: float = 0.45,
    angle: float = 4.0,
) -> np.ndarray:
    """`photo` with `document` held up beside the face: scaled to `width_fraction` of the
    photo's width, turned by `angle` degrees, at the bottom on the side with more room."""
    height, width = photo.shape[:2]
    doc_w = round(width * width_fraction)
    doc_h = round(document.shape[0] * doc_w / document.shape[1])
    if doc_h > 0.9 * height:  # a tall card in a wide photo: fit the height instead
        doc_h = round(0.9 * height)
        doc_w = round(document.shape[1] * doc_h / document.shape[0])
    scaled = cv2.resize(document, (doc_w, doc_h), interpolation=cv2.INTER_AREA)
    turn = cv2.getRotationMatrix2D((doc_w / 2, doc_h / 2), angle, 1.0)
    turned = cv2.warpAffine(scaled, turn, (doc_w, doc_h), borderValue=(0, 0, 0))
    mask = cv2.warpAffine(np.full((doc_h, doc_w), 255, np.uint8), turn, (doc_w, doc_h)) > 0
    left, _, right, _ = face
    x = 0 if left > width - right else width - doc_w
    y = height - doc_h
    out = photo.copy()
    region = out[y : y + doc_h, x : x + doc_w]
    region[mask] = turned[mask]
    return out
