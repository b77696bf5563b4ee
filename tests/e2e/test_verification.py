"""The real stack takes generated specimens to `verified`, to `needs_review` and survives a
worker crash in the middle of a verification."""

from __future__ import annotations

import asyncio
import time

import pytest
from temporalio.api.enums.v1 import EventType, PendingActivityState

from kyc.dev import stack as dev_stack
from kyc.temporal import connect

from .conftest import Stack

pytestmark = pytest.mark.e2e


def submit_specimen(stack: Stack, *, screening: bool) -> str:
    created = stack.client.create_session(
        selfie=True, screening=screening, metadata={"test": "e2e"}
    )
    assert created["status"] == "requires_input"
    assert created["client_secret"] and created["url"]
    session_id: str = created["id"]
    stack.client.upload(session_id, "document_front", stack.document, "passport.jpg")
    stack.client.upload(session_id, "selfie", stack.selfie, "selfie.jpg")
    submitted = stack.client.submit(session_id)
    assert submitted["status"] == "processing"
    return session_id


def test_specimen_passport_and_selfie_are_verified(stack: Stack) -> None:
    session_id = submit_specimen(stack, screening=False)
    seen: list[str] = []
    final = stack.client.follow(session_id, on_change=lambda s, _t: seen.append(s), timeout=240)
    assert final["status"] == "verified", final.get("last_error")
    assert final["last_error"] is None
    assert seen[0] == "processing" and seen[-1] == "verified"
    report = stack.client.report(final["last_verification_report"])
    assert report["document"]["status"] == "verified"
    assert report["selfie"]["status"] == "verified"


def test_unscreenable_session_needs_review_and_a_reviewer_approves_it(stack: Stack) -> None:
    # Screening asked for but no list imported: the default action is review (settings).
    assert stack.dev.settings.screening_not_run_action == "review"
    session_id = submit_specimen(stack, screening=True)
    pending = stack.client.follow(session_id, timeout=240)
    assert pending["status"] == "needs_review", pending.get("last_error")
    assert session_id in [case["id"] for case in stack.reviewer.reviews()]
    decided = stack.reviewer.decide_review(session_id, "approve")
    assert decided["status"] == "verified"
    # The session row follows once the workflow's record_status activity has run.
    final = stack.client.follow(session_id, timeout=30, until=frozenset({"verified"}))
    assert final["status"] == "verified"
    assert session_id not in [case["id"] for case in stack.reviewer.reviews()]


async def running_activity(stack: Stack, session_id: str) -> str | None:
    """The type of the activity of the session's workflow that a worker is running now."""
    s = stack.dev.settings
    client = await connect(s.resolved_temporal_address, s.temporal_namespace, s.payload_key)
    described = await client.get_workflow_handle(session_id).describe()
    for pending in described.raw_description.pending_activities:
        if pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED:
            return str(pending.activity_type.name)
    return None


async def retried_activities(stack: Stack, session_id: str) -> set[str]:
    """Activities of the history that completed on a second or later attempt."""
    s = stack.dev.settings
    client = await connect(s.resolved_temporal_address, s.temporal_namespace, s.payload_key)
    history = await client.get_workflow_handle(session_id).fetch_history()
    names = {}
    retried = set()
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            names[event.event_id] = attrs.activity_type.name
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attrs2 = event.activity_task_started_event_attributes
            if attrs2.attempt >= 2:
                retried.add(names[attrs2.scheduled_event_id])
    return retried


def wait_for_extract(stack: Stack, session_id: str) -> None:
    """Until the OCR activity runs: it takes seconds, so stopping now stops mid-verification."""
    deadline = time.monotonic() + 120
    running = None
    while running != "extract" and time.monotonic() < deadline:
        running = asyncio.run(running_activity(stack, session_id))
        time.sleep(0.05)
    assert running == "extract", "extract never seen running"


def test_a_worker_killed_mid_verification_is_replaced_and_the_session_completes(
    stack: Stack,
) -> None:
    session_id = submit_specimen(stack, screening=False)
    wait_for_extract(stack, session_id)
    running = "extract"
    stack.dev.restart_worker(kill=True)
    final = stack.client.follow(session_id, timeout=300)
    assert final["status"] == "verified", final.get("last_error")
    # The interrupted activity ran again on the new worker.
    assert running in asyncio.run(retried_activities(stack, session_id))


def test_kyc_demo_reaches_verified_without_screening_when_no_list_is_imported(
    stack: Stack,
) -> None:
    from kyc.dev.demo import run

    said: list[str] = []
    code = run(stack.dev.settings, timeout=240, say=said.append)
    out = "\n".join(said)
    assert code == 0, out
    assert "No sanctions list has been imported" in out
    assert "kyc lists import PATH --format ofac_sdn|un_xml" in out
    assert "final status: verified" in out
    ui = stack.dev.settings.resolved_temporal_ui_url
    assert f"Temporal UI: {ui}/namespaces/default/workflows/vs_" in out
    assert "ERIKSSON" not in out.upper()  # the specimen holder's name is never printed


def test_a_verification_in_flight_completes_after_the_whole_stack_restarts(stack: Stack) -> None:
    session_id = submit_specimen(stack, screening=False)
    wait_for_extract(stack, session_id)
    settings = stack.dev.settings
    stack.dev.stop()  # what Ctrl-C on `kyc dev` does
    stack.dev = dev_stack.DevStack(settings, say=print)
    stack.dev.start()
    assert stack.dev.keys is not None and not stack.dev.keys.created  # same platform and keys
    final = stack.client.follow(session_id, timeout=300)
    assert final["status"] == "verified", final.get("last_error")
