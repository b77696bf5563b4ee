"""Is an identity document visible in the selfie? The document engine's own signals, cheaply.

A selfie that shows a passport, an ID card or the back of a licence is a photo of the document
(or a person holding their document up to the camera): the face compared would be the document
portrait, or the document would be shown instead of a face. Three signs, each read by
kyc/documents' own engines, are looked for on every selfie before any face model:

- a PDF417 symbol (the barcode on the back of US and Canadian licences), decoded by zxing-cpp as
  `kyc.documents.pdf417` does, in one pass on a copy of at most DETECT_MAX_SIDE px (its
  `decode_pdf417` retries rotations and binarisers, ~20 passes: fine for a document, too slow
  for every selfie); when that fails, `decode_pdf417` itself on full-resolution crops of the
  regions striped like a barcode (rare in a selfie without one);
- an MRZ: long, thin bands of dense vertical strokes (the MRZ band shape, found by morphology on a
  copy of at most DETECT_MAX_SIDE px), each cut out along its angle and read by the
  document OCR's recogniser alone (no text detection); a band that reads like an MRZ line
  (`<` fillers among capitals and digits) is an MRZ. Genuine selfies rarely have such bands, so
  the recogniser seldom runs on them; when it does (a poster, a shirt with text) it costs one
  recognition per band, at most MAX_BANDS_READ;
- a printed card (a licence front, no MRZ or barcode): when at least CARD_MIN_BANDS text
  lines are seen, the document OCR reads the frame and `kyc.documents.printed.read_printed`
  must find an identity card's wording and labelled fields (~0.5-2 s, on such selfies only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

    from kyc.documents.ocr import OcrEngine

DocumentSign = Literal["pdf417", "mrz", "card"]

# Barcode-like regions (set on the shared faces and on pdf417-1/-2 pasted into them; the
# phone photos of pdf417-3/-4 are reported apart in docs/faces.md). They only decide where
# the decoder looks: a false region costs a decode of a crop, never a refusal.
BAR_EDGE_GRADIENT = 100.0  # |Sobel x| on 8-bit grey
BAR_EDGE_DENSITY = 0.25  # share of bar-edge pixels in a 9x9 window
BARCODE_MIN_AREA = 0.015  # of the frame (at detection scale); symbols pasted at 45 %: >= 0.02
BARCODE_MIN_FILL = 0.6  # contour area / its rotated box: faces' striped blobs are ragged
BARCODE_MAX_ASPECT = 6.0
MAX_BARCODE_CROPS = 3
# px; an MRZ across a third of the frame keeps characters ~6 px tall. A barcode whose modules
# do not survive it is found by its stripes and decoded in a full-resolution crop.
DETECT_MAX_SIDE = 960
# A band must be long: MRZ lines run the document's width (30-44 characters), and a document
# the camera can read spans a good part of the frame's width. Of the short side: in a tall
# portrait photo a document held up spans much of the width, far less of the height.
MIN_BAND_LENGTH = 0.15  # of the short side
MIN_BAND_ASPECT = 10.0  # length / height: a TD1 line of 30 characters is ~20
MIN_BAND_HEIGHT = 3  # px at detection scale; thinner is a single edge, not characters
MAX_BANDS_READ = 6  # longest first: MRZ lines are the longest text lines of a document
BAND_LINE_HEIGHT = 40  # px: the recogniser's input height (PP-OCR reads 48 px lines best)
# An MRZ line as OCR reads it: at least this many characters, with filler runs among them.
MRZ_LINE_MIN_CHARS = 20
MRZ_LINE_MIN_FILLERS = 3
# A printed card (a licence front: no MRZ, no barcode): several text lines, then the full OCR
# and `kyc.documents.printed.read_printed` must find card wording ("DRIVER LICENSE",
# "IDENTIFICATION") and labelled fields. 12 of the first 12 shared licence fronts have the
# wording and >= 4 labelled fields. A card held small beside the face shows lines too thin
# for the 960 px screen: it is mostly not found (docs/faces.md).
CARD_MIN_BANDS = 3
CARD_BAND_LENGTH = 0.06  # of the long side; none of the 56 labelled photos has 3 such lines
CARD_MIN_FIELDS = 2


@dataclass(frozen=True)
class VisibleDocument:
    """Which sign of a document was found. What it read is not kept: an MRZ or barcode payload
    is the holder's personal data, and the refusal message is stored and shown."""

    sign: DocumentSign


