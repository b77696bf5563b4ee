"""Face detection and the rule that chooses exactly one face per image.

dlib's HOG detector runs on a copy scaled down to at most DETECT_MAX_SIDE px (never padded
or enlarged: DeepFace's `align=True` pads to 4x the area before detecting, which is what made
it ~1.3 s per image), upsampled once so faces from ~40 px at that scale are found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from kyc.errors import SelfieDocumentMissingPhoto, SelfieUnverified

if TYPE_CHECKING:
    import numpy as np

Role = Literal["selfie", "document"]
SelfieReason = Literal[
    "no_face", "multiple_faces", "face_too_small", "face_too_blurry", "face_turned"
]

DETECT_MAX_SIDE = 640  # px; detection cost grows with area, 640 finds every face in the data
# Second pass when the first finds no confident face in a downscaled image: a document
# photographed whole at 12 MP has a portrait of ~1/25 of its width, too small at 640 px.
DETECT_RETRY_MAX_SIDE = 1280
DETECT_UPSAMPLE = 1  # one pyramid-up step: smallest face ~40 px at detection scale
DETECT_MIN_SCORE = 0.0  # dlib's own default decision threshold
# Detections scoring below this are weak (a badge on a suit scores ~0.1, the weakest real face
# in ../shared/data/faces 0.4): they are used only when no confident face exists, and never
# make a selfie ambiguous next to a confident face.
CONFIDENT_SCORE = 0.3
# A second face at least this fraction of the largest face's area makes a selfie ambiguous.
# A document held next to the face (portrait ~10 % of the face's area) stays below it.
COMPARABLE_AREA_RATIO = 0.4
MIN_FACE_PX = 60  # detector box side in source pixels; below it the 150 px chip is mostly upscaling


class SelfieRejected(SelfieUnverified):
    """`selfie_unverified_other` with a machine-readable `reason` (no_face, multiple_faces...);
    the message starts with the reason, so `last_error.reason` carries it."""

    def __init__(self, reason: SelfieReason, message: str) -> None:
        super().__init__(f"{reason}: {message}", param="selfie")
        self.reason: SelfieReason = reason


@dataclass(frozen=True)
class DetectedFace:
    """A face box in source-image pixels with dlib's detection score."""

    left: int
    top: int
    right: int
    bottom: int
    score: float

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def side(self) -> float:
        return float(self.area) ** 0.5


def detect_faces(image: np.ndarray, detector: Any) -> list[DetectedFace]:
    """Faces of a BGR image, largest first, in source-image coordinates.

    Detects at DETECT_MAX_SIDE; when that finds no confident face and the image is larger,
    once more at DETECT_RETRY_MAX_SIDE (so small faces cost time only when needed).
    """
    faces = detect_at_scale(image, detector, DETECT_MAX_SIDE)
    if (
        not any(f.score >= CONFIDENT_SCORE for f in faces)
        and max(image.shape[:2]) > DETECT_MAX_SIDE
    ):
        faces = detect_at_scale(image, detector, DETECT_RETRY_MAX_SIDE)
    return faces


def detect_at_scale(image: np.ndarray, detector: Any, max_side: int) -> list[DetectedFace]:
    """One detection pass on a copy scaled down to at most `max_side` px, largest first."""
    import cv2
    import numpy as np

    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    small = image
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    rgb = np.ascontiguousarray(small[:, :, ::-1])
    rects, scores, _ = detector.run(rgb, DETECT_UPSAMPLE, DETECT_MIN_SCORE)
    faces = [
        DetectedFace(
            left=max(0, round(r.left() / scale)),
            top=max(0, round(r.top() / scale)),
            right=min(width, round(r.right() / scale)),
            bottom=min(height, round(r.bottom() / scale)),
            score=float(s),
        )
        for r, s in zip(rects, scores, strict=True)
    ]
    faces = [f for f in faces if f.width > 0 and f.height > 0]
    return sorted(faces, key=lambda f: f.area, reverse=True)


def choose_face(faces: list[DetectedFace], role: Role) -> DetectedFace:
    """The one face an image is judged by: the largest confident face (`faces` largest first).

    A selfie must show one person: a second face of comparable size is an error rather than a
    guess. On a document the largest face is the holder's portrait; ghost images and secondary
    portraits are smaller and ignored.
    """
    if not faces:
        if role == "document":
            raise SelfieDocumentMissingPhoto("no face found on the document", param="document")
        raise SelfieRejected("no_face", "no face found in the selfie")
    confident = [f for f in faces if f.score >= CONFIDENT_SCORE]
    candidates = confident or faces
    largest = candidates[0]
    comparable = [f for f in candidates[1:] if f.area >= COMPARABLE_AREA_RATIO * largest.area]
    if role == "selfie" and comparable:
        raise SelfieRejected(
            "multiple_faces", f"{len(comparable) + 1} faces of comparable size in the selfie"
        )
    if largest.side < MIN_FACE_PX:
        message = f"face is {largest.side:.0f} px, at least {MIN_FACE_PX} px needed"
        if role == "document":
            raise SelfieDocumentMissingPhoto(f"document portrait too small: {message}")
        raise SelfieRejected("face_too_small", message)
    return largest
