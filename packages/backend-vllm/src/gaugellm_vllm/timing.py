"""The engine's own account of a request's timing, kept next to ours in ``response.extras``.

vLLM stamps a request when it arrives (wall clock), when the scheduler queues and first schedules it, and when it
produces its first and last token (``time.monotonic`` in the engine-core process). Comparing those with the times
the backend recorded separates time spent in the engine from time spent getting outputs to the caller. On Linux,
``time.monotonic`` and ``time.perf_counter`` both read ``CLOCK_MONOTONIC``, shared by every process of the machine, so
the engine-core stamps are also given in our clock's nanoseconds (``*_ns``) and compare directly with
``response.first_token_ns`` and friends.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

__all__ = ["MONOTONIC_STAMPS", "engine_timing"]

#: Stamps vLLM takes with ``time.monotonic`` (engine core); ``arrival_time`` is wall clock and stays in seconds.
MONOTONIC_STAMPS = ("queued_ts", "scheduled_ts", "first_token_ts", "last_token_ts")

_FIELDS = (
    "arrival_time",
    *MONOTONIC_STAMPS,
    "first_token_latency",
    "num_generation_tokens",
    "num_preemptions",
)

# Only where monotonic and perf_counter are the same clock may their readings be mixed.
_SHARED_CLOCK = sys.platform.startswith("linux")


def engine_timing(metrics: Any) -> dict[str, Any] | None:
    """A JSON-safe dict of the engine's stamps for one request, or ``None`` when the engine logs no stats."""
    if metrics is None:
        return None
    if dataclasses.is_dataclass(metrics) and not isinstance(metrics, type):
        source = dataclasses.asdict(metrics)
    else:
        source = {name: getattr(metrics, name) for name in _FIELDS if hasattr(metrics, name)}
    timing = {name: value for name, value in source.items() if isinstance(value, int | float | bool)}
    if _SHARED_CLOCK:
        for name in MONOTONIC_STAMPS:
            value = timing.get(name)
            if isinstance(value, float) and value > 0:
                timing[f"{name}_ns"] = int(value * 1e9)
    return timing
