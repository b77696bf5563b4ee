"""Dependencies as `Annotated` aliases, so route signatures read like declarations."""

from __future__ import annotations

import asyncio
import base64
import hmac
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.errors import ServiceUnavailable
from api.forms import body_params, query_params
from api.ratelimit import WindowLimit
from kyc import temporal as kyc_temporal
from kyc.capture import CapturePrecheck
from kyc.crypto import SealedStore
from kyc.db import platforms
from kyc.db import sessions as db_sessions
from kyc.db.payload_keys import DatabasePayloadKeys
from kyc.db.sealing import ColumnSealer
from kyc.db.tables import ApiKey, VerificationSessionRow
from kyc.errors import AuthenticationFailed, NotFound, PermissionDenied
from kyc.redaction import database_fence
from kyc.settings import Settings
from kyc.storage import ObjectStore

T = TypeVar("T")


@dataclass
class AppState:
    """What the app holds for its lifetime (set up by `api.app.create_app`)."""

    settings: Settings
    engine: Engine
    sealer: ColumnSealer
    prechecks: CapturePrecheck  # the capture page's photo checks (loads a face detector)
    precheck_limit: WindowLimit | None = None  # per session; set by create_app
    temporal: Client | None = None
    store: ObjectStore | None = None
    temporal_lock: asyncio.Lock | None = None
    # SQLite admits one writer at a time and makes the others poll with sleeps, which starves
    # some under load; with SQLite, this process's writers queue here instead (see `write`).
    sqlite_writes: asyncio.Lock | None = None

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking database write in a thread, queued behind this process's other
        writers when the database is SQLite."""
        if not self.engine.url.get_backend_name().startswith("sqlite"):
            return await asyncio.to_thread(fn, *args)
        if self.sqlite_writes is None:
            self.sqlite_writes = asyncio.Lock()
        async with self.sqlite_writes:
            return await asyncio.to_thread(fn, *args)


@dataclass(frozen=True)
class Caller:
    """Who is calling: a platform's secret key or reviewer key, in test or live mode (the key's:
    it sees and makes objects of that mode only)."""

    platform_id: str
    key_id: str
    kind: str  # "secret" | "reviewer"
    reviewer_name: str | None = None
    livemode: bool = False

    @classmethod
    def of(cls, key: ApiKey) -> Caller:
        return cls(key.platform_id, key.id, key.kind, key.reviewer_name, key.livemode)


@dataclass(frozen=True)
class SessionCaller:
    """A secret key of the session's platform, or the session's own client_secret."""

    platform_id: str
    session: VerificationSessionRow
    by_client_secret: bool

    @property
    def livemode(self) -> bool:
        """The session's mode (a secret key only finds sessions of its own mode)."""
        return self.session.livemode

    @property
    def idempotency_scope(self) -> str:
        """An applicant's keys never collide with the platform's (nor another session's)."""
        return f"client_secret:{self.session.id}" if self.by_client_secret else "secret_key"


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.kyc
    return state


# Dependencies that do no blocking I/O are `async`: FastAPI runs a plain `def` dependency in a
# worker thread, and those thread hops were most of a retrieve's cost under concurrency.


async def state_dependency(request: Request) -> AppState:
    return app_state(request)


_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


async def valid_path_ids(request: Request) -> None:
    """An id that cannot exist (odd characters, too long) is simply not found."""
    for name, value in request.path_params.items():
        if not _ID.match(str(value)):
            raise NotFound(f"No such object: '{value[:100]}'", param=name)


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request; routes commit explicitly, anything uncommitted is rolled back.

    Async although the session is sync: opening it touches no connection (that happens on the
    first query, in whichever thread runs it), so this costs no thread hop per request."""
    with Session(app_state(request).engine, expire_on_commit=False) as session:
        yield session


async def connect_temporal(settings: Settings, engine: Engine, timeout_s: float) -> Client:
    """The API's Temporal client (the one data converter, with the sessions' payload keys in
    the database), or an error after `timeout_s`."""
    return await asyncio.wait_for(
        kyc_temporal.connect_settings(settings, DatabasePayloadKeys(engine)),
        timeout=timeout_s,
    )


async def get_temporal(request: Request) -> Client:
    """The Temporal client, connected on first use when the lifespan could not connect."""
    state = app_state(request)
    if state.temporal is not None:
        return state.temporal
    if state.temporal_lock is None:
        state.temporal_lock = asyncio.Lock()
    async with state.temporal_lock:
        if state.temporal is None:
            try:
                state.temporal = await connect_temporal(state.settings, state.engine, timeout_s=5)
            except Exception as exc:
                raise ServiceUnavailable(
                    "The workflow service is unavailable; retry later."
                ) from exc
    assert state.temporal is not None
    return state.temporal


class TemporalConnector:
    """The Temporal client on demand, so a request's parameters are checked (400) before an
    unreachable Temporal could answer 503."""

    def __init__(self, request: Request) -> None:
        self._request = request

    async def __call__(self) -> Client:
        return await get_temporal(self._request)


async def get_sealed_store(request: Request) -> SealedStore:
    state = app_state(request)
    if state.store is None:
        state.store = state.settings.object_store()
    return SealedStore(state.store, state.settings.master_keys, fence=database_fence(state.engine))


def bearer_token(request: Request) -> str:
    """The API key from `Authorization: Bearer <key>` or HTTP basic auth (`-u sk_...:`)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            user = base64.b64decode(value, validate=True).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            user = ""
        if user:
            return user
    raise AuthenticationFailed(
        "You did not provide an API key. Provide it in the Authorization header "
        "(Authorization: Bearer YOUR_SECRET_KEY)."
    )


