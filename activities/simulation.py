"""simulate: test mode's stand-in for capture/extract/match/screen (queue `kyc`, no engines).

An activity, not workflow code, so the simulated checks are recorded in the history and a later
change to them never breaks the replay of a running verification.
"""

from __future__ import annotations

from temporalio import activity

from kyc import simulation
from kyc.contracts import ActivityName
from kyc.types import SimulatedAttempt, SimulateInput


@activity.defn(name=ActivityName.SIMULATE)
async def simulate(input: SimulateInput) -> SimulatedAttempt:
    """The checks the engines would report for `input.outcome` (pure: no file is read)."""
    return simulation.simulate(input)
