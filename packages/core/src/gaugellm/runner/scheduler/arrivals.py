"""When the requests of a rate profile start, as offsets in nanoseconds from the stage's start.

Offsets are computed from the request's position (constant) or accumulated from seeded exponential gaps
(poisson), never from "now": a late dispatch does not push the following requests later, which is what keeps a
rate profile honest when the server (or the client) falls behind. The lag shows up as dispatch lag instead.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

__all__ = ["constant_offsets", "poisson_offsets"]


def constant_offsets(rate: float) -> Iterator[int]:
    """Evenly spaced: request ``i`` at ``i / rate`` seconds."""
    if rate <= 0:
        raise ValueError(f"a rate must be positive, got {rate}")
    interval_ns = 1e9 / rate
    return (round(index * interval_ns) for index in itertools.count())


def poisson_offsets(rate: float, seed: int) -> Iterator[int]:
    """A Poisson process: exponential gaps of mean ``1 / rate`` seconds, reproducible from ``seed``."""
    if rate <= 0:
        raise ValueError(f"a rate must be positive, got {rate}")
    rng = random.Random(seed)

    def generate() -> Iterator[int]:
        elapsed_s = 0.0
        while True:
            yield round(elapsed_s * 1e9)
            elapsed_s += rng.expovariate(rate)

    return generate()
