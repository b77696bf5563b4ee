"""The holder's portrait cut from a document image, kept for the reviewer."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from kyc.faces.detect import DetectedFace

# Margins around the detector box (which covers brows to chin) as fractions of its size,
# so the crop shows the head and shoulders the way the printed portrait does.
MARGIN_SIDE = 0.5
MARGIN_TOP = 0.8
MARGIN_BOTTOM = 0.6


def crop_portrait(document: np.ndarray, face: DetectedFace) -> np.ndarray:
    """A copy of the portrait region around `face`, clipped to the document."""
    height, width = document.shape[:2]
    left = max(0, round(face.left - MARGIN_SIDE * face.width))
    right = min(width, round(face.right + MARGIN_SIDE * face.width))
    top = max(0, round(face.top - MARGIN_TOP * face.height))
    bottom = min(height, round(face.bottom + MARGIN_BOTTOM * face.height))
    return document[top:bottom, left:right].copy()
