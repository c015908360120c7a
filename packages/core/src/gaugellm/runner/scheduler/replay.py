"""The ``replay`` profile: one stage that sends a trace's requests at their recorded times, scaled by a speed-up.

The times are fixed before the stage starts (``StageSpec.offsets``) and paced like a constant-rate stage's, by the
same worker pacer, so a replay is as precise as any rate profile; how far it fell behind its trace is the stage's
dispatch lag (dispatch - scheduled time), in every report.
"""

from __future__ import annotations

from gaugellm.data.trace import TraceRecord
from gaugellm.runner.scheduler.profiles import Profile
from gaugellm.runner.scheduler.stages import StageSpec

__all__ = ["replay_profile"]


def replay_profile(records: list[TraceRecord], *, speedup: float = 1.0, seed: int = 42) -> Profile:
    """One replay stage over ``records`` (already windowed: the first at 0 s), ``speedup`` times faster."""
    offsets = tuple(round(record.at_s / speedup * 1e9) for record in records)
    name = "replay" if speedup == 1 else f"replay@{speedup:g}x"
    return Profile("replay", [StageSpec(name=name, kind="replay", offsets=offsets, speedup=speedup, seed=seed)])
