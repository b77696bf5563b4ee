"""The hosted capture page and the review console: static files, templates and the helpers
behind `api.routes.pages` (which `api.app` includes through `router` below)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # Lazy, so `api.routes.pages` may import this package's helpers without a cycle.
    if name == "router":
        from api.routes.pages import router

        return router
    raise AttributeError(name)
