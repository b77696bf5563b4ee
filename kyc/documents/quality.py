"""Image quality checks at capture: refuse what cannot be read, with advice the person can act on.

Thresholds were calibrated on the good images of ../shared/data/mrz and
../shared/data/documents/us_dl_specimens (81 scans and photos of specimen documents), measured on
the image scaled to a long side of 640 px; each threshold keeps a wide margin below the worst good
image (the measured minimum or maximum is noted beside it). Run `bench/extract.py --quality` to
re-measure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kyc.errors import ImageQualityInsufficient

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class QualityThresholds:
    """Limits below or above which an image is refused."""

    min_short_side: int = 120  # px; smallest good image: 250x159
    min_long_side: int = 200  # px; smallest good long side: 243
    min_sharpness: float = 100.0  # variance of the Laplacian; worst good image: 220
    min_brightness: float = 50.0  # mean grey level 0..255; darkest good image: 119
    max_brightness: float = 248.0  # brightest good image: 238 (white scans)
    max_glare_blob: float = (
        0.06  # share of the frame in one textureless saturated blob; good: 0.037
    )
    min_content_extent: float = 0.25  # share of the frame spanned by edges; good images: >= 0.81


THRESHOLDS = QualityThresholds()


@dataclass(frozen=True)
class QualityMeasures:
    """What the checks measured (for logging and calibration; no personal data)."""

    width: int
    height: int
    sharpness: float
    brightness: float
    glare_blob: float
    content_extent: float


def measure(img: np.ndarray) -> QualityMeasures:
    """Measure size, sharpness, brightness, glare and content extent of a BGR image."""
    import cv2
    import numpy as np

    h, w = img.shape[:2]
    scale = 640 / max(h, w)
    small = (
        cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1
        else img
    )
    grey = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    brightness = float(grey.mean())
    edges = cv2.Canny(grey, 80, 160)
    ys, xs = np.nonzero(edges)
    gh, gw = grey.shape
    extent = 0.0
    if len(xs):
        extent = float((xs.max() - xs.min()) * (ys.max() - ys.min()) / (gh * gw))
    return QualityMeasures(w, h, sharpness, brightness, _glare_blob(grey), extent)


def _glare_blob(grey: np.ndarray) -> float:
    """Share of the frame covered by the largest saturated blob with no text inside it.

    A white page is saturated too, but its print leaves holes in the blob; a reflection does
    not. Blobs touching the border are background, not glare.
    """
    import cv2
    import numpy as np

    saturated = (grey >= 250).astype(np.uint8)
    mask = cv2.morphologyEx(saturated, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    gh, gw = grey.shape
    largest = 0.0
    for contour in contours:
        x, y, cw, ch = cv2.boundingRect(contour)
        if x == 0 or y == 0 or x + cw >= gw or y + ch >= gh or cw * ch < 0.01 * gh * gw:
            continue
        filled = np.zeros_like(mask)
        cv2.drawContours(filled, [contour], -1, 1, -1)
        filled_area = int(filled.sum())
        holes = (filled_area - int(np.logical_and(filled, mask).sum())) / max(filled_area, 1)
        if holes < 0.03:
            largest = max(largest, filled_area / (gh * gw))
    return largest


def _reject(message: str) -> None:
    raise ImageQualityInsufficient(message, param="image")


def _check_size_and_light(m: QualityMeasures, t: QualityThresholds) -> None:
    if min(m.width, m.height) < t.min_short_side or max(m.width, m.height) < t.min_long_side:
        _reject(
            f"The photo is too small ({m.width}x{m.height} pixels): "
            "take it again closer or with a higher resolution."
        )
    if m.brightness < t.min_brightness:
        _reject("The photo is too dark: move to a brighter place or turn on a light and retake it.")
    if m.brightness > t.max_brightness:
        _reject("The photo is too bright (overexposed): avoid direct light and retake it.")


def _check_sharpness(m: QualityMeasures, t: QualityThresholds) -> None:
    if m.sharpness < t.min_sharpness:
        _reject("The photo is too blurry: hold the camera still, let it focus and retake it.")


def check_document_image(img: np.ndarray, thresholds: QualityThresholds = THRESHOLDS) -> None:
    """Refuse a document photo that cannot be read; raises ImageQualityInsufficient.

    `img` is a BGR uint8 array (as decoded by OpenCV, EXIF orientation applied).
    """
    m = measure(img)
    _check_size_and_light(m, thresholds)
    # Before blur: a small document in a plain frame also measures as "blurred".
    if m.content_extent < thresholds.min_content_extent:
        _reject(
            "The document is too small in the photo: hold it closer so it fills most of the frame."
        )
    _check_sharpness(m, thresholds)
    if m.glare_blob > thresholds.max_glare_blob:
        _reject(
            "There is glare on the document: tilt it slightly or move away from the light "
            "so no reflection covers it, and retake the photo."
        )


def check_selfie_image(img: np.ndarray, thresholds: QualityThresholds = THRESHOLDS) -> None:
    """Refuse a selfie that is too small, dark, bright or blurred (face checks live in faces/)."""
    m = measure(img)
    _check_size_and_light(m, thresholds)
    _check_sharpness(m, thresholds)
