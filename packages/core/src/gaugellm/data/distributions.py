"""Distributions of token counts (prompt length, output length) for synthetic data.

A workload is rarely one fixed length: real traffic spreads around a typical size. These are the shapes a user can ask
for in a ``--data`` spec. All sample whole numbers of tokens, at least 1, from a :class:`RequestRandom`, so that a
sample depends only on (seed, index).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from gaugellm.data.rng import RequestRandom

__all__ = [
    "ChoiceDistribution",
    "DistributionKind",
    "FixedDistribution",
    "LogNormalDistribution",
    "NormalDistribution",
    "TokenDistribution",
    "UniformDistribution",
]

DistributionKind = Literal["fixed", "uniform", "choice", "normal", "lognormal"]

# A truncated normal is sampled by drawing again while the draw falls outside [min, max]; past this many tries the
# last draw is clamped, so a bound far in the tail cannot stall generation.
_MAX_REDRAWS = 32


def _round(value: float) -> int:
    # Half up, not Python's half-to-even: the rule should not depend on whether the integer part is even.
    return math.floor(value + 0.5)


@dataclass(frozen=True, slots=True)
class FixedDistribution:
    """Every request gets the same count."""

    value: int

    @property
    def kind(self) -> DistributionKind:
        return "fixed"

    @property
    def lowest(self) -> int:
        return self.value

    @property
    def highest(self) -> int | None:
        return self.value

    def sample(self, rnd: RequestRandom) -> int:
        return self.value

    def describe(self) -> dict[str, Any]:
        return {"distribution": "fixed", "value": self.value}


@dataclass(frozen=True, slots=True)
class UniformDistribution:
    """Whole numbers from ``minimum`` to ``maximum``, both included, equally likely."""

    minimum: int
    maximum: int

    @property
    def kind(self) -> DistributionKind:
        return "uniform"

    @property
    def lowest(self) -> int:
        return self.minimum

    @property
    def highest(self) -> int | None:
        return self.maximum

    def sample(self, rnd: RequestRandom) -> int:
        return rnd.between(self.minimum, self.maximum)

    def describe(self) -> dict[str, Any]:
        return {"distribution": "uniform", "min": self.minimum, "max": self.maximum}


@dataclass(frozen=True, slots=True)
class ChoiceDistribution:
    """One of a few listed counts, equally likely (e.g. a mix of short and long prompts)."""

    values: tuple[int, ...]

    @property
    def kind(self) -> DistributionKind:
        return "choice"

    @property
    def lowest(self) -> int:
        return min(self.values)

    @property
    def highest(self) -> int | None:
        return max(self.values)

    def sample(self, rnd: RequestRandom) -> int:
        return self.values[rnd.below(len(self.values))]

    def describe(self) -> dict[str, Any]:
        return {"distribution": "choice", "values": list(self.values)}


@dataclass(frozen=True, slots=True)
class NormalDistribution:
    """A normal distribution truncated to [minimum, maximum] (``maximum`` None: no upper bound)."""

    mean: float
    stdev: float
    minimum: int = 1
    maximum: int | None = None

    @property
    def kind(self) -> DistributionKind:
        return "normal"

    @property
    def lowest(self) -> int:
        return self.minimum

    @property
    def highest(self) -> int | None:
        return self.maximum

    def _draw(self, rnd: RequestRandom) -> float:
        return self.mean + self.stdev * rnd.normal()

    def sample(self, rnd: RequestRandom) -> int:
        value = self.minimum
        for _ in range(_MAX_REDRAWS):
            value = _round(self._draw(rnd))
            if value >= self.minimum and (self.maximum is None or value <= self.maximum):
                return value
        return _clamp(value, self.minimum, self.maximum)

    def describe(self) -> dict[str, Any]:
        return {
            "distribution": self.kind,
            "mean": self.mean,
            "stdev": self.stdev,
            "min": self.minimum,
            "max": self.maximum,
        }


@dataclass(frozen=True, slots=True)
class LogNormalDistribution(NormalDistribution):
    """A log-normal distribution with the given mean and standard deviation (of the counts, not of their logs).

    Request lengths in real traffic are skewed: many short, a long tail of long ones. A log-normal has that shape.
    """

    @property
    def kind(self) -> DistributionKind:
        return "lognormal"

    def _draw(self, rnd: RequestRandom) -> float:
        sigma2 = math.log(1.0 + (self.stdev / self.mean) ** 2)
        mu = math.log(self.mean) - sigma2 / 2.0
        return math.exp(mu + math.sqrt(sigma2) * rnd.normal())


def _clamp(value: int, minimum: int, maximum: int | None) -> int:
    value = max(value, minimum)
    return value if maximum is None else min(value, maximum)


TokenDistribution = (
    FixedDistribution | UniformDistribution | ChoiceDistribution | NormalDistribution | LogNormalDistribution
)
