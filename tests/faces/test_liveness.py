"""Liveness says `not_available` unless a model really ran: no made-up scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyc.faces.engine import FaceEngine
from kyc.faces.liveness import FASNET_WEIGHTS, UnavailableLiveness, liveness_checker
from kyc.faces.weights import weights_dir
from tests.faces.compose import astronaut_selfie


def test_without_weights_liveness_is_not_available(engine: FaceEngine) -> None:
    selfie = astronaut_selfie()
    result = engine.liveness.check(selfie, engine.embed(selfie, "selfie").face)
    assert result.status == "not_available"
    assert result.score is None
    assert result.reason is not None and "no anti-spoofing weights" in result.reason


def test_corrupt_weights_do_not_produce_a_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deepface.commons.backend_utils import get_backend_engine

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    target = weights_dir(tmp_path)
    target.mkdir(parents=True)
    for name in FASNET_WEIGHTS[get_backend_engine()]:
        (target / name).write_bytes(b"not a model")
    checker = liveness_checker(tmp_path)
    assert isinstance(checker, UnavailableLiveness)
    assert checker.reason.startswith("anti-spoofing model failed to load")
