"""Model weights: provisioned from installed packages, never downloaded at run time."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# What dlib needs, shipped by the `face-recognition-models` package. Its 68-point predictor
# (95 MB) and the MMOD CNN detector are not used, so they are not copied.
PROVISIONED_FILES = (
    "dlib_face_recognition_resnet_model_v1.dat",
    "shape_predictor_5_face_landmarks.dat",
)


class WeightsMissing(RuntimeError):
    """A model's weights are not in $DEEPFACE_HOME/.deepface/weights (we never download)."""


def weights_dir(deepface_home: Path) -> Path:
    """Where DeepFace looks for weights under a given DEEPFACE_HOME."""
    return Path(deepface_home) / ".deepface" / "weights"


def package_models_dir() -> Path:
    """The `models/` folder of face_recognition_models, found without importing it.

    (Its __init__ imports pkg_resources, which recent setuptools no longer provides.)
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsMissing("the face-recognition-models package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def provision_weights(deepface_home: Path) -> None:
    """Copy the dlib weight files into `$DEEPFACE_HOME/.deepface/weights/` where missing.

    Idempotent and safe against concurrent workers (copy to a temporary name, then rename).
    Sets no environment variable: `FaceEngine` sets DEEPFACE_HOME, which DeepFace reads when
    it builds a model.
    """
    target = weights_dir(deepface_home)
    target.mkdir(parents=True, exist_ok=True)
    source = package_models_dir()
    for name in PROVISIONED_FILES:
        src, dst = source / name, target / name
        if dst.is_file() and dst.stat().st_size == src.stat().st_size:
            continue
        if not src.is_file():
            raise WeightsMissing(f"{src} is missing from face-recognition-models")
        tmp = dst.with_name(f".{name}.{os.getpid()}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)


@contextmanager
def no_downloads() -> Iterator[None]:
    """Make DeepFace raise WeightsMissing instead of fetching weights from the internet.

    DeepFace's models call `weight_utils.download_weights_if_necessary(file_name, ...)`; while
    this is active, that call only returns files already in $DEEPFACE_HOME/.deepface/weights.
    """
    from deepface.commons import folder_utils, weight_utils

    original = weight_utils.download_weights_if_necessary

    def present_only(file_name: str, source_url: Any, *args: Any, **kwargs: Any) -> Any:
        target = weights_dir(Path(folder_utils.get_deepface_home())) / file_name
        if not target.is_file():
            raise WeightsMissing(f"{file_name} is not provisioned in {target.parent}")
        return original(file_name, source_url, *args, **kwargs)

    weight_utils.download_weights_if_necessary = present_only
    try:
        yield
    finally:
        weight_utils.download_weights_if_necessary = original
