"""An uploaded image (ours: Stripe takes files through its own Files API)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from kyc.contracts import FilePurpose


class FilePublic(BaseModel):
    id: str
    object: Literal["file"] = "file"
    purpose: FilePurpose
    verification_session: str
    size: int
    type: str  # "jpeg" | "png" | "webp"
    content_type: str
    width: int
    height: int
    created: int
    livemode: bool = False
