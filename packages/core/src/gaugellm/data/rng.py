"""Random numbers that depend on nothing but (seed, index): the root of reproducible synthetic data.

Each request gets its own generator, seeded from a string naming the data set's seed and the request's index. String
seeds go through SHA-512 inside :mod:`random` (never through ``hash()``, which is salted per process), so the numbers
are the same in every process and every run. Only :meth:`random.Random.random` is used, the one method whose sequence
Python promises to keep across versions; integers and normal deviates are derived from it here rather than with
``randrange`` or ``gauss``, whose algorithms may change. Building requests lazily and out of order, in any process,
therefore gives the same requests.
"""

from __future__ import annotations

import math
import random

__all__ = ["RequestRandom"]


class RequestRandom:
    """The random stream of one request (or of one shared part, such as the common prefix)."""

    __slots__ = ("_next", "next_float")

    def __init__(self, seed: int, index: int, purpose: str = "request") -> None:
        self._next = random.Random(f"gaugellm/{purpose}/{seed}/{index}").random
        #: The underlying ``random()`` itself, for hot loops that cannot afford a method call per number.
        self.next_float = self._next

    def uniform(self) -> float:
        """A float in [0, 1)."""
        return self._next()

    def below(self, n: int) -> int:
        """An integer in [0, n), for n >= 1."""
        return min(int(self._next() * n), n - 1)

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high], both ends included."""
        return low + self.below(high - low + 1)

    def normal(self) -> float:
        """A standard normal deviate (Box-Muller, using two uniforms)."""
        u1 = 1.0 - self._next()  # in (0, 1]: log() stays finite
        u2 = self._next()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
