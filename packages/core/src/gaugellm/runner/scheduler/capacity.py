"""The capacity search: the highest load at which the SLO still holds for the target share of requests.

A search is a profile whose next stage depends on the verdicts of the stages before it. For a request rate:

1. **Bracket.** A short throughput stage (as fast as the server answers, bounded concurrency) measures the most the
   deployment completes per second: no higher rate is sustainable. The first rate probe is just below it; a pass
   there probes just above it (and then a quarter higher while probes pass), a fail halves until a probe passes.
2. **Confirm** a rate probe that failed on the trend alone while its requests met the target: a stall of the
   client's own machine looks like a queue for a moment, so such a probe is run once more at the same rate and the
   later verdict counts. A queue that really builds up fails both.
3. **Narrow** the bracket between the highest passing and the lowest failing rate until they are within
   ``precision`` of each other (relative to the failing one): at the rate the lowest failing probe's queue growth
   points to (see :meth:`CapacitySearch._between`), else at the middle.

Each probe is a constant-rate stage judged by a :class:`ProbeRule` while it runs, at ``looks`` evenly spaced moments:
it fails as soon as a queue clearly builds up (:mod:`gaugellm.metrics.trend`) or the attainment's interval lies below
the target, and passes as soon as the interval lies at or above the target with the load sustainable. The interval is a
Wilson score interval at confidence ``1 - (1 - confidence) / looks`` per look (Bonferroni), so that looking several
times still leaves each probe's verdict wrong with probability at most ``1 - confidence`` while the attainment is
steady. A probe undecided at its last moment is decided by the point estimate, and says so.

For a concurrency (``by="concurrency"``) the probes are closed-loop stages with 1, 2, 4 ... streams until one fails,
then integer bisection. The answer is the highest passing value, with the lowest failing one as its upper bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, cast

from gaugellm.metrics.slo import z_for
from gaugellm.runner.scheduler.stages import StageSpec

if TYPE_CHECKING:
    from gaugellm.runner.stage import StageOutcome

__all__ = [
    "LOOKS",
    "MAX_PROBES",
    "CapacityProbe",
    "CapacitySearch",
    "CapacityStatus",
    "ProbeRule",
    "ProbeVerdict",
    "SearchBy",
]

#: How many times a probe is judged while it runs (the last at its end).
LOOKS = 4
#: The bracketing throughput stage runs a quarter of a probe's time, but at least this long.
MIN_MEASURE_SECONDS = 2.0
#: The throughput stage's measured window gives its rate only with at least this many measured successes.
MIN_MEASURED_FOR_RATE = 30
#: A search never runs more probes than this, whatever its budget.
MAX_PROBES = 16
#: The first rate probe sits this far below the measured throughput ...
FIRST_PROBE_SHARE = 0.9
#: ... and, when it passes, the next one this far above it ...
ABOVE_THROUGHPUT = 1.05
#: ... and then each this much above the last that passed.
GROWTH_STEP = 1.25

SearchBy = Literal["rate", "concurrency"]
CapacityStatus = Literal["found", "bracketed", "below_lowest", "above_highest", "no_answer"]


class JudgedSink(Protocol):
    """What a probe reads from a stage's metrics while it runs (``BenchmarkAccumulator`` is one)."""

    def attainment(self, z: float = ...) -> tuple[int, int, tuple[float, float] | None]: ...

    def sustainable(self) -> bool | None: ...

    def latency_growth(self) -> float | None: ...


DecidedBy = Literal["interval", "trend", "point estimate", "no data", "measurement"]


@dataclass(frozen=True, slots=True)
class ProbeVerdict:
    """A probe's outcome, with the counts and interval it was decided on."""

    passed: bool
    reason: str
    decided_by: DecidedBy
    good: int = 0
    judged: int = 0
    attainment_low: float | None = None
    attainment_high: float | None = None
    sustainable: bool | None = None
    latency_growth: float | None = None  # seconds of latency per second of schedule (rate probes)

    @property
    def attainment(self) -> float | None:
        return self.good / self.judged if self.judged else None


