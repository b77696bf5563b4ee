"""One size for every native thread pool of an ML worker (onnxruntime, OpenCV, BLAS/OpenMP,
torch), derived from the cores the worker is given and the ML activities it runs at once.

Each library otherwise sizes its pool to every core of the machine, so two concurrent ML
activities each ask for all the cores and the OS time-slices them against each other.
"""

from __future__ import annotations

import os
import sys

# OpenMP/BLAS read these once, when the library loads: set them before numpy or torch import.
_ENV_POOLS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_per_activity: int | None = None  # set by `limit_native_threads`; None = the libraries' own


def threads_per_activity(cores: int, concurrent_activities: int) -> int:
    """Native threads each ML activity may use so that together they fill `cores`, no more."""
    return max(1, cores // max(1, concurrent_activities))


def limit_native_threads(threads: int) -> None:
    """Size every native pool to `threads` (call once, early in the worker process)."""
    global _per_activity
    _per_activity = threads
    for name in _ENV_POOLS:
        os.environ[name] = str(threads)
    import cv2

    cv2.setNumThreads(threads)
    torch = sys.modules.get("torch")  # only when already loaded: importing it costs ~1 s
    if torch is not None:
        torch.set_num_threads(threads)


def onnxruntime_threads() -> dict[str, int]:
    """RapidOCR's onnxruntime session options for the configured size (empty: its default)."""
    if _per_activity is None:
        return {}
    return {
        "EngineConfig.onnxruntime.intra_op_num_threads": _per_activity,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }


def torch_threads() -> int | None:
    """The size for torch (EasyOCR) when it loads later, or None."""
    return _per_activity
