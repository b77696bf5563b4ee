"""The match activity refuses a selfie whose stored file is the document's, before any model."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from activities.images import ImageActivities
from kyc.types import CapturedImage, MatchInput


class _NoStore:
    """Fails the test if the activity reads storage: the digests alone must decide."""

    def get(self, *args: Any) -> bytes:
        raise AssertionError("storage read before the digest check")


def _never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("an engine ran before the digest check")


def test_same_file_as_document_and_selfie_is_refused_without_models() -> None:
    acts = ImageActivities(
        _NoStore(),  # type: ignore[arg-type]
        max_pixels=10**8,
        min_side=100,
        check_document=_never,
        check_selfie=_never,
        extract_document=_never,
        match_faces=_never,
    )
    digest = "ab" * 32
    image = {"sha256": digest, "width": 1250, "height": 880}
    match = MatchInput(
        session_id="vs_1",
        platform_id="pl_1",
        document=CapturedImage(key="sessions/vs_1/attempts/1/document_front.png", **image),
        selfie=CapturedImage(key="sessions/vs_1/attempts/1/selfie.png", **image),
    )
    with pytest.raises(ApplicationError) as caught:
        acts.match(match)
    assert caught.value.type == "selfie_manipulated"
    assert caught.value.non_retryable
    assert caught.value.message.startswith("selfie_is_document")
