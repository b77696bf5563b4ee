"""The dev platform and its keys: the database migrated, a platform with a test-mode and a
live-mode key pair, kept in `dev-keys.json` (mode 0600) across restarts (used by kyc.dev.stack).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kyc.dev.components import DEV_KEYS_FILE, write_private
from kyc.settings import Settings


@dataclass
class DevKeys:
    """The dev platform's keys: `secret_key`/`reviewer_key` are test-mode keys (what `kyc demo`
    uses), the `live_` ones live-mode keys of the same platform."""

    platform_id: str
    secret_key: str
    reviewer_key: str
    created: bool = False  # True on the start that made them (they are printed once)
    live_secret_key: str = ""
    live_reviewer_key: str = ""
    live_created: bool = False  # live keys added to an earlier dev platform (printed once)


def bootstrap(settings: Settings) -> DevKeys:
    """Migrate the database, and create the dev platform and its keys unless they still work
    (live keys are added to a dev platform made before test mode existed)."""
    from kyc.db.engine import make_engine, session_scope
    from kyc.db.migrate import upgrade
    from kyc.db.platforms import create_platform, find_key

    url = settings.resolved_database_url
    upgrade(url, settings.master_keys)
    path = settings.state_dir / DEV_KEYS_FILE
    engine = make_engine(url)
    try:
        keys: DevKeys | None = None
        if path.exists():
            saved = json.loads(path.read_text())
            with session_scope(engine) as db:
                if find_key(db, saved["secret_key"]) and find_key(db, saved["reviewer_key"]):
                    keys = DevKeys(**{k: v for k, v in saved.items() if k in DEV_KEY_FIELDS})
                    if not (
                        keys.live_secret_key
                        and find_key(db, keys.live_secret_key)
                        and find_key(db, keys.live_reviewer_key)
                    ):
                        _issue_dev_keys(db, keys, livemode=True)
                        keys.live_created = True
        if keys is None:
            with session_scope(engine) as db:
                platform = create_platform(db, "dev platform")
                keys = DevKeys(platform.id, "", "", created=True)
                _issue_dev_keys(db, keys, livemode=False)
                _issue_dev_keys(db, keys, livemode=True)
        if keys.created or keys.live_created:
            write_private(path, {name: getattr(keys, name) for name in DEV_KEY_FIELDS})
        return keys
    finally:
        engine.dispose()


DEV_KEY_FIELDS = (
    "platform_id",
    "secret_key",
    "reviewer_key",
    "live_secret_key",
    "live_reviewer_key",
)


def _issue_dev_keys(db: Any, keys: DevKeys, *, livemode: bool) -> None:
    """A secret and a reviewer key of one mode for the dev platform, into `keys`."""
    from kyc.db.platforms import issue_key

    secret = issue_key(db, keys.platform_id, "secret", livemode=livemode)
    reviewer = issue_key(
        db, keys.platform_id, "reviewer", reviewer_name="dev reviewer", livemode=livemode
    )
    if livemode:
        keys.live_secret_key, keys.live_reviewer_key = secret.secret, reviewer.secret
    else:
        keys.secret_key, keys.reviewer_key = secret.secret, reviewer.secret
