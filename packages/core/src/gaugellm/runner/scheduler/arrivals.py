"""When the requests of a rate profile start, as offsets in nanoseconds from the stage's start.

Offsets are computed from the request's position (constant) or accumulated from seeded gamma gaps (poisson,
exponential unless a burstiness is given), never from "now": a late dispatch does not push the following requests
later, which is what keeps a rate profile honest when the server (or the client) falls behind. The lag shows up as
dispatch lag instead.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Callable, Iterator

__all__ = ["MAX_BURSTINESS", "constant_offsets", "gamma_offsets", "poisson_offsets"]

#: The most regular arrivals a burstiness may ask for: beyond it the gaps are as good as constant (use the constant
#: profile), and a value that large is more likely a typo than a wish.
MAX_BURSTINESS = 1000.0


def constant_offsets(rate: float) -> Iterator[int]:
    """Evenly spaced: request ``i`` at ``i / rate`` seconds."""
    if rate <= 0:
        raise ValueError(f"a rate must be positive, got {rate}")
    interval_ns = 1e9 / rate
    return (round(index * interval_ns) for index in itertools.count())


def poisson_offsets(rate: float, seed: int) -> Iterator[int]:
    """A Poisson process: exponential gaps of mean ``1 / rate`` seconds, reproducible from ``seed``."""
    return gamma_offsets(rate, seed, burstiness=1.0)


def gamma_offsets(rate: float, seed: int, burstiness: float = 1.0) -> Iterator[int]:
    """A renewal process of mean rate ``rate`` whose gaps are gamma-distributed with shape ``burstiness``.

    The gaps' mean stays ``1 / rate`` (the scale is ``1 / (burstiness * rate)``) and their coefficient of variation is
    ``1 / sqrt(burstiness)``: below 1 the requests come in bursts, above 1 more evenly, and 1 is the Poisson process,
    drawn exactly as :func:`poisson_offsets` always drew it (``expovariate``) so that older seeded runs reproduce.
    """
    if not rate > 0 or not math.isfinite(rate):
        raise ValueError(f"a rate must be positive, got {rate}")
    if not 0 < burstiness <= MAX_BURSTINESS:
        raise ValueError(f"a burstiness must be positive and at most {MAX_BURSTINESS:g}, got {burstiness}")
    rng = random.Random(seed)
    gap: Callable[[], float]
    if burstiness == 1.0:
        gap = functools.partial(rng.expovariate, rate)
    else:
        gap = functools.partial(rng.gammavariate, burstiness, 1.0 / (burstiness * rate))
    return _accumulate(gap)


def _accumulate(gap: Callable[[], float]) -> Iterator[int]:
    """Offsets (ns) of a process that starts at 0 and then waits ``gap()`` seconds between requests."""
    elapsed_s = 0.0
    while True:
        yield round(elapsed_s * 1e9)
        elapsed_s += gap()
