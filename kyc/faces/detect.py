"""Face detection and the rule that chooses exactly one face per image.

dlib's HOG detector runs on a copy scaled down to at most DETECT_MAX_SIDE px (never padded
or enlarged: DeepFace's `align=True` pads to 4x the area before detecting, which is what made
it ~1.3 s per image), upsampled once so faces from ~40 px at that scale are found.

Most of that pass's time goes to the four largest pyramid levels, which only find faces under
~80 px. `large_faces` runs the same pass from the fifth level down, bit for bit (same level
images, same scores, boxes mapped back as dlib maps them); when it finds a lone large
confident face, nothing the small levels could add changes the choice, and they are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
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
# dlib's frontal detector scans a pyramid with steps of 5/6 (pyramid_down<6>); `run(img, 1)`
# first doubles the image as pyramid_down<2>'s pyramid_up does (bilinear). Levels 0-3 of that
# pyramid (77 % of the pass's pixels) are where faces under ~80 px at detection scale are found.
PYRAMID_STEP = 6
SMALL_FACE_LEVELS = 4
# px: height of the frontal detector's boxes on the level they are found on (widths differ
# between its five filters: 73 and 81 px seen)
DETECTOR_BOX_HEIGHT = 73
# A lone face at least this large (px at detection scale) settles the choice without the small
# levels. Boxes at detection scale are 36.5 * 1.2**level px tall: the small levels give boxes
# of <= 63 px (<= 4,420 px^2 with the widest filter), under 40 % of a 125 px face's area, so
# nothing they find can be comparable with it (multiple_faces) or be the largest; larger boxes
# come from the large levels, which the fast pass has searched. 125 sits between the box sizes
# of levels 6 (109 px) and 7 (131 px).
FAST_PASS_MIN_SIDE = 125
# On a document only the largest confident face counts (no "comparable" rule, the ghost image
# is ignored): the large levels settle it from this side, above any small-level box (<= 66 px
# side) and overlapping one by at most 44 % of its area, so another detection of the same
# face on a small level cannot take its place.
DOCUMENT_FAST_PASS_MIN_SIDE = 100
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


def detect_faces(image: np.ndarray, detector: Any, role: Role = "selfie") -> list[DetectedFace]:
    """Faces of a BGR image, largest first, in source-image coordinates.

    Detects at DETECT_MAX_SIDE, first on the large pyramid levels only (`large_faces`), which
    settles a lone large confident face; otherwise on every level; when that finds no
    confident face and the image is larger, once more at DETECT_RETRY_MAX_SIDE (so small
    faces cost time only when needed).
    """
    rgb, scale = _detection_copy(image, DETECT_MAX_SIDE)  # one copy for both passes
    large = _large_levels(image, rgb, scale, detector)
    if large is not None and _settled(large, scale, role):
        return large
    faces = _all_levels(image, rgb, scale, detector)
    if (
        not any(f.score >= CONFIDENT_SCORE for f in faces)
        and max(image.shape[:2]) > DETECT_MAX_SIDE
    ):
        faces = detect_at_scale(image, detector, DETECT_RETRY_MAX_SIDE)
    return faces


def _settled(faces: list[DetectedFace], scale: float, role: Role = "selfie") -> bool:
    """Whether the large levels alone decide `choose_face`. Selfie: exactly one detection,
    confident, of at least FAST_PASS_MIN_SIDE px at detection scale; any second detection sends
    the image to the full pass, so "comparable" is always judged with every level's boxes.
    Document: a largest confident face of at least DOCUMENT_FAST_PASS_MIN_SIDE px."""
    if role == "document":
        confident = [f for f in faces if f.score >= CONFIDENT_SCORE]
        return bool(confident) and confident[0].side * scale >= DOCUMENT_FAST_PASS_MIN_SIDE
    return (
        len(faces) == 1
        and faces[0].score >= CONFIDENT_SCORE
        and faces[0].side * scale >= FAST_PASS_MIN_SIDE
    )


def detect_at_scale(image: np.ndarray, detector: Any, max_side: int) -> list[DetectedFace]:
    """One detection pass on a copy scaled down to at most `max_side` px, largest first."""
    return _all_levels(image, *_detection_copy(image, max_side), detector)


def _all_levels(
    image: np.ndarray, rgb: np.ndarray, scale: float, detector: Any
) -> list[DetectedFace]:
    rects, scores, _ = detector.run(rgb, DETECT_UPSAMPLE, DETECT_MIN_SCORE)
    return _in_source_pixels(image, scale, zip(rects, scores, strict=True))


def large_faces(image: np.ndarray, detector: Any) -> list[DetectedFace] | None:
    """What `detect_at_scale(image, detector, DETECT_MAX_SIDE)` finds on the pyramid levels
    from SMALL_FACE_LEVELS on, at ~40 % of its cost; None if a box cannot be mapped exactly.

    The level images are built as dlib builds them (double, then SMALL_FACE_LEVELS steps
    down), so scores are identical; a box found on level j of that image is mapped to the
    doubled image over j + SMALL_FACE_LEVELS levels in one go, rounding once as dlib does.
    Detections the small levels would add (or suppress by overlap) are not seen.
    """
    return _large_levels(image, *_detection_copy(image, DETECT_MAX_SIDE), detector)


def _large_levels(
    image: np.ndarray, rgb: np.ndarray, scale: float, detector: Any
) -> list[DetectedFace] | None:
    import dlib

    double, step = dlib.pyramid_down(2), dlib.pyramid_down(PYRAMID_STEP)
    doubled = double.rect_up(dlib.rectangle(0, 0, rgb.shape[1] - 1, rgb.shape[0] - 1))
    level = dlib.resize_image(rgb, doubled.bottom() + 1, doubled.right() + 1)
    for _ in range(SMALL_FACE_LEVELS):
        level = step(level)
    rects, scores, _ = detector.run(level, 0, DETECT_MIN_SCORE)
    found = []
    for rect, score in zip(rects, scores, strict=True):
        # The level a box came from: the one where it has the detector's box height.
        levels = [
            j
            for j in range(32)
            if (box := step.rect_down(rect, j)).height() == DETECTOR_BOX_HEIGHT
            and step.rect_up(box, j) == rect
        ]
        if len(levels) != 1:
            return None
        j = levels[0]
        box = step.rect_up(step.rect_down(rect, j), j + SMALL_FACE_LEVELS)
        found.append((double.rect_down(box), score))
    return _in_source_pixels(image, scale, found)


def _detection_copy(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """An RGB copy scaled down to at most `max_side` px (dlib wants RGB), and its scale."""
    import cv2
    import numpy as np

    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    small = image
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(small[:, :, ::-1]), scale


def _in_source_pixels(
    image: np.ndarray, scale: float, detections: Iterable[tuple[Any, float]]
) -> list[DetectedFace]:
    """dlib rectangles at detection scale -> DetectedFace in source pixels, largest first."""
    height, width = image.shape[:2]
    faces = [
        DetectedFace(
            left=max(0, round(r.left() / scale)),
            top=max(0, round(r.top() / scale)),
            right=min(width, round(r.right() / scale)),
            bottom=min(height, round(r.bottom() / scale)),
            score=float(s),
        )
        for r, s in detections
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
