"""Landmark alignment: five dlib landmarks -> a face chip of the model's input size.

This is how face_recognition feeds dlib's ResNet: `dlib.get_face_chip` rotates, scales and
crops around the eyes and nose so the network sees the face as it was trained on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from kyc.faces.detect import DetectedFace

CHIP_PADDING = 0.25  # dlib's default; compute_face_descriptor uses the same 150 px / 0.25 chip
# Variance of the Laplacian of the grey 150 px chip. The sharpest labelled faces score
# hundreds; a Gaussian blur of sigma 4 on a 300 px face brings them under 15 (docs/faces.md).
MIN_SHARPNESS = 15.0


def align_face(
    image: np.ndarray, face: DetectedFace, shape_predictor: Any, size: int
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The face chip (BGR uint8, size x size) aligned on five landmarks, and the landmarks
    (source-image pixels) for the pose gate."""
    import dlib

    rect = dlib.rectangle(face.left, face.top, face.right, face.bottom)
    landmarks = shape_predictor(image, rect)
    chip: np.ndarray = dlib.get_face_chip(image, landmarks, size=size, padding=CHIP_PADDING)
    points = [(float(landmarks.part(i).x), float(landmarks.part(i).y)) for i in range(5)]
    return chip, points


def sharpness(chip: np.ndarray) -> float:
    """Variance of the Laplacian over the chip: low means blurred (or upscaled) detail."""
    import cv2

    grey = cv2.cvtColor(chip, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())