@dataclass(frozen=True, slots=True)
class ProbeRule:
    """How a probe is judged: the attainment ``target``, over ``looks`` moments, at ``confidence`` overall."""

    target: float
    looks: int = LOOKS
    confidence: float = 0.95
    measure_only: bool = False  # the bracketing throughput stage: measured, never judged

    @property
    def z(self) -> float:
        return z_for(1 - (1 - self.confidence) / self.looks)

    def judge(self, sink: JudgedSink, *, final: bool) -> ProbeVerdict | None:
        """The verdict so far, or ``None`` while it is too early to tell (never ``None`` when ``final``)."""
        good, judged, interval = sink.attainment(self.z)
        sustainable = sink.sustainable()
        low, high = interval if interval is not None else (None, None)

        def verdict(passed: bool, reason: str, by: DecidedBy) -> ProbeVerdict:
            return ProbeVerdict(passed, reason, by, good, judged, low, high, sustainable, sink.latency_growth())

        if sustainable is False:
            return verdict(False, "a queue builds up: latency from schedule keeps growing", "trend")
        if low is None or high is None:
            return verdict(False, "no request was judged", "no data") if final else None
        share = f"{good}/{judged} good, interval {low:.2%}..{high:.2%}"
        if high < self.target:
            return verdict(False, f"below the {self.target:.2%} target ({share})", "interval")
        if low >= self.target and (sustainable is True or final):
            return verdict(True, f"meets the {self.target:.2%} target ({share})", "interval")
        if not final:
            return None
        passed = good / judged >= self.target
        word = "meets" if passed else "misses"
        return verdict(
            passed, f"undecided; the point estimate {word} the {self.target:.2%} target ({share})", "point estimate"
        )


@dataclass
class CapacityProbe:
    """One probe of the search: which load, and what was decided."""

    stage: str
    value: float
    verdict: ProbeVerdict
    duration_s: float
    request_rate: float | None = None

    @property
    def measured(self) -> bool:
        """The bracketing throughput stage: measured, not judged."""
        return self.verdict.decided_by == "measurement"


