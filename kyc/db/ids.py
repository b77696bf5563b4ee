"""Stripe-like identifiers and secrets."""

from __future__ import annotations

import hashlib
import secrets
import time


def new_id(prefix: str) -> str:
    """`prefix_` + 24 random base62-ish characters (url-safe, no PII)."""
    return f"{prefix}_{secrets.token_urlsafe(18).replace('-', 'A').replace('_', 'B')}"


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    """How secrets are stored: SHA-256 (they are random 256-bit tokens, so no KDF is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def now() -> int:
    return int(time.time())
