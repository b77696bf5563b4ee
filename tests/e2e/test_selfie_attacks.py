"""The cheapest selfie attack on the real stack: the passport photo uploaded as the selfie."""

from __future__ import annotations

import pytest

from .conftest import Stack

pytestmark = pytest.mark.e2e


def test_the_passport_submitted_as_the_selfie_requires_input(stack: Stack) -> None:
    created = stack.client.create_session(selfie=True, screening=False, metadata={"test": "e2e"})
    session_id: str = created["id"]
    stack.client.upload(session_id, "document_front", stack.document, "passport.jpg")
    stack.client.upload(session_id, "selfie", stack.document, "selfie.jpg")
    assert stack.client.submit(session_id)["status"] == "processing"
    final = stack.client.follow(session_id, timeout=240)
    assert final["status"] == "requires_input", final
    error = final["last_error"]
    assert error["code"] == "selfie_manipulated", error
    assert error["reason"].startswith("selfie_is_document"), error