@dataclass
class CapacitySearch:
    """The ``capacity`` profile: asks for its next probe with every stage so far (see the module's docstring)."""

    rule: ProbeRule
    probe_seconds: float
    by: SearchBy = "rate"
    precision: float = 0.03
    budget_s: float | None = None
    bound: int = 128  # rate: the throughput stage's concurrency; concurrency: the most streams tried
    seed: int = 42
    kind: Literal["capacity"] = "capacity"
    stages: list[StageSpec] = field(default_factory=list)  # none fixed in advance
    probes: list[CapacityProbe] = field(default_factory=list)
    throughput: float | None = None
    spent_s: float = 0.0
    stopped: str | None = None

    @property
    def planned_stages(self) -> int:
        return MAX_PROBES

    # -- the answer ----------------------------------------------------------------------------------------------

    def _verdicts(self) -> dict[float, ProbeVerdict]:
        """Each probed load's verdict: the latest probe's at that load (a confirmation overrides what it confirms)."""
        return {probe.value: probe.verdict for probe in self.probes if not probe.measured}

    @property
    def passing(self) -> float | None:
        values = [value for value, verdict in self._verdicts().items() if verdict.passed]
        return max(values) if values else None

    @property
    def failing(self) -> float | None:
        values = [value for value, verdict in self._verdicts().items() if not verdict.passed]
        return min(values) if values else None

    def _unconfirmed(self, value: float) -> bool:
        """A rate failed once, on the trend alone, with its requests meeting the target: worth a second probe."""
        at_value = [probe for probe in self.probes if probe.value == value and not probe.measured]
        if len(at_value) != 1:
            return False
        verdict = at_value[0].verdict
        attainment = verdict.attainment
        return (
            not verdict.passed
            and verdict.decided_by == "trend"
            and attainment is not None
            and attainment >= self.rule.target
        )

    @property
    def status(self) -> CapacityStatus:
        low, high = self.passing, self.failing
        if low is None and high is None:
            return "no_answer"
        if low is None:
            return "below_lowest"
        if high is None:
            return "above_highest"
        return "found" if self._narrow(low, high) else "bracketed"

    def _narrow(self, low: float, high: float) -> bool:
        if self.by == "concurrency":
            return high - low <= max(1.0, self.precision * high)
        return (high - low) <= self.precision * high

    # -- the plan ------------------------------------------------------------------------------------------------

    def next_stage(self, history: Sequence[StageOutcome]) -> StageSpec | None:
        while len(self.probes) < len(history):
            self._learn(history[len(self.probes)])
        if self.stopped is not None:
            return None
        if len(self.probes) >= MAX_PROBES:
            self.stopped = f"reached {MAX_PROBES} probes"
            return None
        value = self._next_value()
        if value is None:
            return None
        seconds = self.probe_seconds
        if self.budget_s is not None:
            left = self.budget_s - self.spent_s
            if left < self.probe_seconds / self.rule.looks:
                self.stopped = f"the budget of {self.budget_s:g} s is spent"
                return None
            seconds = min(seconds, left)
        return self._spec(value, seconds)

    def _learn(self, outcome: StageOutcome) -> None:
        took = max(0.0, (outcome.end_ns - outcome.start_ns) / 1e9)
        self.spent_s += took
        spec = outcome.spec
        rule = spec.probe or self.rule
        if rule.measure_only:
            # The measured window's rate when enough requests were measured for a rate to mean anything; else
            # (a warm-up that covers most of this short stage leaves a handful, whose window is one request long)
            # every success over the whole stage, which starts empty and so reads a little low: the search moves
            # up from there.
            whole = outcome.ok / took if took > 0 and outcome.ok else None
            measured = outcome.request_rate if outcome.measured_ok >= MIN_MEASURED_FOR_RATE else None
            rate = measured or whole
            if rate:
                rate /= outcome.requests_per_start  # a rate offers starts: with conversations, conversations begun
            self.throughput = rate
            verdict = ProbeVerdict(True, "measured the highest completion rate", "measurement")
            self.probes.append(CapacityProbe(spec.name, float(spec.concurrency or 0), verdict, took, rate))
            if not rate:
                self.stopped = "nothing succeeded at full speed"
            return
        judged = outcome.verdict or rule.judge(cast("JudgedSink", outcome.sink), final=True)
        assert judged is not None
        if outcome.incomplete and outcome.stop_reason not in ("decided", "max_seconds", ""):
            self.stopped = f"the probe ended early: {outcome.stop_reason}"
        value = spec.rate if spec.rate is not None else float(spec.concurrency or 0)
        self.probes.append(CapacityProbe(spec.name, value, judged, took, outcome.request_rate))

    def _next_value(self) -> float | None:
        low, high = self.passing, self.failing
        if self.by == "concurrency":
            return self._next_concurrency(low, high)
        if self.throughput is None:
            return 0.0  # the bracketing throughput stage first
        if all(probe.measured for probe in self.probes):
            return FIRST_PROBE_SHARE * self.throughput
        if high is None:
            assert low is not None
            above = self.throughput * ABOVE_THROUGHPUT
            return above if low < above else GROWTH_STEP * low
        if self._unconfirmed(high):
            return high
        if low is None:
            return high / 2
        if self._narrow(low, high):
            return None
        return self._between(low, high)

    def _between(self, low: float, high: float) -> float:
        """The next rate inside the bracket: where the lowest failing probe says the server's rate is, else the middle.

        A probe that failed because a queue grew at ``g`` seconds per second was offered ``1 + g`` times what the
        server served, so the server's rate is about ``rate / (1 + g)``: probing just there (but not within half the
        precision of either end, where the answer would teach nothing) usually closes the bracket in one step.
        """
        margin = self.precision * high / 2
        failed = next((p for p in self.probes if not p.verdict.passed and p.value == high), None)
        growth = failed.verdict.latency_growth if failed is not None else None
        if failed is not None and failed.verdict.decided_by == "trend" and growth is not None and growth > 0:
            served = high / (1 + growth)
            if low + margin < high - margin:
                return min(max(served, low + margin), high - margin)
        return (low + high) / 2

    def _next_concurrency(self, low: float | None, high: float | None) -> float | None:
        if low is None and high is None:
            return 1.0
        if high is None:
            assert low is not None
            if low >= self.bound:
                self.stopped = f"passed at the highest concurrency tried ({self.bound})"
                return None
            return float(min(self.bound, int(low) * 2))
        if low is None:
            return None  # one stream already misses the SLO
        if self._narrow(low, high):
            return None
        middle = (int(low) + int(high)) // 2
        return float(middle) if int(low) < middle < int(high) else None

    def _spec(self, value: float, seconds: float) -> StageSpec:
        if self.by == "concurrency":
            streams = int(value)
            return StageSpec(
                name=f"probe@{streams}", kind="concurrent", concurrency=streams, max_seconds=seconds, probe=self.rule
            )
        if value == 0.0:
            return StageSpec(
                name="throughput",
                kind="throughput",
                concurrency=self.bound,
                max_seconds=min(self.probe_seconds, max(MIN_MEASURE_SECONDS, self.probe_seconds / self.rule.looks)),
                probe=ProbeRule(self.rule.target, self.rule.looks, self.rule.confidence, measure_only=True),
            )
        again = any(probe.value == value and not probe.measured for probe in self.probes)
        return StageSpec(
            name=f"{'confirm' if again else 'probe'}@{value:.4g}",
            kind="constant",
            rate=value,
            seed=self.seed,
            max_seconds=seconds,
            probe=self.rule,
        )