@dataclass(frozen=True)
class Band:
    """A candidate text band in source pixels: centre, (length, height), angle (degrees)."""

    center: tuple[float, float]
    size: tuple[float, float]
    angle: float


def decode_pdf417(crop: np.ndarray) -> bool:
    """Whether the document engine's PDF417 decoder reads a symbol in the crop."""
    from kyc.documents.pdf417 import decode_pdf417 as decode

    return bool(decode(crop))


def find_document(
    selfie: np.ndarray, ocr: Callable[[], OcrEngine] | None = None
) -> VisibleDocument | None:
    """The document sign visible in a BGR selfie, or None.

    `ocr` returns the document OCR engine (called only when a band needs reading, so a selfie
    without text bands never loads a model); without it only the barcode is looked for.
    """
    import cv2

    grey = cv2.cvtColor(selfie, cv2.COLOR_BGR2GRAY)
    # One downscaled copy for every screen; only crops are cut from the full resolution.
    small = _scaled(grey, DETECT_MAX_SIDE)
    if has_pdf417(small) or any(decode_pdf417(c) for c in barcode_crops(grey, small)):
        return VisibleDocument("pdf417")
    if ocr is None:
        return None
    # The lines of a document held sideways run top to bottom: look a quarter turn away too
    # (the morphology only joins characters along rows). The full image turns only when needed.
    quarter = cv2.ROTATE_90_CLOCKWISE
    scale = small.shape[1] / grey.shape[1]
    # Lines long enough for a card's text; only the longer ones can be MRZ lines.
    mrz_length = MIN_BAND_LENGTH * min(grey.shape[:2])
    upright = text_bands(small, scale, CARD_BAND_LENGTH)
    lines = [b for b in upright if b.size[0] >= mrz_length]
    if lines and _reads_mrz(grey, lines, ocr()):
        return VisibleDocument("mrz")
    turned = text_bands(cv2.rotate(small, quarter), scale, CARD_BAND_LENGTH)
    lines = [b for b in turned if b.size[0] >= mrz_length]
    if lines and _reads_mrz(cv2.rotate(grey, quarter), lines, ocr()):
        return VisibleDocument("mrz")
    if max(len(upright), len(turned)) >= CARD_MIN_BANDS and _reads_card(small, ocr()):
        return VisibleDocument("card")
    return None


def _reads_card(small: np.ndarray, engine: OcrEngine) -> bool:
    """Whether the document engine's printed-field reader finds an identity card's wording
    and at least CARD_MIN_FIELDS labelled fields (date of birth, expiry, number...).

    Full OCR (text detection): ~0.5-2 s, run only on a selfie with several text lines.
    """
    import cv2

    from kyc.documents.printed import read_printed

    printed = read_printed(engine.read(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)))
    # Dates found without a label get confidence 0.5 (kyc.documents.printed): not evidence.
    labelled = [name for name, c in printed.confidence.items() if c > 0.5]
    return printed.document_hint is not None and len(labelled) >= CARD_MIN_FIELDS


def _reads_mrz(grey: np.ndarray, bands: list[Band], engine: OcrEngine) -> bool:
    """Whether one of the longest bands reads as an MRZ line, upright or upside down."""
    import cv2

    for band in bands[:MAX_BANDS_READ]:
        crop = cut_band(grey, band)
        if crop is None:
            continue
        # Upside down too: a document held to a front camera is often turned.
        for variant in (crop, cv2.rotate(crop, cv2.ROTATE_180)):
            text, _ = engine.recognize(cv2.cvtColor(variant, cv2.COLOR_GRAY2BGR))
            if is_mrz_line(text):
                return True
    return False


def has_pdf417(small: np.ndarray) -> bool:
    """Whether zxing-cpp decodes a PDF417 symbol in one pass over the downscaled grey copy."""
    import zxingcpp

    found = zxingcpp.read_barcodes(
        small,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.PDF417),
        try_rotate=True,
        try_downscale=True,
        try_invert=False,
    )
    return any(symbol.valid for symbol in found)


