"""Think time: how long a user of a conversation waits after an answer before sending the next turn."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from gaugellm.data.rng import RequestRandom
from gaugellm.errors import DataError

__all__ = ["ThinkTime", "parse_think_time"]


@dataclass(frozen=True, slots=True)
class ThinkTime:
    """How long a user waits after an answer before the next turn: ``fixed`` (``low``), ``uniform`` between ``low``
    and ``high``, or ``exponential`` with mean ``low`` (seconds)."""

    kind: Literal["fixed", "uniform", "exponential"] = "fixed"
    low: float = 0.0
    high: float = 0.0

    def sample(self, rnd: RequestRandom) -> float:
        if self.kind == "uniform":
            return self.low + (self.high - self.low) * rnd.uniform()
        if self.kind == "exponential":
            return -self.low * math.log(1.0 - rnd.uniform())
        return self.low

    def describe(self) -> dict[str, Any]:
        if self.kind == "uniform":
            return {"distribution": "uniform", "min_s": self.low, "max_s": self.high}
        if self.kind == "exponential":
            return {"distribution": "exponential", "mean_s": self.low}
        return {"distribution": "fixed", "value_s": self.low}


def parse_think_time(raw: Any, distribution: Any) -> ThinkTime:
    """``think_s=2`` (fixed), ``think_s=1-3`` (uniform) or ``think_s=2,think_s_distribution=exponential`` (mean 2)."""
    if raw is None:
        if distribution is not None:
            raise DataError("--data: think_s_distribution needs think_s (the think time in seconds)")
        return ThinkTime()
    text = str(raw).strip()
    low_text, dash, high_text = text.partition("-") if not isinstance(raw, int | float) else (text, "", "")
    try:
        low = float(low_text)
        high = float(high_text) if dash else low
    except ValueError:
        raise DataError(f"--data: think_s must be seconds (2, 0.5) or a range (1-3), got {raw!r}") from None
    if not (0 <= low <= high < math.inf):
        raise DataError(f"--data: think_s must be zero or more seconds, low to high, got {raw!r}")
    kind = "uniform" if dash else "fixed"
    if distribution is not None:
        chosen = str(distribution).strip().lower()
        if chosen not in ("fixed", "uniform", "exponential"):
            raise DataError(f"--data: think_s_distribution must be fixed, uniform or exponential, got {distribution!r}")
        if (chosen == "uniform") != bool(dash):
            raise DataError("--data: a uniform think_s is a range (think_s=1-3); fixed and exponential take one number")
        kind = chosen
    return ThinkTime(kind, low, high)  # type: ignore[arg-type]
