"""Record workflow histories for the replay test: `python -m tests.workflows.record_histories`.

Run it only when a workflow change is deliberately made compatible (behind `workflow.patched`)
and a new scenario should be pinned; the recorded files are what running workflows look like.
Histories are recorded with the plain pydantic converter so they need no key to replay.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

HERE = Path(__file__).resolve().parent


async def record() -> None:
    from tests.workflows.conftest import register_search_attributes, venv_binary
    from tests.workflows.scenarios import SCENARIOS

    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=venv_binary("temporal-test-server"),
    )
    await register_search_attributes(env)
    try:
        for name, scenario in SCENARIOS.items():
            handle = await scenario(env)
            history = await handle.fetch_history()
            path = HERE / "histories" / f"{name}.json"
            path.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n")
            print(f"recorded {path.name}: {len(history.events)} events")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
    os._exit(0)  # sdk-python#300
