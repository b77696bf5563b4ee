"""CPU cost of a failing webhook delivery attempt (issue 12: 400 pending deliveries to one
failing endpoint kept the worker at a full core).

Figures, not a test: one `deliver_events` attempt per event, against a loopback endpoint that
answers 500, then against the same URL refused by the SSRF guard; a fresh SQLite file in /tmp.

    PYTHONPATH=. .venv/bin/python bench/webhook_failures.py [--events 400]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from pathlib import Path

from temporalio.exceptions import ApplicationError

from activities.webhooks import WebhookActivities
from kyc.crypto import generate_key
from kyc.db import events as event_db
from kyc.db import webhooks
from kyc.db.engine import make_engine, session_scope
from kyc.db.migrate import upgrade
from kyc.db.platforms import create_platform
from kyc.db.sealing import ColumnSealer
from kyc.netguard import UrlPolicy
from kyc.types import DeliverEventsInput
from tests.webhook_receiver import webhook_receiver


async def attempts(activity: WebhookActivities, event_ids: list[str]) -> None:
    for event_id in event_ids:
        # A failed attempt raises, as the retry policy would see it.
        with contextlib.suppress(ApplicationError):
            await activity.deliver_events(DeliverEventsInput(event_ids=[event_id]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=400)
    n = parser.parse_args().events
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    with webhook_receiver() as receiver:
        receiver.status = 500
        with session_scope(engine) as db:
            platform = create_platform(db, "bench")
            webhooks.create_webhook_endpoint(db, platform.id, receiver.url, ["*"], livemode=False)
            event_ids = [
                event_db.add_event(
                    db,
                    platform.id,
                    "identity.verification_session.verified",
                    {"object": {"id": f"vs_{i}"}},
                    dedupe_key=f"bench:{i}",
                    livemode=False,
                ).id
                for i in range(n)
            ]
        cases = (("endpoint answers 500", UrlPolicy(allow_local=True)), ("refused", UrlPolicy()))
        for label, policy in cases:
            activity = WebhookActivities(engine, ColumnSealer(generate_key()), policy=policy)
            cpu, wall = time.process_time(), time.perf_counter()
            asyncio.run(attempts(activity, event_ids))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(
                f"{label}: {n} failed attempts, CPU {1000 * cpu / n:.1f} ms/attempt, "
                f"wall {1000 * wall / n:.1f} ms/attempt"
            )


if __name__ == "__main__":
    main()
