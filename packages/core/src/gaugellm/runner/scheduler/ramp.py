"""A linear ramp-up for rate stages: the rate grows from 0 to ``R`` over the first ``T`` seconds, then holds ``R``.

Rather than a second way to draw arrivals, the ramp *time-warps* those of the stage's own process (constant, or
poisson of any burstiness): an arrival at time ``u`` of the un-ramped process is sent at the time ``t`` when the
ramped process has accumulated as many expected arrivals, ``Λ(t) = R * u``, where

    Λ(t) = R * t² / (2T)        for t < T
    Λ(t) = R * (T/2 + t - T)    after,

so ``t = sqrt(2 * T * u)`` for ``u < T/2`` and ``t = u + T/2`` after. Warping keeps the process's character (a
constant stage stays evenly spaced in expected-arrival terms, a seeded poisson stage keeps its draws) and keeps the
offsets fixed in advance, which is what makes a rate profile open loop.

The requests scheduled during the ramp are left out of the results like a warm-up: a benchmark at rate ``R``
should report what the server did at ``R``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence

from gaugellm.errors import RunConfigError
from gaugellm.runner.scheduler.limits import StageLimits

__all__ = ["check_ramp", "expected_arrivals", "ramp_offsets"]


def ramp_offsets(offsets: Iterable[int], ramp_up_s: float) -> Iterator[int]:
    """``offsets`` (ns, of the un-ramped process) as they fall once the rate ramps up linearly over ``ramp_up_s``."""
    if not ramp_up_s > 0 or not math.isfinite(ramp_up_s):
        raise ValueError(f"a ramp-up must be a positive number of seconds, got {ramp_up_s}")
    return _warp(offsets, ramp_up_s * 1e9)


def _warp(offsets: Iterable[int], ramp_ns: float) -> Iterator[int]:
    half_ns = ramp_ns / 2
    for offset in offsets:
        yield round(math.sqrt(2 * ramp_ns * offset)) if offset < half_ns else round(offset + half_ns)


def expected_arrivals(rate: float, ramp_up_s: float, at_s: float) -> float:
    """``Λ(at_s)``: how many requests a stage at ``rate`` ramped over ``ramp_up_s`` expects by ``at_s`` seconds."""
    if at_s <= 0:
        return 0.0
    if at_s < ramp_up_s:
        return rate * at_s * at_s / (2 * ramp_up_s)
    return rate * (ramp_up_s / 2 + at_s - ramp_up_s)


def check_ramp(ramp_up_s: float | None, rates: Sequence[float], limits: StageLimits) -> None:
    """Refuse a ramp that would leave nothing of a stage to measure, before any worker starts."""
    if ramp_up_s is None:
        return
    cool_n, cool_ns = limits.cooldown.resolve(limits.max_requests, limits.max_seconds)
    if limits.max_seconds is not None and ramp_up_s * 1e9 + cool_ns >= limits.max_seconds * 1e9:
        raise RunConfigError(
            f"--ramp-up {ramp_up_s:g}s leaves nothing of --max-seconds {limits.max_seconds:g} to measure "
            "(the ramp is left out of the results, like a warm-up); shorten the ramp or run longer"
        )
    if limits.max_requests is not None:
        for rate in rates:
            in_ramp = math.ceil(expected_arrivals(rate, ramp_up_s, ramp_up_s))
            if in_ramp + cool_n >= limits.max_requests:
                raise RunConfigError(
                    f"--ramp-up {ramp_up_s:g}s at {rate:g} requests/s schedules about {in_ramp} requests during the "
                    f"ramp, which leaves nothing of --max-requests {limits.max_requests} to measure"
                )
