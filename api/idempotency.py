"""`Idempotency-Key` on POSTs: replay the first response for the same request, refuse others.

The fingerprint covers method, path and the parsed parameters (so JSON and form encoding of the
same parameters match). Only successful responses are stored, like Stripe, a request that
failed validation can be retried with the same key. Expiry, takeover of a dead reservation and
the caller scopes: kyc/db/idempotency.py.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api.deps import AppState, app_state, bearer_token
from api.errors import IdempotencyMismatch
from kyc import limits
from kyc.db import idempotency, platforms
from kyc.db.engine import session_scope
from kyc.db.ids import now
from kyc.db.payload_keys import Shredded
from kyc.db.personal import split_event_data
from kyc.errors import AuthenticationFailed, IdempotencyConflict, InvalidRequest

MAX_KEY_LENGTH = limits.IDEMPOTENCY_KEY_LENGTH
SESSION_OBJECT = "identity.verification_session"
REPLAYED = "Idempotent-Replayed"


class IdempotencyGuard:
    def __init__(
        self, state: AppState, key: str | None, method: str, path: str, livemode: bool = False
    ) -> None:
        if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH):
            raise InvalidRequest(
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
                param="Idempotency-Key",
            )
        self.state = state
        self.key = key
        self.method = method
        self.path = path
        self.livemode = livemode

    async def run(
        self,
        platform_id: str,
        params: Any,
        work: Callable[[], Awaitable[dict[str, Any]]],
        status_code: int = 200,
        *,
        scope: str = "secret_key",
    ) -> JSONResponse:
        """Do `work` once per key and caller `scope` (the platform's keys, or one session's
        client_secret); later identical requests get the stored response."""
        if self.key is None:
            return JSONResponse(await work(), status_code=status_code)
        # Test and live keys never share a key (test scopes keep their pre-test-mode spelling).
        key = idempotency.scoped_key(f"{scope}:live" if self.livemode else scope, self.key)
        fingerprint = idempotency.request_fingerprint(self.method, self.path, params)
        at = now()
        replay = await self.state.write(self._reserve, platform_id, key, fingerprint, at)
        if replay is not None:
            return replay
        try:
            response = await work()
        except BaseException:
            await self.state.write(self._in_tx, idempotency.release, platform_id, key, at)
            raise
        # Sealed: responses hold secrets (client_secret, url) that must never rest in clear.
        stored = await asyncio.to_thread(self._sealed, platform_id, key, response)
        await self.state.write(
            self._in_tx, idempotency.complete, platform_id, key, at, status_code, stored
        )
        return JSONResponse(response, status_code=status_code)

    def _sealed(self, platform_id: str, key: str, response: dict[str, Any]) -> dict[str, Any]:
        """A session (create, update, cancel) is stored like an event about it: in clear as a
        redaction leaves it, the rest under the session's key, so a replay after a redaction
        shows the redacted session and no secret. Anything else under the column subkey."""
        context = f"idempotency:{platform_id}:{key}"
        sealer = self.state.sealer
        if response.get("object") != SESSION_OBJECT:
            return {"sealed": base64.b64encode(sealer.seal(context, response)).decode()}
        clear, rest = split_event_data({"object": response})
        stored: dict[str, Any] = {"session": response["id"], "clear": clear["object"]}
        with session_scope(self.state.engine) as db, contextlib.suppress(Shredded):
            blob = sealer.seal_for_session(db, response["id"], context, rest)  # not after `redact`
            stored["sealed_for_session"] = base64.b64encode(blob).decode()
        return stored

    def _unsealed(self, db: Session, platform_id: str, key: str, stored: dict[str, Any]) -> Any:
        context = f"idempotency:{platform_id}:{key}"
        sealer = self.state.sealer
        if "session" not in stored:
            return sealer.unseal(context, base64.b64decode(stored["sealed"]))
        rest = None
        if "sealed_for_session" in stored:
            blob = base64.b64decode(stored["sealed_for_session"])
            rest = sealer.unseal_for_session(db, stored["session"], context, blob)
        return {**stored["clear"], **(rest or {})}  # redacted: the clear part alone

    def _in_tx(self, fn: Callable[..., None], *args: Any) -> None:
        # DB work runs in a thread: a SQLite write lock wait must not block the event loop.
        with session_scope(self.state.engine) as db:
            fn(db, *args)

    def _reserve(
        self, platform_id: str, key: str, fingerprint: str, at: int
    ) -> JSONResponse | None:
        """The stored response to replay, or None once the key is reserved for this request."""
        with session_scope(self.state.engine) as db:
            replay = self._replay(db, platform_id, key, fingerprint, at)
            if replay is not None:
                return replay
            if not idempotency.reserve(db, platform_id, key, fingerprint, at):
                raise IdempotencyConflict(
                    "A request with this Idempotency-Key is being processed; retry later.",
                    param="Idempotency-Key",
                )
        return None

    def _replay(
        self, db: Session, platform_id: str, key: str, fingerprint: str, at: int
    ) -> JSONResponse | None:
        row = idempotency.find(db, platform_id, key, at)
        if row is None:
            return None
        if row.request_hash != fingerprint:
            raise IdempotencyMismatch(
                "Keys for idempotent requests can only be used with the same parameters they "
                "were first used with. Try using a key other than "
                f"'{self.key}' if you meant to execute a different request.",
                param="Idempotency-Key",
            )
        if row.status_code == idempotency.IN_PROGRESS:
            raise IdempotencyConflict(
                "A request with this Idempotency-Key is being processed; retry later.",
                param="Idempotency-Key",
            )
        return JSONResponse(
            self._unsealed(db, platform_id, key, row.response),
            status_code=row.status_code,
            headers={REPLAYED: "true"},
        )


def idempotency_guard(request: Request) -> IdempotencyGuard:
    try:
        token = bearer_token(request)
    except AuthenticationFailed:
        token = ""  # the caller dependency answers 401
    return IdempotencyGuard(
        app_state(request),
        request.headers.get("idempotency-key"),
        request.method,
        request.url.path,
        # The key's prefix is its mode (kyc.db.platforms.issue_key); the caller dependency
        # checks the key itself. Client secrets are scoped per session already.
        livemode=platforms.is_live_secret(token),
    )


Idempotent = Annotated[IdempotencyGuard, Depends(idempotency_guard)]
