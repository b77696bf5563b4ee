"""screen: sanctions/PEP screening of an extracted identity (queue `kyc`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from temporalio import activity

from activities.errors import async_domain_errors
from kyc.contracts import ActivityName
from kyc.crypto import MasterKeys
from kyc.db import dispositions
from kyc.db.engine import session_scope
from kyc.identity import identity_keys
from kyc.types import ScreeningCheck, ScreenInput


@dataclass(eq=False)  # identity hash: the worker registers bound methods
class ScreeningActivities:
    engine: Engine
    master_key: MasterKeys
    screen_identity: Callable[[ScreenInput], ScreeningCheck] | None

    @activity.defn(name=ActivityName.SCREEN)
    @async_domain_errors
    async def screen(self, input: ScreenInput) -> ScreeningCheck:
        """Screen the identity; hits a reviewer cleared for this identity are not raised again."""
        if self.screen_identity is None:
            return ScreeningCheck(status="not_run", reason="No sanctions list has been imported.")
        check = await asyncio.to_thread(self.screen_identity, input)
        if not check.hits:
            return check
        keys = identity_keys(self.master_key, input.query.name, input.query.birth_date)
        with session_scope(self.engine) as db:
            cleared = dispositions.cleared_hits(
                db, input.platform_id, keys, livemode=input.livemode
            )
        hits = [h for h in check.hits if f"{h.list}:{h.entity_id}" not in cleared]
        if len(hits) == len(check.hits):
            return check
        reason = f"{len(check.hits) - len(hits)} hit(s) cleared earlier by a reviewer"
        return check.model_copy(
            update={"hits": hits, "status": "hit" if hits else "clear", "reason": reason}
        )
