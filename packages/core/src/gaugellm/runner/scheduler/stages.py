"""One stage of a profile: one benchmark in the report (e.g. one rate of a sweep)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gaugellm.runner.scheduler.arrivals import constant_offsets, gamma_offsets
from gaugellm.runner.scheduler.ramp import ramp_offsets

if TYPE_CHECKING:
    from gaugellm.runner.scheduler.capacity import ProbeRule

__all__ = ["StageKind", "StageSpec"]

StageKind = Literal["synchronous", "concurrent", "throughput", "constant", "poisson", "replay"]


@dataclass(frozen=True, slots=True)
class StageSpec:
    """What to send during one stage.

    Either ``concurrency`` streams that each send their next request when the previous one ends (synchronous,
    concurrent, throughput), or requests at ``rate`` per second whatever happens to earlier ones (constant, poisson).
    A poisson stage's gaps are gamma-distributed with shape ``burstiness`` (1: exponential); a rate stage with
    ``ramp_up_s`` reaches its rate linearly over that many seconds (see :mod:`gaugellm.runner.scheduler.ramp`).
    """

    name: str
    kind: StageKind
    concurrency: int | None = None
    rate: float | None = None
    seed: int = 42
    burstiness: float = 1.0
    ramp_up_s: float | None = None
    max_seconds: float | None = None  # shorter than the run's --max-seconds (capacity probes, budgets)
    probe: ProbeRule | None = None  # judged while it runs (capacity search)
    offsets: tuple[int, ...] | None = None  # a replayed trace's arrival times (ns from the stage's start)
    speedup: float = 1.0  # how much faster than recorded the trace is replayed

    @property
    def timed(self) -> bool:
        """Whether requests have scheduled times (rate and replay stages) rather than concurrency slots."""
        return self.rate is not None or self.offsets is not None

    @property
    def offered_rate(self) -> float | None:
        """Requests per second the stage offers: its rate, or a replay's mean rate over its span."""
        if self.rate is not None:
            return self.rate
        if self.offsets is not None and len(self.offsets) > 1 and self.offsets[-1] > 0:
            return (len(self.offsets) - 1) / (self.offsets[-1] / 1e9)
        return None

    def arrivals(self) -> Iterator[int] | None:
        """Offsets (ns) from the stage start at which requests are due, for timed stages (finite for a replay)."""
        if self.offsets is not None:
            return iter(self.offsets)
        if self.rate is None:
            return None
        if self.kind == "poisson":
            offsets = gamma_offsets(self.rate, self.seed, self.burstiness)
        else:
            offsets = constant_offsets(self.rate)
        return offsets if self.ramp_up_s is None else ramp_offsets(offsets, self.ramp_up_s)

    def describe(self) -> dict[str, Any]:
        """The ``profile`` entry of the benchmark in the report."""
        described: dict[str, Any] = {"kind": self.kind}
        if self.concurrency is not None:
            described["concurrency"] = self.concurrency
        if self.rate is not None:
            described["rate"] = self.rate
        if self.kind == "poisson":
            described["seed"] = self.seed
        if self.burstiness != 1.0:
            described["burstiness"] = self.burstiness
        if self.ramp_up_s is not None:
            described["ramp_up_s"] = self.ramp_up_s
        if self.probe is not None:
            described["probe"] = "measure" if self.probe.measure_only else f"attainment>={self.probe.target:g}"
        if self.offsets is not None:
            described["requests"] = len(self.offsets)
            described["span_s"] = self.offsets[-1] / 1e9 if self.offsets else 0.0
            described["speedup"] = self.speedup
        return described
