"""Is a rate stage's load sustainable? The trend of latency from the schedule says whether a queue builds up.

In an open-loop stage the requests leave at their scheduled times whatever the server does. Below its capacity the
server keeps up and a request's latency from its scheduled time does not depend on when it was scheduled; above, a
queue grows (in the server, or in the client when the client cannot keep up) and every request waits longer than the
one before: latency from schedule rises roughly linearly, at ``offered / served - 1`` seconds per second. The slope of
an ordinary least-squares line through (scheduled time, latency from schedule) therefore measures the overload, and a
stage is *unsustainable* when that slope is positive beyond its 95 % confidence interval **and** large enough to matter
over the stage (the growth across the window exceeds :data:`GROWTH_SHARE` of the median latency and
:data:`GROWTH_FLOOR_MS`). The second condition keeps a long, busy stage from being called saturated over a slope that
is real but harmless.

The line is kept as six running sums, so watching it costs the hot path a few float operations per request and no
memory. The interval assumes independent residuals; latencies of neighbouring requests are correlated in a real
server, which makes the interval narrower than it should be, and the magnitude condition is what guards against that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["GROWTH_FLOOR_MS", "GROWTH_SHARE", "MIN_POINTS", "LatencyTrend", "TrendEstimate"]

#: A queue must add at least this share of the median latency over the stage to count as saturation ...
GROWTH_SHARE = 0.25
#: ... and at least this many milliseconds (latencies of a few ms jitter by more than a quarter of themselves).
GROWTH_FLOOR_MS = 20.0
#: Fewer points than this, or a span under one second, and the trend says nothing.
MIN_POINTS = 30
_Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class TrendEstimate:
    """The fitted line: ``slope`` seconds of extra latency per second of schedule, with its 95 % interval."""

    points: int
    span_s: float
    slope: float
    slope_low: float
    slope_high: float

    @property
    def growth_ms(self) -> float:
        """How much the line rises across the span, in milliseconds."""
        return self.slope * self.span_s * 1000.0

    def sustainable(self, median_latency_ms: float | None) -> bool | None:
        """False when a queue clearly builds up (see the module's docstring), None when there is too little to say."""
        if self.points < MIN_POINTS or self.span_s < 1.0:
            return None
        threshold = max(GROWTH_FLOOR_MS, GROWTH_SHARE * (median_latency_ms or 0.0))
        return not (self.slope_low > 0 and self.growth_ms > threshold)


class LatencyTrend:
    """Running least squares of latency from schedule (s) against scheduled time (s from the first point)."""

    __slots__ = ("_origin", "n", "sx", "sxx", "sxy", "sy", "syy", "x_max", "x_min")

    def __init__(self) -> None:
        self._origin: int | None = None
        self.n = 0
        self.sx = self.sy = self.sxx = self.sxy = self.syy = 0.0
        self.x_min = math.inf
        self.x_max = -math.inf

    def add(self, scheduled_ns: int, latency_ns: int) -> None:
        origin = self._origin
        if origin is None:
            origin = self._origin = scheduled_ns
        x = (scheduled_ns - origin) / 1e9
        y = latency_ns / 1e9
        self.n += 1
        self.sx += x
        self.sy += y
        self.sxx += x * x
        self.sxy += x * y
        self.syy += y * y
        if x < self.x_min:
            self.x_min = x
        if x > self.x_max:
            self.x_max = x

    def estimate(self) -> TrendEstimate | None:
        """The line so far; ``None`` with fewer than three points or no spread in time."""
        n = self.n
        if n < 3:
            return None
        sxx = self.sxx - self.sx * self.sx / n
        if sxx <= 0:
            return None
        sxy = self.sxy - self.sx * self.sy / n
        syy = self.syy - self.sy * self.sy / n
        slope = sxy / sxx
        residual = max(0.0, syy - slope * sxy) / (n - 2)
        half = _Z95 * math.sqrt(residual / sxx)
        return TrendEstimate(n, self.x_max - self.x_min, slope, slope - half, slope + half)
