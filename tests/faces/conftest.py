"""Session fixtures: one engine on a temporary DEEPFACE_HOME, each labelled image embedded once."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from kyc.faces.engine import FaceEmbedding, FaceEngine, get_engine
from tests.conftest import shared_path


@dataclass(frozen=True)
class LabelledPair:
    img_a: str
    img_b: str
    same: bool


@pytest.fixture(scope="session")
def deepface_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deepface_home")


@pytest.fixture(scope="session")
def engine(deepface_home: Path) -> FaceEngine:
    return get_engine(deepface_home)


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    return shared_path("faces")


@pytest.fixture(scope="session")
def labelled_pairs(faces_dir: Path) -> list[LabelledPair]:
    with (faces_dir / "pairs.csv").open(newline="") as f:
        return [LabelledPair(r["img_a"], r["img_b"], r["same"] == "1") for r in csv.DictReader(f)]


@pytest.fixture(scope="session")
def image_names(labelled_pairs: list[LabelledPair]) -> list[str]:
    return sorted({p.img_a for p in labelled_pairs} | {p.img_b for p in labelled_pairs})


@pytest.fixture(scope="session")
def embeddings(
    engine: FaceEngine, faces_dir: Path, image_names: list[str]
) -> dict[str, FaceEmbedding]:
    """Every labelled image embedded once, as a selfie (the strictest role)."""
    import cv2

    result = {}
    for name in image_names:
        image = cv2.imread(str(faces_dir / name))
        assert image is not None, name
        result[name] = engine.embed(image, "selfie")
    return result


def read_image(faces_dir: Path, name: str) -> np.ndarray:
    """A labelled image, BGR."""
    import cv2

    image = cv2.imread(str(faces_dir / "images" / name))
    assert image is not None, name
    return image
