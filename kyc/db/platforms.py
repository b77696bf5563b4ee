"""Platforms and their keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from kyc.db.ids import digest, new_id, new_secret, now
from kyc.db.tables import ApiKey, Platform


@dataclass(frozen=True)
class IssuedKey:
    """A key as shown once at creation; only its hash is stored."""

    id: str
    secret: str
    kind: str


def create_platform(db: Session, name: str) -> Platform:
    platform = Platform(id=new_id("acct"), name=name, created=now())
    db.add(platform)
    db.flush()
    return platform


def issue_key(
    db: Session, platform_id: str, kind: str, reviewer_name: str | None = None
) -> IssuedKey:
    """A new secret (`sk_`) or reviewer (`rk_`) key for the platform."""
    if kind not in ("secret", "reviewer"):
        raise ValueError(f"unknown key kind {kind!r}")
    secret = new_secret("sk_test" if kind == "secret" else "rk_test")
    row = ApiKey(
        id=new_id("key"),
        platform_id=platform_id,
        kind=kind,
        key_hash=digest(secret),
        last4=secret[-4:],
        reviewer_name=reviewer_name,
        created=now(),
    )
    db.add(row)
    db.flush()
    return IssuedKey(id=row.id, secret=secret, kind=kind)


def find_key(db: Session, secret: str) -> ApiKey | None:
    """The live key with this secret, or None."""
    row = db.exec(select(ApiKey).where(ApiKey.key_hash == digest(secret))).first()
    if row is None or row.revoked:
        return None
    return row
