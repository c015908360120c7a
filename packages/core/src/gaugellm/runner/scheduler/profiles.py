"""Profiles: the plan of stages a run goes through.

A profile is asked for its next stage after each one finishes, with the request rates measured so far, because one
of them (``sweep``) decides its rates from what it measured: synchronous first (the lowest useful rate), throughput
second (the highest), then ``K`` constant rates evenly spaced strictly between the two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from gaugellm.bounds import MAX_SWEEP_RATES
from gaugellm.errors import RunConfigError
from gaugellm.runner.scheduler.arrivals import MAX_BURSTINESS
from gaugellm.runner.scheduler.stages import StageSpec

if TYPE_CHECKING:
    from gaugellm.runner.stage import StageOutcome

__all__ = [
    "DEFAULT_SWEEP_RATES",
    "DEFAULT_THROUGHPUT_CONCURRENCY",
    "PROFILES",
    "Plan",
    "Profile",
    "ProfileKind",
    "make_profile",
]

ProfileKind = Literal["synchronous", "concurrent", "constant", "poisson", "throughput", "sweep", "capacity", "replay"]
PROFILES: tuple[ProfileKind, ...] = (
    "synchronous",
    "concurrent",
    "constant",
    "poisson",
    "throughput",
    "sweep",
    "capacity",
    "replay",
)

#: ``throughput`` sends as fast as the server answers, but with at most this many requests in flight unless
#: ``--concurrency`` says otherwise: unbounded would only measure how the client queues.
DEFAULT_THROUGHPUT_CONCURRENCY = 128
#: How many rates a sweep tries between its synchronous and throughput stages when ``--rate`` is not given.
DEFAULT_SWEEP_RATES = 5


class Plan(Protocol):
    """What the engine runs: stages, each chosen once the ones before it finished."""

    @property
    def kind(self) -> str: ...

    @property
    def stages(self) -> list[StageSpec]: ...

    @property
    def planned_stages(self) -> int: ...

    def next_stage(self, history: Sequence[StageOutcome]) -> StageSpec | None: ...


def _unsustainable(outcome: StageOutcome) -> bool:
    sustainable = getattr(outcome.sink, "sustainable", None)
    return callable(sustainable) and sustainable() is False


@dataclass
class Profile:
    """A fixed list of stages, or (sweep) a rule for the next one."""

    kind: ProfileKind
    stages: list[StageSpec] = field(default_factory=list)
    sweep_rates: int = 0
    seed: int = 42

    def next_stage(self, history: Sequence[StageOutcome]) -> StageSpec | None:
        """The stage after those in ``history`` (``None`` when the profile is done).

        A sweep stops adding rates once one was unsustainable: its rates rise, so every later one would only measure
        a collapsing server.
        """
        done = len(history)
        if done < len(self.stages):
            return self.stages[done]
        if self.kind != "sweep" or done >= len(self.stages) + self.sweep_rates:
            return None
        if done > len(self.stages) and _unsustainable(history[-1]):
            return None
        low, high = history[0].sustained_start_rate or 0.0, history[1].sustained_start_rate or 0.0
        if high <= 0:
            return None  # nothing succeeded at full speed: no rate between is meaningful
        low = min(low, high)
        step = done - len(self.stages) + 1
        rate = low + (high - low) * step / (self.sweep_rates + 1)
        return StageSpec(name=f"constant@{rate:.4g}", kind="constant", rate=rate, seed=self.seed)

    @property
    def planned_stages(self) -> int:
        return len(self.stages) + self.sweep_rates


def make_profile(
    kind: ProfileKind,
    *,
    rates: Sequence[float] = (),
    concurrency: int | None = None,
    seed: int = 42,
    burstiness: float = 1.0,
    ramp_up_s: float | None = None,
) -> Profile:
    """Build a profile from the run options, with a readable error for combinations that make no sense."""
    _check_arrival_shape(kind, burstiness, ramp_up_s)
    if concurrency is not None and concurrency < 1:
        raise RunConfigError(f"--concurrency must be at least 1, got {concurrency}")
    if any(not 0 < rate < math.inf for rate in rates):  # nan and inf too: neither makes a schedule
        raise RunConfigError(f"rates must be positive, got {', '.join(f'{rate:g}' for rate in rates)}")
    if kind in ("synchronous", "concurrent", "throughput") and rates:
        raise RunConfigError(f"--rate does not apply to the {kind} profile (it sets no rate); remove it")
    if kind == "synchronous":
        if concurrency not in (None, 1):
            raise RunConfigError("the synchronous profile sends one request at a time; use --profile concurrent")
        return Profile(kind, [StageSpec(name="synchronous", kind="synchronous", concurrency=1)], seed=seed)
    if kind == "concurrent":
        if concurrency is None:
            raise RunConfigError("the concurrent profile needs --concurrency N (the number of parallel streams)")
        return Profile(kind, [StageSpec(name=f"concurrent@{concurrency}", kind="concurrent", concurrency=concurrency)])
    if kind == "throughput":
        bound = concurrency or DEFAULT_THROUGHPUT_CONCURRENCY
        return Profile(kind, [StageSpec(name="throughput", kind="throughput", concurrency=bound)], seed=seed)
    if kind in ("constant", "poisson"):
        if not rates:
            raise RunConfigError(f"the {kind} profile needs --rate R (requests per second; several for several stages)")
        if concurrency is not None:
            raise RunConfigError(f"--concurrency does not apply to the {kind} profile (it sets a rate); remove it")
        return Profile(
            kind,
            [
                StageSpec(
                    name=f"{kind}@{rate:g}",
                    kind=kind,
                    rate=rate,
                    seed=seed + i,
                    burstiness=burstiness,
                    ramp_up_s=ramp_up_s,
                )
                for i, rate in enumerate(rates)
            ],
            seed=seed,
        )
    if kind == "sweep":
        if len(rates) > 1 or (rates and (rates[0] != int(rates[0]) or not 1 <= rates[0] <= MAX_SWEEP_RATES)):
            raise RunConfigError(
                "for a sweep, --rate is the number of rates to try between synchronous and throughput "
                f"(1 to {MAX_SWEEP_RATES})"
            )
        bound = concurrency or DEFAULT_THROUGHPUT_CONCURRENCY
        return Profile(
            kind,
            [
                StageSpec(name="synchronous", kind="synchronous", concurrency=1),
                StageSpec(name="throughput", kind="throughput", concurrency=bound),
            ],
            sweep_rates=int(rates[0]) if rates else DEFAULT_SWEEP_RATES,
            seed=seed,
        )
    raise RunConfigError(f"unknown profile {kind!r}; choose one of {', '.join(PROFILES)}")


def _check_arrival_shape(kind: ProfileKind, burstiness: float, ramp_up_s: float | None) -> None:
    """``--burstiness`` and ``--ramp-up`` shape when a rate profile's requests are due; elsewhere they would be
    silently ignored, so they are errors there."""
    if not 0 < burstiness <= MAX_BURSTINESS:
        raise RunConfigError(f"--burstiness must be above 0 and at most {MAX_BURSTINESS:g}, got {burstiness:g}")
    if burstiness != 1.0 and kind != "poisson":
        raise RunConfigError(
            f"--burstiness shapes the gaps of the poisson profile and does not apply to {kind}; "
            "use --profile poisson or remove it"
        )
    if ramp_up_s is None:
        return
    if not 0 < ramp_up_s < math.inf:
        raise RunConfigError(f"--ramp-up must be a positive number of seconds, got {ramp_up_s:g}")
    if kind not in ("constant", "poisson"):
        raise RunConfigError(
            f"--ramp-up applies to the constant and poisson profiles (it ramps their rate up), not to {kind}; remove it"
        )
