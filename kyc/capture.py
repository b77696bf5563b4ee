"""Capture prechecks: would the capture activity refuse this photo? Asked of each photo as the
person takes it (the hosted page), so a blurry or glary photo is retaken before submission.
Nothing is stored.

The same checks as the `capture` activity (`kyc.images`, `kyc.documents.quality`) plus, for a
selfie, that it shows exactly one usable face (dlib's HOG detector, ~0.1 s).
"""

from __future__ import annotations

import threading
from typing import Any

from kyc import images
from kyc.errors import KycError

FACE_MESSAGES = {
    "no_face": "We could not find a face: face the camera in good light and retake the selfie.",
    "multiple_faces": "More than one face is in the photo: make sure only you are in the frame.",
    "face_too_small": "Your face is too small in the photo: hold the camera closer and retake it.",
    "face_too_blurry": "Your face is blurred: hold the camera still and retake the selfie.",
}


class CapturePrecheck:
    """One per process: it owns a face detector, loaded on first use."""

    def __init__(self, *, max_bytes: int, max_pixels: int, min_side: int) -> None:
        self._max_bytes = max_bytes
        self._limits = {"max_pixels": max_pixels, "min_side": min_side}
        self._detector: Any = None
        self._lock = threading.Lock()  # dlib's detector is not documented as thread-safe

    def problem(self, purpose: str, data: bytes) -> tuple[str, str] | None:
        """(public code, actionable message) when the photo would be refused, else None.

        Input that is no usable image file (too big, empty, not an image, a bomb, corrupt)
        raises its typed error instead, a 413/400 as the files endpoint answers: the size and
        header are checked before anything is decoded."""
        from kyc.documents.quality import check_document_image, check_selfie_image

        images.inspect(data, max_bytes=self._max_bytes, **self._limits)
        image = images.decode(data, **self._limits)
        try:
            if purpose == "selfie":
                check_selfie_image(image)
                reason = self._face_problem(image)
                if reason:
                    return "selfie_unverified_other", FACE_MESSAGES[reason]
            else:
                check_document_image(image)
        except KycError as exc:
            return exc.code, exc.message
        return None

    def _face_problem(self, image: Any) -> str | None:
        """Why the selfie shows no single usable face, or None."""
        import dlib

        from kyc.faces.detect import SelfieRejected, choose_face, detect_faces

        with self._lock:
            if self._detector is None:
                self._detector = dlib.get_frontal_face_detector()
            faces = detect_faces(image, self._detector)
        try:
            choose_face(faces, "selfie")
        except SelfieRejected as exc:
            return exc.reason
        return None