def barcode_crops(grey: np.ndarray, small: np.ndarray | None = None) -> list[np.ndarray]:
    """Full-resolution crops of the solid regions striped like a barcode, largest first.

    A pixel is a bar edge when its horizontal gradient is strong and at least twice the
    vertical one; a barcode is a solid blob (BARCODE_MIN_FILL of its rotated box) of dense bar
    edges. A blob is cut out with a margin so that the document engine's decoder
    (`decode_pdf417`, which deskews and retries) reads a small image, not the selfie: skew
    beyond ~3 degrees defeats the one-pass read of the whole frame.
    """
    import cv2
    import numpy as np

    small = _scaled(grey, DETECT_MAX_SIDE) if small is None else small
    scale = small.shape[1] / grey.shape[1]
    gx = np.abs(cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3))
    gy = np.abs(cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3))
    bar_edges = ((gx > BAR_EDGE_GRADIENT) & (gx > 2 * gy)).astype(np.float32)
    dense = (cv2.blur(bar_edges, (9, 9)) > BAR_EDGE_DENSITY).astype(np.uint8)
    closed = cv2.morphologyEx(dense, cv2.MORPH_CLOSE, np.ones((5, 9), np.uint8))
    blobs = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(blobs, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    frame = small.shape[0] * small.shape[1]
    crops = []
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:MAX_BARCODE_CROPS]:
        (_, _), (w, h), _ = cv2.minAreaRect(contour)
        box = max(w * h, 1.0)
        aspect = max(w, h) / max(min(w, h), 1.0)
        if (
            box < BARCODE_MIN_AREA * frame
            or cv2.contourArea(contour) < BARCODE_MIN_FILL * box
            or aspect > BARCODE_MAX_ASPECT
        ):
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        margin = 0.15 * max(bw, bh)
        x0, y0 = max(0, int((x - margin) / scale)), max(0, int((y - margin) / scale))
        x1 = min(grey.shape[1], int((x + bw + margin) / scale))
        y1 = min(grey.shape[0], int((y + bh + margin) / scale))
        crops.append(np.ascontiguousarray(grey[y0:y1, x0:x1]))
    return crops


def text_bands(
    small: np.ndarray, scale: float = 1.0, min_length: float = MIN_BAND_LENGTH
) -> list[Band]:
    """Long, thin bands of dense vertical strokes (text lines) of a grey image that is `scale`
    times the source, longest first, in source pixels.

    Black-hat keeps dark strokes narrower than the kernel (characters, not shadows or hair);
    the horizontal gradient keeps vertical strokes; a horizontal closing joins the characters
    of one line without joining the line below (MRZ lines are ~1.5 character heights apart).
    """
    import cv2
    import numpy as np

    long_side = max(small.shape[:2])
    blackhat = cv2.morphologyEx(
        small, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3))
    )
    gradient = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=-1))
    gradient = (255.0 * gradient / max(float(gradient.max()), 1e-6)).astype(np.uint8)
    closed = cv2.morphologyEx(
        gradient, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 3))
    )
    _, mask = cv2.threshold(closed, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Long vertical edges (a card's border, a door frame) would join every line they touch
    # into one blob: drop whatever is taller than any text line.
    tall = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, long_side // 25)))
    mask = cv2.subtract(mask, cv2.morphologyEx(mask, cv2.MORPH_OPEN, tall))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    bands = []
    for contour in contours:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h, angle = h, w, angle + 90.0
        if h < MIN_BAND_HEIGHT or w < min_length * long_side or w < MIN_BAND_ASPECT * h:
            continue
        bands.append(Band((cx / scale, cy / scale), (w / scale, h / scale), angle))
    return sorted(bands, key=lambda b: b.size[0], reverse=True)


def cut_band(grey: np.ndarray, band: Band) -> np.ndarray | None:
    """The band cut out upright from the full-resolution grey image, BAND_LINE_HEIGHT px high.

    Widened a little along and across the line: the morphology trims the outer strokes.
    """
    import cv2

    (cx, cy), (w, h) = band.center, band.size
    w, h = w + 1.0 * h, h * 1.6
    factor = BAND_LINE_HEIGHT / max(h, 1.0)
    out_w, out_h = int(w * factor), int(h * factor)
    if out_w < 40 or out_h < 10:
        return None
    rotation = cv2.getRotationMatrix2D((cx, cy), band.angle, factor)
    rotation[0, 2] += out_w / 2 - cx
    rotation[1, 2] += out_h / 2 - cy
    return cv2.warpAffine(
        grey, rotation, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def is_mrz_line(text: str) -> bool:
    """Whether OCR text reads like one MRZ line: long, MRZ characters, with `<` fillers."""
    from kyc.documents.mrz import normalise_line

    line = normalise_line(text)
    return len(line) >= MRZ_LINE_MIN_CHARS and line.count("<") >= MRZ_LINE_MIN_FILLERS


def _scaled(grey: np.ndarray, max_side: int) -> np.ndarray:
    import cv2

    height, width = grey.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale >= 1.0:
        return grey
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
