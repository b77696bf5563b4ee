"""Results of the selfie check. Pydantic and stdlib only: these cross into workflows."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

FaceResult = Literal["match", "no_match", "inconclusive"]


class SelfieCheck(BaseModel):
    """Document portrait vs selfie. `status` is inconclusive inside the review band."""

    status: Literal["verified", "unverified", "inconclusive"]
    error_code: str | None = None
    error_reason: str | None = None
    result: FaceResult | None = None
    distance: float | None = None
    threshold: float | None = None
    model: str = "Dlib"
    portrait_key: str | None = None  # object key of the portrait crop kept for reviewers
    liveness: Literal["not_available", "passed", "failed"] = "not_available"
    duplicate_of: str | None = None  # session id of a verified session of another identity
