"""One stage of a profile: one benchmark in the report (e.g. one rate of a sweep)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gaugellm.runner.scheduler.arrivals import constant_offsets, poisson_offsets

if TYPE_CHECKING:
    from gaugellm.runner.scheduler.capacity import ProbeRule

__all__ = ["StageKind", "StageSpec"]

StageKind = Literal["synchronous", "concurrent", "throughput", "constant", "poisson"]


@dataclass(frozen=True, slots=True)
class StageSpec:
    """What to send during one stage.

    Either ``concurrency`` streams that each send their next request when the previous one ends (synchronous,
    concurrent, throughput), or requests at ``rate`` per second whatever happens to earlier ones (constant, poisson).
    """

    name: str
    kind: StageKind
    concurrency: int | None = None
    rate: float | None = None
    seed: int = 42
    max_seconds: float | None = None  # shorter than the run's --max-seconds (capacity probes, budgets)
    probe: ProbeRule | None = None  # judged while it runs (capacity search)

    @property
    def timed(self) -> bool:
        """Whether requests have scheduled times (rate stages) rather than concurrency slots."""
        return self.rate is not None

    def arrivals(self) -> Iterator[int] | None:
        """Offsets (ns) from the stage start at which requests are due, for rate stages."""
        if self.rate is None:
            return None
        if self.kind == "poisson":
            return poisson_offsets(self.rate, self.seed)
        return constant_offsets(self.rate)

    def describe(self) -> dict[str, Any]:
        """The ``profile`` entry of the benchmark in the report."""
        described: dict[str, Any] = {"kind": self.kind}
        if self.concurrency is not None:
            described["concurrency"] = self.concurrency
        if self.rate is not None:
            described["rate"] = self.rate
        if self.kind == "poisson":
            described["seed"] = self.seed
        if self.probe is not None:
            described["probe"] = "measure" if self.probe.measure_only else f"attainment>={self.probe.target:g}"
        return described