def _find_caller(db: Session, token: str) -> Caller:
    key = platforms.find_key(db, token)
    _release(db)
    if key is None:
        raise AuthenticationFailed(f"Invalid API Key provided: {_mask(token)}")
    return Caller.of(key)


def platform_session(db: Session, caller: Caller, session_id: str) -> VerificationSessionRow:
    """The caller's session (its platform's, of its mode), its read transaction ended: for
    routes that go on to await Temporal (see `_release`)."""
    row = db_sessions.get_session(db, caller.platform_id, session_id, livemode=caller.livemode)
    _release(db)
    return row


def _release(db: Session) -> None:
    """End the read transaction, returning its pooled connection, before the route awaits
    Temporal or storage: a connection held across those waits starved the pool under load.
    (A commit, not a rollback: with expire_on_commit=False loaded rows stay usable.)"""
    db.commit()


def _mask(token: str) -> str:
    return f"{token[:8]}{'*' * 8}{token[-4:]}" if len(token) > 12 else "*" * len(token)


def secret_key_caller(request: Request, db: Annotated[Session, Depends(get_db)]) -> Caller:
    caller = _find_caller(db, bearer_token(request))
    if caller.kind != "secret":
        raise PermissionDenied("This endpoint needs a secret key (sk_...).")
    return caller


def reviewer_caller(request: Request, db: Annotated[Session, Depends(get_db)]) -> Caller:
    caller = _find_caller(db, bearer_token(request))
    if caller.kind != "reviewer":
        raise PermissionDenied("This endpoint needs a reviewer key (rk_...).")
    return caller


def any_key_caller(request: Request, db: Annotated[Session, Depends(get_db)]) -> Caller:
    return _find_caller(db, bearer_token(request))


def session_caller(
    request: Request, session_id: str, db: Annotated[Session, Depends(get_db)]
) -> SessionCaller:
    """Secret key of the session's platform, or `Bearer <client_secret>` of this session."""
    token = bearer_token(request)
    if token.startswith("vs_") and "_secret_" in token:
        owner = token.split("_secret_", 1)[0]
        if not hmac.compare_digest(owner, session_id):
            raise NotFound(f"No such verification_session: '{session_id}'", param="id")
        row = db_sessions.get_session_by_client_secret(db, session_id, token)
        _release(db)
        return SessionCaller(row.platform_id, row, by_client_secret=True)
    caller = _find_caller(db, token)
    if caller.kind != "secret":
        raise PermissionDenied("This endpoint needs a secret key or the session's client_secret.")
    row = db_sessions.get_session(db, caller.platform_id, session_id, livemode=caller.livemode)
    _release(db)
    return SessionCaller(caller.platform_id, row, by_client_secret=False)


Platform = Annotated[Caller, Depends(secret_key_caller)]


def owned_session(
    session_id: str, db: Annotated[Session, Depends(get_db)], caller: Platform
) -> VerificationSessionRow:
    """The path's session, of the calling platform and mode (its read transaction ended)."""
    return platform_session(db, caller, session_id)


async def get_body(request: Request) -> dict[str, Any]:
    return await body_params(request)


async def get_query(request: Request) -> dict[str, Any]:
    return query_params(request)


DbSession = Annotated[Session, Depends(get_db)]
Reviewer = Annotated[Caller, Depends(reviewer_caller)]
AnyKey = Annotated[Caller, Depends(any_key_caller)]
SessionActor = Annotated[SessionCaller, Depends(session_caller)]
OwnedSession = Annotated[VerificationSessionRow, Depends(owned_session)]
Temporal = Annotated[TemporalConnector, Depends(TemporalConnector)]
Sealed = Annotated[SealedStore, Depends(get_sealed_store)]
State = Annotated[AppState, Depends(state_dependency)]
Body = Annotated[dict[str, Any], Depends(get_body)]
Query = Annotated[dict[str, Any], Depends(get_query)]
