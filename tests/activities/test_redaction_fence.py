"""The redaction fence: once a session's redaction began, no activity writes for it, even one
that was already running when the redaction started (slow fakes hold it mid-flight)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.duplicates import DuplicateFaces
from activities.images import ImageActivities
from kyc.crypto import SealedStore, generate_key
from kyc.db.engine import make_engine, session_scope
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import EventRow, FaceTemplateRow, VerificationSessionRow
from kyc.errors import SessionRedacted
from kyc.redaction import begin_redaction, database_fence, erase_session_data
from kyc.status import StatusRecorder
from kyc.types import (
    CapturedImage,
    CaptureInput,
    MatchInput,
    RecordStatusInput,
    SelfieCheck,
    SessionStatus,
    StoredFile,
    Submission,
)
from tests.activities.factories import new_session
from tests.api.api_helpers import MemoryStore

MASTER = generate_key()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def redact(engine: Engine, sealed: SealedStore, session_id: str) -> None:
    """The API's redaction, without Temporal: close the fence, shred, scrub."""
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, session_id)
        assert row is not None
        begin_redaction(db, row)
    sealed.shred(session_id)
    with session_scope(engine) as db:
        row = db.get(VerificationSessionRow, session_id)
        assert row is not None
        erase_session_data(db, row)


def png(seed: int = 1) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    return bytes(cv2.imencode(".png", pixels)[1])


class Gate:
    """A slow fake: `hold()` blocks the activity until the test opens the gate."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def hold(self) -> None:
        self.reached.set()
        assert self.opened.wait(10)


def images(sealed: SealedStore, engine: Engine, gate: Gate, where: str) -> ImageActivities:
    def check(_: np.ndarray) -> None:
        if where == "check":
            gate.hold()

    def match_faces(_d: np.ndarray, _s: np.ndarray) -> Any:
        if where == "match":
            gate.hold()
        return SimpleNamespace(
            check=SelfieCheck(status="verified", distance=0.3, threshold=0.6),
            portrait=np.zeros((32, 32, 3), np.uint8),
            selfie_embedding=[0.1] * 128,
        )

    return ImageActivities(
        sealed,
        max_pixels=10_000_000,
        min_side=16,
        check_document=check,
        check_selfie=check,
        extract_document=lambda *a, **k: None,
        match_faces=match_faces,
        duplicate_check=DuplicateFaces(engine, ColumnSealer(MASTER), MASTER, "Dlib"),
    )


def run_during_redaction(
    call: Callable[[], Any], gate: Gate, engine: Engine, sealed: SealedStore, session_id: str
) -> Future[Any]:
    """Start `call`, redact while the slow fake holds it, then let it go on."""
    pool = ThreadPoolExecutor(1)
    future = pool.submit(call)
    assert gate.reached.wait(10)
    redact(engine, sealed, session_id)
    gate.opened.set()
    pool.shutdown(wait=True)
    return future


def assert_refused(future: Future[Any]) -> None:
    with pytest.raises(ApplicationError) as raised:
        future.result()
    assert raised.value.type == "session_redacted"
    assert raised.value.non_retryable


def stored_pair(sealed: SealedStore, session_id: str) -> tuple[CapturedImage, CapturedImage]:
    # Two different images: a selfie identical to the document is refused before matching.
    front, face = png(1), png(2)
    doc = sealed.put(session_id, "attempts/1/document_front.png", front)
    selfie = sealed.put(session_id, "attempts/1/selfie.png", face)
    return (
        CapturedImage(key=doc, sha256=hashlib.sha256(front).hexdigest(), width=64, height=64),
        CapturedImage(key=selfie, sha256=hashlib.sha256(face).hexdigest(), width=64, height=64),
    )


def test_match_redacted_while_matching_writes_no_portrait_and_no_template(engine: Engine) -> None:
    platform_id, sid = new_session(engine)
    memory = MemoryStore()
    sealed = SealedStore(memory, MASTER, fence=database_fence(engine))  # type: ignore[arg-type]
    document, selfie = stored_pair(sealed, sid)
    gate = Gate()
    acts = images(sealed, engine, gate, where="match")
    match_input = MatchInput(
        session_id=sid, platform_id=platform_id, document=document, selfie=selfie
    )

    future = run_during_redaction(
        lambda: ActivityEnvironment().run(acts.match, match_input), gate, engine, sealed, sid
    )

    assert_refused(future)
    assert [k for k in memory.objects if sid in k] == []  # no portrait, no new data key
    with session_scope(engine) as db:
        assert db.get(FaceTemplateRow, sid) is None


def test_capture_redacted_while_checking_stores_nothing(engine: Engine) -> None:
    _, sid = new_session(engine)
    memory = MemoryStore()
    sealed = SealedStore(memory, MASTER, fence=database_fence(engine))  # type: ignore[arg-type]
    data = png()
    upload = StoredFile(
        key=sealed.put(sid, "uploads/file_1", data),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type="image/png",
    )
    gate = Gate()
    acts = images(sealed, engine, gate, where="check")
    capture_input = CaptureInput(
        session_id=sid, attempt=1, submission=Submission(files={"document_front": upload})
    )

    future = run_during_redaction(
        lambda: ActivityEnvironment().run(acts.capture, capture_input), gate, engine, sealed, sid
    )

    assert_refused(future)
    assert [k for k in memory.objects if sid in k] == []


class SlowStore(MemoryStore):
    """An object store whose writes hold on the gate before landing: the redaction (and its
    shred) happens between the fence's first check and the write."""

    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self.gate = gate
        self.slow = False

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        if self.slow and not key.endswith("data-key"):
            self.gate.hold()
        super().put(key, data, content_type)


def test_object_written_while_redaction_runs_is_removed(engine: Engine) -> None:
    _, sid = new_session(engine)
    gate = Gate()
    memory = SlowStore(gate)
    sealed = SealedStore(memory, MASTER, fence=database_fence(engine))  # type: ignore[arg-type]
    memory.slow = True

    future = run_during_redaction(
        lambda: sealed.put(sid, "attempts/1/portrait.jpg", b"face"), gate, engine, sealed, sid
    )

    with pytest.raises(SessionRedacted):
        future.result()
    assert [k for k in memory.objects if sid in k] == []


def test_status_recorder_refuses_a_redacted_session(engine: Engine) -> None:
    _, sid = new_session(engine)
    recorder = StatusRecorder(engine, ColumnSealer(MASTER), MASTER)
    redact(engine, SealedStore(MemoryStore(), MASTER), sid)  # type: ignore[arg-type]

    with pytest.raises(SessionRedacted):
        recorder.record(
            RecordStatusInput(
                session_id=sid,
                status=SessionStatus.canceled,
                event_type="identity.verification_session.canceled",
            )
        )
    with session_scope(engine) as db:
        assert db.exec(select(EventRow).where(EventRow.session_id == sid)).all() == []
        row = db.get(VerificationSessionRow, sid)
        assert row is not None and row.status == "requires_input"
        assert row.redaction_status == "redacted"
