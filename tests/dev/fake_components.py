"""Stand-ins for the API and the worker, to test the `kyc dev` supervisor on its own.

python fake_components.py api PORT   -> answers 200 on /readyz
python fake_components.py worker     -> polls both task queues of the stack in KYC_* env
python fake_components.py dev        -> `kyc dev` (dev_stack.run) with these two stand-ins
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


class Ready(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path in ("/readyz", "/healthz") else 404)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def fake_api(port: int) -> None:
    HTTPServer(("127.0.0.1", port), Ready).serve_forever()


async def fake_worker() -> None:
    from temporalio import activity
    from temporalio.client import Client
    from temporalio.worker import Worker

    @activity.defn
    async def noop() -> None:
        return None

    client = await Client.connect(os.environ["KYC_TEMPORAL_ADDRESS"])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    workers = [Worker(client, task_queue=q, activities=[noop]) for q in ("kyc", "kyc-ml")]
    async with workers[0], workers[1]:
        print("fake worker polling", flush=True)
        await stop.wait()


def fake_dev() -> int:
    from kyc.dev import stack as dev_stack
    from kyc.settings import Settings

    me = str(Path(__file__).resolve())
    dev_stack.api_command = lambda s: [sys.executable, me, "api", str(s.api_port)]  # type: ignore[assignment]
    dev_stack.worker_command = lambda: [sys.executable, me, "worker"]  # type: ignore[assignment]
    return dev_stack.run(Settings.load())


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "api":
        fake_api(int(sys.argv[2]))
    elif role == "worker":
        asyncio.run(fake_worker())
        os._exit(0)
    else:
        code = fake_dev()
        sys.stdout.flush()
        os._exit(code)
