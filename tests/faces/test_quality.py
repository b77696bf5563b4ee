"""The landmark pose gate: geometry on synthetic landmarks, wiring on real photos."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import pytest

from kyc.faces import quality
from kyc.faces.detect import SelfieRejected
from kyc.faces.engine import FaceEmbedding, FaceEngine
from kyc.faces.quality import MAX_YAW_RATIO, Pose, pose_from_landmarks, turned_reason

# Frontal: eye midpoints 60 px apart, the nose base centred 40 px below them.
FRONTAL = [(100.0, 100.0), (120.0, 100.0), (160.0, 100.0), (180.0, 100.0), (140.0, 140.0)]


def test_frontal_face_has_no_yaw() -> None:
    pose = pose_from_landmarks(FRONTAL)
    assert pose.yaw == pytest.approx(0.0)
    assert abs(pose.pitch) == pytest.approx(40 / 60)  # eye midpoints 60 px apart
    assert turned_reason(pose) is None


def test_nose_toward_one_eye_is_a_turn_whatever_the_roll() -> None:
    turned = [*FRONTAL[:4], (140.0 + 0.3 * 60, 140.0)]
    assert pose_from_landmarks(turned).yaw == pytest.approx(0.3)
    # Rolling the whole face by 30 degrees changes nothing: the ratios are along the eye line.
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    rolled = [(x * c - y * s, x * s + y * c) for x, y in turned]
    assert pose_from_landmarks(rolled).yaw == pytest.approx(0.3)
    reason = turned_reason(pose_from_landmarks(rolled))
    assert reason is not None and f"> {MAX_YAW_RATIO}" in reason


def test_malformed_landmarks_are_refused() -> None:
    with pytest.raises(ValueError, match="5 landmarks"):
        pose_from_landmarks(FRONTAL[:4])


def test_labelled_photos_are_well_inside_the_gate(embeddings: dict[str, FaceEmbedding]) -> None:
    poses = [e.pose for e in embeddings.values()]
    assert all(isinstance(p, Pose) for p in poses)
    assert max(abs(p.yaw) for p in poses if p) <= MAX_YAW_RATIO / 1.5


def test_the_gate_refuses_a_real_selfie_with_its_reason(
    engine: FaceEngine,
    faces_dir: Path,
    embeddings: dict[str, FaceEmbedding],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The most turned labelled photo, under a gate tightened just below its yaw."""
    name, most = max(embeddings.items(), key=lambda kv: abs(kv[1].pose.yaw if kv[1].pose else 0))
    assert most.pose is not None
    monkeypatch.setattr(quality, "MAX_YAW_RATIO", abs(most.pose.yaw) - 0.01)
    with pytest.raises(SelfieRejected) as caught:
        engine.embed(cv2.imread(str(faces_dir / name)), "selfie")
    assert caught.value.reason == "face_turned"
    assert caught.value.code == "selfie_unverified_other"
    assert caught.value.message.startswith("face_turned: head turned")
    # A document portrait is not gated on pose: the document is what it is.
    assert engine.embed(cv2.imread(str(faces_dir / name)), "document").pose is not None
