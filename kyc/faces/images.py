"""Reading image files for the CLI, calibration and benchmark (workers get decoded arrays)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def read_bgr(path: Path) -> np.ndarray:
    """Decode an image file to BGR uint8, EXIF-oriented (OpenCV applies the orientation tag)."""
    import cv2

    if not Path(path).is_file():
        raise ValueError(f"no such image file {path}")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot decode image {path}")
    return image
