"""Selfie quality gates that need the landmarks: a strongly turned head.

The 5-point landmarks (two corners per eye, the base of the nose) give a yaw estimate for free:
the nose base's offset from the eye midpoint along the eye line, over the eye distance. A
frontal face sits near 0; turning the head moves the nose toward one eye. On the 56 labelled
photos of ../shared/data/faces |yaw| <= 0.146 (docs/faces.md); MAX_YAW_RATIO leaves 1.7x
that. Beyond it the embedding describes a profile the document portrait never shows, so the
selfie is refused with a reason instead of scoring low.

Not gated (and why): closed eyes and a partly covered face need eyelid/mouth landmarks; dlib's
68-point model is trained on iBUG 300-W, whose licence excludes commercial use, and no
labelled closed-eye or occluded photo is available to choose a threshold on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_YAW_RATIO = 0.25


@dataclass(frozen=True)
class Pose:
    """Dimensionless landmark ratios (multiples of the eye distance)."""

    yaw: float  # nose offset along the eye line; sign = direction of the turn in the image
    pitch: float  # nose offset across the eye line (sign follows the landmark order)


def pose_from_landmarks(points: Sequence[tuple[float, float]]) -> Pose:
    """Pose ratios from dlib's five landmarks: eye corners 0-1 and 2-3, nose base 4."""
    if len(points) != 5:
        raise ValueError(f"expected 5 landmarks, got {len(points)}")
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), (xn, yn) = points
    ax, ay = (x0 + x1) / 2, (y0 + y1) / 2
    bx, by = (x2 + x3) / 2, (y2 + y3) / 2
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:
        raise ValueError("both eyes at the same point")
    nx, ny = xn - (ax + bx) / 2, yn - (ay + by) / 2
    return Pose(yaw=(nx * dx + ny * dy) / length2, pitch=(dx * ny - dy * nx) / length2)


def turned_reason(pose: Pose) -> str | None:
    """Why the face is too turned to compare, or None."""
    if abs(pose.yaw) > MAX_YAW_RATIO:
        return f"head turned: yaw ratio {abs(pose.yaw):.2f} > {MAX_YAW_RATIO}; face the camera"
    return None
