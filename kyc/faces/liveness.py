"""Presentation-attack detection (liveness) behind one small interface.

What exists: DeepFace's Fasnet (MiniFASNet, two passive single-image models). No installed
package ships its weights, so it runs only where an operator has placed them in
$DEEPFACE_HOME/.deepface/weights/ (file names per DeepFace backend below). Everywhere else the
result is `not_available` with a reason: never a made-up score. Passive single-frame checks
catch printed photos and screens held to the camera; they do not catch masks, deepfakes
injected into the video stream, or replayed captures (that needs active challenges or
device attestation, which kycflow does not do).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from kyc.faces.weights import no_downloads, weights_dir

if TYPE_CHECKING:
    import numpy as np

    from kyc.faces.detect import DetectedFace

LivenessStatus = Literal["not_available", "passed", "failed"]

# Weight files DeepFace's Fasnet loads, per backend engine DeepFace runs on.
FASNET_WEIGHTS = {
    "pytorch": ("2.7_80x80_MiniFASNetV2.pth", "4_0_0_80x80_MiniFASNetV1SE.pth"),
    "onnx": ("2.7_80x80_MiniFASNetV2.onnx", "4_0_0_80x80_MiniFASNetV1SE.onnx"),
    "tensorflow": ("2.7_80x80_MiniFASNetV2.h5", "4_0_0_80x80_MiniFASNetV1SE.h5"),
}


@dataclass(frozen=True)
class LivenessResult:
    """`score` is the model's own real-face score, present only when a model ran."""

    status: LivenessStatus
    score: float | None = None
    model: str | None = None
    reason: str | None = None


class LivenessChecker(Protocol):
    """Judges whether the chosen face of a selfie is a live person."""

    def check(self, image: np.ndarray, face: DetectedFace) -> LivenessResult:
        """Liveness of `face` (source-image box) in the BGR `image`."""
        ...


@dataclass(frozen=True)
class UnavailableLiveness:
    """No liveness model configured: says so on every call."""

    reason: str

    def check(self, image: np.ndarray, face: DetectedFace) -> LivenessResult:
        """Always `not_available`, with the reason."""
        return LivenessResult(status="not_available", reason=self.reason)


class FasnetLiveness:
    """DeepFace's Fasnet anti-spoofing model (weights supplied by the operator)."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def check(self, image: np.ndarray, face: DetectedFace) -> LivenessResult:
        """Run both MiniFASNet models on the face; `passed` when DeepFace calls it real."""
        box = (face.left, face.top, face.width, face.height)
        is_real, score = self._model.analyze(img=image, facial_area=box)
        return LivenessResult(
            status="passed" if is_real else "failed", score=float(score), model="Fasnet"
        )


def liveness_checker(deepface_home: Path) -> LivenessChecker:
    """Fasnet when its weights are present for DeepFace's backend, else `not_available`.

    DEEPFACE_HOME must already point at `deepface_home` (FaceEngine sets it).
    """
    try:
        from deepface.commons.backend_utils import get_backend_engine

        backend = get_backend_engine()
    except ImportError:  # DeepFace before 0.0.100 ran on TensorFlow only
        backend = "tensorflow"
    files = FASNET_WEIGHTS.get(backend, ())
    missing = [name for name in files if not (weights_dir(deepface_home) / name).is_file()]
    if not files or missing:
        expected = ", ".join(files) or "a supported backend"
        return UnavailableLiveness(
            f"no anti-spoofing weights for DeepFace's {backend} backend "
            f"(expected {expected} in {weights_dir(deepface_home)})"
        )
    try:
        from deepface.modules.modeling import build_model

        with no_downloads():
            model = build_model(task="spoofing", model_name="Fasnet")
    except Exception as err:  # a corrupt or mismatched weight file must not fail matching
        return UnavailableLiveness(f"anti-spoofing model failed to load: {type(err).__name__}")
    return FasnetLiveness(model)
