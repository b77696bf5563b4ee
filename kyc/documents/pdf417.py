"""Decode PDF417 symbols (the barcode on the back of US and Canadian licences) with zxing-cpp.

zxing-cpp decodes a clean symbol byte-exact in milliseconds but gives up beyond ~3° of skew, so
`decode_pdf417` retries: other binarisers, the symbol deskewed along its own angle, an angle
sweep, and an upscaled copy for small symbols. Payloads are the raw bytes (`Barcode.bytes`):
zxing's text mode escapes the control characters that AAMVA uses as separators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Pdf417Symbol:
    """One decoded symbol: raw payload and macro-PDF417 metadata when it is one segment of many."""

    payload: bytes
    file_id: str | None = None
    segment_index: int | None = None
    top: float = 0.0


def _read(grey: np.ndarray, binarizer: Any) -> list[Pdf417Symbol]:
    import zxingcpp

    found = zxingcpp.read_barcodes(
        grey,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.PDF417),
        try_rotate=True,
        try_downscale=True,
        try_invert=True,
        binarizer=binarizer,
    )
    out = []
    for r in found:
        if not r.valid:
            continue
        extra = r.extra if isinstance(r.extra, dict) else {}
        index = extra.get("SegmentIndex", extra.get("Segment"))
        top = float(min(p.y for p in (r.position.top_left, r.position.top_right)))
        out.append(
            Pdf417Symbol(
                payload=bytes(r.bytes),
                file_id=str(extra["FileId"]) if "FileId" in extra else None,
                segment_index=int(index)
                if isinstance(index, int | float | str) and str(index).isdigit()
                else None,
                top=top,
            )
        )
    return out


def _rotate(grey: np.ndarray, angle: float) -> np.ndarray:
    """`grey` turned by `angle` degrees about its centre, on a canvas large enough to hold it."""
    import cv2
    import numpy as np

    h, w = grey.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return np.ascontiguousarray(
        cv2.warpAffine(grey, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)
    )


def estimate_skew(grey: np.ndarray) -> float | None:
    """The angle (degrees) of the largest barcode-like region: dense, fine vertical stripes."""
    import cv2
    import numpy as np

    blur = cv2.GaussianBlur(grey, (3, 3), 0)
    grad = cv2.morphologyEx(blur, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, bw = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = max(3, min(grey.shape[:2]) // 40)
    closed = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    (_, _), (w, h), angle = cv2.minAreaRect(largest)
    if w < h:
        angle -= 90.0
    # Normalise to (-45, 45]: zxing itself handles the quarter turns.
    while angle > 45:
        angle -= 90
    while angle <= -45:
        angle += 90
    return float(angle)


def decode_pdf417(img: np.ndarray) -> list[Pdf417Symbol]:
    """All PDF417 symbols found in a BGR or grey image, retrying harder before giving up."""
    import cv2
    import zxingcpp

    grey = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    binarizers = (
        zxingcpp.Binarizer.LocalAverage,
        zxingcpp.Binarizer.GlobalHistogram,
        zxingcpp.Binarizer.FixedThreshold,
    )
    # A skewed symbol can decode to garbage that passes zxing's checks, so a clearly skewed one
    # is straightened before the first attempt.
    skew = estimate_skew(grey)
    variants = [grey]
    if skew is not None and abs(skew) > 2.0:
        variants.insert(0, _rotate(grey, skew))
    small = max(grey.shape[:2]) < 1200
    if small:
        # Small symbols: modules of one or two pixels do not survive rotation, upscale first.
        big = cv2.resize(grey, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
        if skew is not None and abs(skew) > 2.0:
            variants.insert(1, _rotate(big, skew))
    for variant in variants:
        for b in binarizers:
            found = _read(variant, b)
            if found:
                return found
    for angle in (-4.0, 4.0, -8.0, 8.0, -12.0, 12.0, -16.0, 16.0):
        turned = _rotate(grey, angle)
        for b in binarizers[:2]:
            found = _read(turned, b)
            if found:
                return found
    if small:
        for b in binarizers:
            found = _read(big, b)
            if found:
                return found
    return []


def join_segments(symbols: list[Pdf417Symbol]) -> bytes | None:
    """One payload from the symbols of an image: macro-PDF417 segments joined in order."""
    if not symbols:
        return None
    if len(symbols) == 1:
        return symbols[0].payload
    ordered = sorted(
        symbols,
        key=lambda s: (
            s.file_id or "",
            s.segment_index if s.segment_index is not None else 0,
            s.top,
        ),
    )
    return b"".join(s.payload for s in ordered)
