"""Media for the browser tests: a fake-camera video (YUV4MPEG2) and images from the specimens."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from kyc.documents.specimen import make_selfie, render_specimen_passport

FRAME_W, FRAME_H = 1280, 880  # even sides, as I420 needs
FPS = 1
SECONDS_PER_SCENE = 3
# The corner pixel tells the scenes apart in a captured photo: the passport's paper is bluish
# (blue > red), the selfie's backdrop warm grey (red > blue).
SELFIE_BACKDROP = (188, 196, 205)  # BGR


def _fit(image: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """`image` scaled to fit the frame, centred on `background` (BGR)."""
    h, w = image.shape[:2]
    scale = min(FRAME_W / w, FRAME_H / h)
    resized = cv2.resize(image, (int(w * scale) // 2 * 2, int(h * scale) // 2 * 2))
    frame = np.full((FRAME_H, FRAME_W, 3), background, np.uint8)
    top, left = (FRAME_H - resized.shape[0]) // 2, (FRAME_W - resized.shape[1]) // 2
    frame[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    return frame


def camera_scenes() -> tuple[np.ndarray, np.ndarray]:
    """The passport filling the frame, then the holder's selfie (BGR frames)."""
    passport, _truth = render_specimen_passport()
    paper = tuple(int(v) for v in passport[5, 5])
    return _fit(passport, paper), _fit(make_selfie(), SELFIE_BACKDROP)  # type: ignore[arg-type]


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    """A YUV4MPEG2 file (4:2:0) that Chromium's fake capture device plays in a loop."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{FRAME_W} H{FRAME_H} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def fake_camera_video(path: Path) -> Path:
    """Passport for SECONDS_PER_SCENE seconds, then the selfie as long, looping."""
    passport, selfie = camera_scenes()
    frames = [passport] * (SECONDS_PER_SCENE * FPS) + [selfie] * (SECONDS_PER_SCENE * FPS)
    return write_y4m(path, frames)


def jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(data.tobytes())


def blurred(image_jpeg: bytes) -> bytes:
    """The same photo out of focus: the capture quality check must refuse it as blurry."""
    image = cv2.imdecode(np.frombuffer(image_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return jpeg(cv2.GaussianBlur(image, (0, 0), 6))
