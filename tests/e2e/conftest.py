"""One real stack per test session: dev server, SeaweedFS, SQLite, API and worker as processes.

`weed mini` opens fixed ports, so only one stack may run on a machine: the fixture skips when
those ports are taken, and every e2e test shares it.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from kyc import devstack
from kyc.demo import KycClient, specimen_images
from kyc.devstack_procs import port_in_use
from kyc.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    dev: devstack.DevStack
    client: KycClient  # the dev platform's secret key
    reviewer: KycClient  # its reviewer key
    document: bytes = field(repr=False)  # specimen passport page (JPEG)
    selfie: bytes = field(repr=False)  # selfie of the same fictional holder (JPEG)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if any(port_in_use("127.0.0.1", p) for p in devstack.WEED_FIXED_PORTS):
        pytest.skip("SeaweedFS's fixed ports are taken: another stack is running here")
    state = tmp_path_factory.mktemp("kyc-state")
    settings = Settings(
        state_dir=state,
        temporal_port=free_port(),
        temporal_ui_port=free_port(),
        s3_port=free_port(),
        api_port=free_port(),
    )
    dev = devstack.DevStack(settings, say=print)
    handle: Stack | None = None
    try:
        dev.start()
        keys = json.loads((state / devstack.DEV_KEYS_FILE).read_text())
        url = dev.settings.resolved_public_url
        client = KycClient(url, keys["secret_key"])
        reviewer = KycClient(url, keys["reviewer_key"])
        document, selfie = specimen_images()
        handle = Stack(dev, client, reviewer, document, selfie)
        yield handle
        client.close()
        reviewer.close()
    except devstack.DevStackError as exc:
        pytest.fail(f"the stack did not start: {exc}")
    finally:
        # A test may have restarted the stack: stop the one running now.
        (handle.dev if handle is not None else dev).stop()
