"""Is the selfie a live capture of a person, not of the document? Cheap, explainable rules.

- `selfie_is_document`: the selfie has the same pixels as the document image (the SHA-256 of
  the decoded pixels; the activity also compares the stored files' digests).
- `selfie_copies_document`: the selfie face is nearer the document portrait than any two
  photos of one person are: a crop or re-encoding of the document's own photo.
- `document_in_selfie`: an MRZ, a PDF417 barcode or a card's printed fields are visible in
  the selfie
  (kyc/faces/visible_document.py): a document photographed, or held up beside the face.
- `face_in_frame`: the face sits inside a small axis-aligned rectangle (four long straight
  edges around it, the box under FRAME_MAX_FRACTION of the frame): the document's portrait
  box, a printed photo or a phone screen photographed.

All raise SelfieAttack (`selfie_manipulated`). What they do not catch: a tilted or perspective-
distorted photo of a photo, a screen filling the frame, a printed photo of another picture
of the holder, masks and injected video; passive liveness (kyc/faces/liveness.py) is the
layer for those where its weights exist.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Literal

from kyc.errors import SelfieManipulated

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from kyc.documents.ocr import OcrEngine
    from kyc.faces.detect import DetectedFace

AttackReason = Literal[
    "selfie_is_document", "selfie_copies_document", "document_in_selfie", "face_in_frame"
]

# Genuine pairs of ../shared/data/faces are never nearer than 0.208 (two photos of one person
# always differ); crops and re-encodings of the specimen passport's portrait measure 0.00-0.07.
# 0.06 stays below the generated specimen selfie (0.077), which kyc.documents.specimen makes by
# re-cropping the very photograph printed on the specimen passport: a real holder's selfie is
# never that photograph, so this bound is conservative, not tight.
NEAR_COPY_DISTANCE = 0.06

FRAME_DETECT_MAX_SIDE = 640  # px; the edges are long, detail is not needed
FRAME_EDGE_GRADIENT = 60.0  # |Sobel| on 8-bit grey: a printed border or bezel, not skin shading
# Fraction of the span beside the face an edge line must cover to count as a border: a photo's
# border is straight and unbroken; natural horizontal lines (shoulders, shelves) are not.
FRAME_EDGE_COVER = 0.9
# A frame must leave most of the capture outside it: a live selfie can be taken against a door
# or a window, which fills the frame; the specimen selfie's pasted photo covers 61 %.
FRAME_MAX_FRACTION = 0.45


class SelfieAttack(SelfieManipulated):
    """`selfie_manipulated` with a machine-readable `reason`; the message starts with it."""

    def __init__(self, reason: AttackReason, message: str) -> None:
        super().__init__(f"{reason}: {message}", param="selfie")
        self.reason: AttackReason = reason


def pixel_digest(image: np.ndarray) -> str:
    """SHA-256 of a decoded image's shape and pixels."""
    digest = hashlib.sha256(repr((image.shape, str(image.dtype))).encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def check_not_document_image(document: np.ndarray, selfie: np.ndarray) -> None:
    """Raise `selfie_is_document` when both images have the same pixels."""
    if document.shape == selfie.shape and pixel_digest(document) == pixel_digest(selfie):
        raise SelfieAttack(
            "selfie_is_document",
            "the selfie is the document image itself; take a photo of your face",
        )


def check_not_document_copy(distance: float) -> None:
    """Raise `selfie_copies_document` below NEAR_COPY_DISTANCE to the document portrait."""
    if distance < NEAR_COPY_DISTANCE:
        raise SelfieAttack(
            "selfie_copies_document",
            f"the selfie face is a copy of the document portrait (distance {distance:.3f} "
            f"< {NEAR_COPY_DISTANCE}); take a photo of your face, not of the document",
        )


_SIGN_NAMES = {
    "mrz": "a machine-readable zone",
    "pdf417": "a PDF417 barcode",
    "card": "a card's printed fields",
}


def check_no_document_visible(
    selfie: np.ndarray, ocr: Callable[[], OcrEngine] | None = None
) -> None:
    """Raise `document_in_selfie` when the document engine's signs are found in the selfie."""
    from kyc.faces.visible_document import find_document

    found = find_document(selfie, ocr)
    if found is not None:
        raise SelfieAttack(
            "document_in_selfie",
            f"an identity document ({_SIGN_NAMES[found.sign]}) is visible in the selfie; "
            "take a photo of your face alone",
        )


def check_not_framed(image: np.ndarray, face: DetectedFace) -> None:
    """Raise `face_in_frame` when `framed_face` finds a small rectangle around the face."""
    box = framed_face(image, face)
    if box is not None:
        raise SelfieAttack(
            "face_in_frame",
            f"the face is inside a rectangle covering {box[4]:.0%} of the selfie (a photo of a "
            "photo, a document or a screen); take a photo of your face",
        )


def framed_face(image: np.ndarray, face: DetectedFace) -> tuple[int, int, int, int, float] | None:
    """(left, top, right, bottom, fraction of the frame) of a border around `face`, or None.

    On a copy at most FRAME_DETECT_MAX_SIDE px: the nearest rows above and below the face
    whose horizontal edge covers FRAME_EDGE_COVER of the face's widened span, and the nearest
    such columns left and right. All four must exist and enclose under FRAME_MAX_FRACTION.
    """
    import cv2
    import numpy as np

    height, width = image.shape[:2]
    scale = min(1.0, FRAME_DETECT_MAX_SIDE / max(height, width))
    small = image
    if scale < 1.0:
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
    h, w = grey.shape
    # Dilated across the line so a border tilted by a pixel or two still forms one line.
    rows_edge = np.abs(cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)) > FRAME_EDGE_GRADIENT
    cols_edge = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)) > FRAME_EDGE_GRADIENT
    rows_edge = cv2.dilate(rows_edge.astype(np.uint8), np.ones((3, 1), np.uint8)) > 0
    cols_edge = cv2.dilate(cols_edge.astype(np.uint8), np.ones((1, 3), np.uint8)) > 0
    fl, ft, fr, fb = (int(v * scale) for v in (face.left, face.top, face.right, face.bottom))
    fw, fh = max(1, fr - fl), max(1, fb - ft)
    span_cols = slice(max(0, fl - fw // 3), min(w, fr + fw // 3))
    span_rows = slice(max(0, ft - fh // 3), min(h, fb + fh // 3))
    rows = rows_edge[:, span_cols].mean(axis=1) >= FRAME_EDGE_COVER
    cols = cols_edge[span_rows, :].mean(axis=0) >= FRAME_EDGE_COVER
    # Two pixels in from the image border, where Sobel sees the padding, not the picture.
    top = [y for y in range(2, ft) if rows[y]]
    bottom = [y for y in range(max(fb, 2), h - 2) if rows[y]]
    left = [x for x in range(2, fl) if cols[x]]
    right = [x for x in range(max(fr, 2), w - 2) if cols[x]]
    if not (top and bottom and left and right):
        return None
    box = (max(left), max(top), min(right), min(bottom))
    fraction = (box[2] - box[0]) * (box[3] - box[1]) / (h * w)
    if fraction > FRAME_MAX_FRACTION:
        return None
    left_px, top_px, right_px, bottom_px = (round(v / scale) for v in box)
    return left_px, top_px, right_px, bottom_px, fraction
