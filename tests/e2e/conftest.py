"""One real stack per test session: dev server, SeaweedFS, SQLite, API and worker as processes.

Every e2e test shares it (starting one takes ~10 s). It uses ports of its own, SeaweedFS's
internal ones included (`s3_internal_port_base`), so it runs beside another stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from kyc.dev import components
from kyc.dev import stack as dev_stack
from kyc.dev.client import KycClient
from kyc.dev.demo import specimen_images
from kyc.dev.procs import DevStackError


@dataclass
class Stack:
    dev: dev_stack.DevStack
    client: KycClient  # the dev platform's secret key
    reviewer: KycClient  # its reviewer key
    document: bytes = field(repr=False)  # specimen passport page (JPEG)
    selfie: bytes = field(repr=False)  # selfie of the same fictional holder (JPEG)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("kyc-state")
    # Every port its own (SeaweedFS's internal ones too), so it runs beside any `kyc dev`.
    settings = components.isolated_settings(state)
    dev = dev_stack.DevStack(settings, say=print)
    handle: Stack | None = None
    try:
        dev.start()
        keys = json.loads((state / components.DEV_KEYS_FILE).read_text())
        url = dev.settings.resolved_public_url
        client = KycClient(url, keys["secret_key"])
        reviewer = KycClient(url, keys["reviewer_key"])
        document, selfie = specimen_images()
        handle = Stack(dev, client, reviewer, document, selfie)
        yield handle
        client.close()
        reviewer.close()
    except DevStackError as exc:
        pytest.fail(f"the stack did not start: {exc}")
    finally:
        # A test may have restarted the stack: stop the one running now.
        (handle.dev if handle is not None else dev).stop()
