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
    livemode: bool = False


def create_platform(db: Session, name: str) -> Platform:
    platform = Platform(id=new_id("acct"), name=name, created=now())
    db.add(platform)
    db.flush()
    return platform


KIND_PREFIXES = {"secret": "sk", "reviewer": "rk"}


def key_prefix(kind: str, livemode: bool) -> str:
    """Stripe's spelling of a key's kind and mode: `sk_test`, `sk_live`, `rk_test`, `rk_live`."""
    return f"{KIND_PREFIXES[kind]}_{'live' if livemode else 'test'}"


def is_live_secret(secret: str) -> bool:
    """Whether the secret is spelled as a live key (`sk_live_`/`rk_live_`)."""
    return secret.startswith(tuple(f"{key_prefix(kind, True)}_" for kind in KIND_PREFIXES))


def issue_key(
    db: Session,
    platform_id: str,
    kind: str,
    reviewer_name: str | None = None,
    *,
    livemode: bool = False,
) -> IssuedKey:
    """A new secret (`sk_`) or reviewer (`rk_`) key for the platform, in test mode unless
    `livemode`: a test key sees test objects only, a live key live ones only."""
    if kind not in KIND_PREFIXES:
        raise ValueError(f"unknown key kind {kind!r}")
    secret = new_secret(key_prefix(kind, livemode))
    row = ApiKey(
        id=new_id("key"),
        platform_id=platform_id,
        kind=kind,
        livemode=livemode,
        key_hash=digest(secret),
        last4=secret[-4:],
        reviewer_name=reviewer_name,
        created=now(),
    )
    db.add(row)
    db.flush()
    return IssuedKey(id=row.id, secret=secret, kind=kind, livemode=livemode)


def find_key(db: Session, secret: str) -> ApiKey | None:
    """The unrevoked key with this secret, or None."""
    row = db.exec(select(ApiKey).where(ApiKey.key_hash == digest(secret))).first()
    if row is None or row.revoked:
        return None
    return row
