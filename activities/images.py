"""capture / extract / match: CPU-bound activities on the `kyc-ml` queue (sync, thread pool).

Images are read from and written to object storage, encrypted with the session's data key;
only keys and SHA-256 digests travel through Temporal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import Any

import cv2
import numpy as np
from temporalio import activity

from activities.errors import domain_errors
from kyc import images
from kyc.contracts import ActivityName
from kyc.crypto import SealedStore
from kyc.errors import ImageRejected
from kyc.faces.presentation import SelfieAttack
from kyc.types import (
    CapturedImage,
    CaptureInput,
    CaptureResult,
    DocumentCheck,
    ExtractInput,
    MatchInput,
    SelfieCheck,
)


@dataclass(eq=False)  # identity hash: the worker registers bound methods
class ImageActivities:
    """Activities over a session's images. Engines are injected so tests can pass their own."""

    sealed: SealedStore
    _: KW_ONLY
    max_pixels: int
    min_side: int
    check_document: Callable[[np.ndarray], None]
    check_selfie: Callable[[np.ndarray], None]
    extract_document: Callable[..., DocumentCheck]
    match_faces: Callable[[np.ndarray, np.ndarray], Any]
    duplicate_check: Callable[[MatchInput, list[float]], str | None] | None = None

    @activity.defn(name=ActivityName.CAPTURE)
    @domain_errors
    def capture(self, input: CaptureInput) -> CaptureResult:
        """Decode, orient and quality-check each file; store the normalised images."""
        result: dict[str, CapturedImage] = {}
        for purpose, stored in input.submission.files.items():
            activity.heartbeat(purpose)
            data = self.sealed.get(input.session_id, stored.key)
            if hashlib.sha256(data).hexdigest() != stored.sha256:
                raise ImageRejected(
                    f"The {purpose} file changed after upload; upload it again.",
                    code="file_corrupt",
                )
            image = images.decode(data, max_pixels=self.max_pixels, min_side=self.min_side)
            if purpose == "selfie":
                self.check_selfie(image)
            else:
                self.check_document(image)
            png = images.encode_png(image)
            key = self.sealed.put(input.session_id, f"attempts/{input.attempt}/{purpose}.png", png)
            result[purpose] = CapturedImage(
                key=key,
                sha256=hashlib.sha256(png).hexdigest(),
                width=image.shape[1],
                height=image.shape[0],
            )
        return CaptureResult(images=result)  # type: ignore[arg-type]

    @activity.defn(name=ActivityName.EXTRACT)
    @domain_errors
    def extract(self, input: ExtractInput) -> DocumentCheck:
        """Read the document (MRZ, barcode, printed fields) and apply the document rules."""
        front = self._load(input.session_id, input.front)
        back = self._load(input.session_id, input.back) if input.back else None
        activity.heartbeat("extracting")
        return self.extract_document(front, back, rules=input.rules, engine=input.engine)

    @activity.defn(name=ActivityName.MATCH)
    @domain_errors
    def match(self, input: MatchInput) -> SelfieCheck:
        """Compare the document portrait with the selfie; keep the portrait crop for reviewers."""
        if input.document.sha256 == input.selfie.sha256:
            # The same file uploaded twice: refused before any model runs.
            raise SelfieAttack(
                "selfie_is_document",
                "the selfie is the document image itself; take a photo of your face",
            )
        document = self._load(input.session_id, input.document)
        selfie = self._load(input.session_id, input.selfie)
        activity.heartbeat("matching")
        outcome = self.match_faces(document, selfie)
        check: SelfieCheck = outcome.check
        # Beside the selfie of the same attempt: sessions/<id>/attempts/<n>/portrait.jpg
        attempt_dir = input.selfie.key.removeprefix(SealedStore.prefix(input.session_id))
        portrait_key = self.sealed.put(
            input.session_id,
            attempt_dir.rsplit("/", 1)[0] + "/portrait.jpg",
            images.encode_jpeg(outcome.portrait),
        )
        check = check.model_copy(update={"portrait_key": portrait_key})
        if self.duplicate_check is not None and check.status == "verified":
            duplicate = self.duplicate_check(input, list(outcome.selfie_embedding))
            if duplicate:
                check = check.model_copy(update={"duplicate_of": duplicate})
        return check

    def _load(self, session_id: str, image: CapturedImage) -> np.ndarray:
        data = self.sealed.get(session_id, image.key)
        if hashlib.sha256(data).hexdigest() != image.sha256:
            raise ImageRejected("A stored image failed its integrity check.", code="file_corrupt")
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            raise ImageRejected("A stored image could not be decoded.", code="file_corrupt")
        return decoded
