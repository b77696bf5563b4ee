"""A stack to run clients against (benchmarks, end-to-end checks): the one `kyc dev` runs in a
state dir if there is one, else a new embedded stack in a temporary dir, stopped afterwards."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kyc.dev.components import DEV_KEYS_FILE, isolated_settings, read_stack
from kyc.dev.stack import DevStack, Say, say_line
from kyc.settings import Settings


@dataclass
class StackHandle:
    """A stack to run clients against (benchmarks, tests): URLs, keys, and who owns it."""

    settings: Settings
    api_url: str
    secret_key: str
    reviewer_key: str
    worker_pid: int | None
    owned: DevStack | None  # set when we started it (and so must stop it)
    children: dict[str, int] = field(default_factory=dict)  # component -> pid (benchmarks' CPU)


@contextmanager
def open_stack(
    state_dir: Path | None, *, with_worker: bool = True, say: Say = say_line
) -> Iterator[StackHandle]:
    """The stack `kyc dev` runs in `state_dir` if there is one, else a new one in a temp dir."""
    info = read_stack(state_dir) if state_dir is not None else None
    if state_dir is not None and info is not None and info.get("ready"):
        keys = json.loads((state_dir / DEV_KEYS_FILE).read_text())
        say(f"using the running stack of {state_dir} ({info['api_url']})")
        yield StackHandle(
            Settings.load(state_dir),
            info["api_url"],
            keys["secret_key"],
            keys["reviewer_key"],
            info.get("children", {}).get("worker"),
            None,
            dict(info.get("children", {})),
        )
        return
    with tempfile.TemporaryDirectory(prefix="kyc-stack-") as tmp:
        stack = DevStack(isolated_settings(Path(tmp)), say=say, with_worker=with_worker)
        try:
            stack.start()
            assert stack.keys is not None
            worker = stack.children.get("worker")
            yield StackHandle(
                stack.settings,
                stack.settings.resolved_public_url,
                stack.keys.secret_key,
                stack.keys.reviewer_key,
                worker.pid if worker else None,
                stack,
                {name: child.pid for name, child in stack.children.items() if child.pid},
            )
        finally:
            stack.stop()
