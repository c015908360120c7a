"""Aggregation of one benchmark's finished responses into :class:`BenchmarkMetrics`.

``add`` runs in the runner's main process once per finished request, at thousands per second, so it does a constant
amount of Python work per response plus a few C-level passes over the chunk times (no per-token Python loop unless a
chunk carries other than one token). Memory does not grow with the number of requests: every distribution is a
:class:`LogHistogram`, and per-request records are optional and capped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING, Literal, TypeVar

from gaugellm.backend.schemas import ErrorKind
from gaugellm.metrics.histogram import DEFAULT_EXACT_LIMIT, LogHistogram
from gaugellm.metrics.models import (
    BenchmarkMetrics,
    Distribution,
    ErrorGroup,
    HistogramBin,
    LoadSummary,
    RequestCounts,
    SloLimitResult,
    SloSummary,
    TokenTotals,
)
from gaugellm.metrics.records import RecordStore, RequestRecord
from gaugellm.metrics.slo import SloSet, wilson_interval
from gaugellm.metrics.trend import LatencyTrend
from gaugellm.reports.redaction import redact_text

if TYPE_CHECKING:
    from gaugellm.backend.schemas import GenerationResponse
    from gaugellm.metrics.timeline import Timeline

__all__ = ["DEFAULT_MAX_RECORDS", "ERROR_EXAMPLE_CHARS", "BenchmarkAccumulator"]

#: Records kept per benchmark when ``keep_records`` is on (~130 bytes each in memory); later requests are counted only.
DEFAULT_MAX_RECORDS = 100_000
#: Length at which an error group's example message is cut.
ERROR_EXAMPLE_CHARS = 300

_CANCELLED = ErrorKind.CANCELLED
_NS_PER_MS = 1e6

_Key = TypeVar("_Key", str, int)


class _ErrorTally:
    """How many errors of one kind and status code, and the first one's message."""

    __slots__ = ("count", "example")

    def __init__(self, example: str) -> None:
        self.count = 1
        self.example = example


class BenchmarkAccumulator:
    """Collects the finished responses of one benchmark; :meth:`summary` turns them into metrics.

    ``keep_records`` keeps a compact record of each request (the first ``max_records`` of them) for the report.
    ``exact_limit`` is how many samples each distribution keeps verbatim for exact percentiles before it relies on
    its histogram alone (bounded relative error); see :mod:`gaugellm.metrics.histogram`.
    ``slo`` judges every request against the run's limits (:mod:`gaugellm.metrics.slo`), ``attainment_target`` is the
    share of good requests asked for, and ``target_rate`` is the rate an open-loop stage was asked to send.
    ``timeline``: the run's :class:`Timeline`, given every response added here together with its ITL and its worst
    inter-token gap as computed here, so that no per-chunk work is done twice.
    """

    def __init__(
        self,
        keep_records: bool = False,
        max_records: int = DEFAULT_MAX_RECORDS,
        exact_limit: int = DEFAULT_EXACT_LIMIT,
        *,
        slo: SloSet | None = None,
        attainment_target: float | None = None,
        target_rate: float | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        self._timeline = timeline
        self._store = RecordStore(max_records) if keep_records else None
        self._slo = slo if slo else None
        self.attainment_target = attainment_target
        self.target_rate = target_rate
        self.good = 0
        self.judged = 0
        self.good_output_tokens = 0
        self.broken = [0] * (len(slo.limits) if slo else 0)
        self.trend = LatencyTrend()
        self._origin_ns: int | None = None
        self.successful = 0
        self.errored = 0
        self.incomplete = 0
        self.prompt_tokens = 0
        self.output_tokens = 0
        self.busy_ns = 0  # sum of dispatch-to-end over every request: mean concurrency = busy / window
        self._first_seen_ns: int | None = None
        self.prompt_sources: dict[str, int] = {}
        self.output_sources: dict[str, int] = {}
        self._errors: dict[tuple[str, int | None], _ErrorTally] = {}
        self.ttft = LogHistogram(exact_limit)
        self.ttft_from_schedule = LogHistogram(exact_limit)
        self.itl = LogHistogram(exact_limit)
        self.inter_token_gap = LogHistogram(exact_limit)
        self.tpot = LogHistogram(exact_limit)
        self.latency = LogHistogram(exact_limit)
        self.latency_from_schedule = LogHistogram(exact_limit)
        self.dispatch_lag = LogHistogram(exact_limit)
        self.prompt_length = LogHistogram(exact_limit)
        self.output_length = LogHistogram(exact_limit)
        self.first_reasoning = LogHistogram(exact_limit)
        self.first_answer = LogHistogram(exact_limit)
        self.reasoning_tokens: int | None = None  # None until a response reports any
        self.answer_tokens = 0
        self.cached_prompt_tokens: int | None = None
        self.tool_calls: int | None = None  # None until a response makes one
        self.tool_call_requests = 0
        # Parts of the benchmark, each an accumulator judged like this one: traffic classes (--class), fed by
        # add_to_class, and the turns of multi-turn conversations, fed by add_to_turn.
        self._part_settings = (exact_limit, slo, attainment_target)
        self.classes: dict[str, BenchmarkAccumulator] = {}
        self.turns: dict[int, BenchmarkAccumulator] = {}

    # -- the hot path --------------------------------------------------------------------------------------------

    def add(self, response: GenerationResponse) -> None:
        """Account for one finished response: ok, errored or cancelled."""
        scheduled = response.scheduled_ns
        dispatched = response.dispatched_ns
        ended = response.ended_ns
        if scheduled is not None and dispatched is not None:
            self.dispatch_lag.record(dispatched - scheduled)
        if dispatched is not None and ended is not None:
            self.busy_ns += ended - dispatched
        start = scheduled if scheduled is not None else dispatched
        if start is not None and (self._first_seen_ns is None or start < self._first_seen_ns):
            self._first_seen_ns = start

        error = response.error
        times = response.chunk_times_ns
        chunks = len(times)
        worst_gap: int | None = None
        itl: int | None = None
        output = response.output_tokens
        if output is not None:
            source: str = response.output_tokens_source
        elif chunks:
            output = sum(response.chunk_tokens)
            source = "stream"
        else:
            source = "none"
        prompt = response.prompt_tokens

        if error is None:
            status = 0
            self.successful += 1
            self._count_tokens(prompt, response.prompt_tokens_source, output, source)
            first = response.first_token_ns
            ttft = ttft_sched = latency = latency_sched = tpot = None
            if first is not None:
                if dispatched is not None:
                    ttft = first - dispatched
                    self.ttft.record(ttft)
                if scheduled is not None:
                    ttft_sched = first - scheduled
                    self.ttft_from_schedule.record(ttft_sched)
            if ended is not None:
                if dispatched is not None:
                    latency = ended - dispatched
                    self.latency.record(latency)
                if scheduled is not None:
                    latency_sched = ended - scheduled
                    self.latency_from_schedule.record(latency_sched)
                    self.trend.add(scheduled, latency_sched)
            if chunks >= 2 and output is not None and output >= 2 and first is not None:
                last = response.last_token_ns
                if last is not None:
                    itl = round((last - first) / (output - 1))
                    self.itl.record(itl)
                if ended is not None:
                    tpot = round((ended - first) / (output - 1))
                    self.tpot.record(tpot)
            if chunks >= 2:
                worst_gap = self._record_gaps(times, response.chunk_tokens)
            if response.reasoning_tokens is not None or response.cached_prompt_tokens is not None:
                self._count_reasoning(response, output)
            if response.tool_calls:
                self.tool_calls = response.tool_calls + (self.tool_calls or 0)
                self.tool_call_requests += 1
            if self._slo is not None:
                self._judge((ttft, itl, tpot, latency, ttft_sched, latency_sched), output or 0)
        elif error.kind is _CANCELLED:
            status = 2
            self.incomplete += 1
            if self._slo is not None:
                self._judge_cancelled(scheduled, dispatched, response.first_token_ns, ended)
        else:
            status = 1
            self.errored += 1
            self.judged += 1
            key = (error.kind.value, error.status_code)
            tally = self._errors.get(key)
            if tally is None:
                self._errors[key] = _ErrorTally(redact_text(error.message[:ERROR_EXAMPLE_CHARS]))
            else:
                tally.count += 1

        if self._timeline is not None:
            self._timeline.add(response, itl, worst_gap)
        store = self._store
        if store is not None:
            store.append(
                response.request_id,
                status,
                (scheduled, dispatched, response.first_token_ns, response.last_token_ns, ended),
                prompt,
                output,
                source,
                chunks,
                None if error is None else error.kind.value,
                None if error is None else error.status_code,
            )

    def _judge(self, values: tuple[int | None, ...], output: int) -> None:
        """A successful request: good unless it broke a limit."""
        assert self._slo is not None
        self.judged += 1
        broken = self._slo.broken(values)
        if not broken:
            self.good += 1
            self.good_output_tokens += output
            return
        for index in broken:
            self.broken[index] += 1

    def _judge_cancelled(
        self, scheduled: int | None, dispatched: int | None, first: int | None, ended: int | None
    ) -> None:
        """A cancelled request is judged only if its time so far already broke a limit (a lower bound)."""
        assert self._slo is not None
        if ended is None:
            return
        ttft_end = first if first is not None else ended
        values = (
            None if dispatched is None else ttft_end - dispatched,
            None,
            None,
            None if dispatched is None else ended - dispatched,
            None if scheduled is None else ttft_end - scheduled,
            None if scheduled is None else ended - scheduled,
        )
        broken = self._slo.broken(values)
        if broken:
            self.judged += 1
            for index in broken:
                self.broken[index] += 1

    def _count_reasoning(self, response: GenerationResponse, output: int | None) -> None:
        """A reasoning model's split of its output, and the prompt's cached part: only for responses that have them."""
        reasoning = response.reasoning_tokens
        if reasoning is not None:
            self.reasoning_tokens = reasoning + (self.reasoning_tokens or 0)
            if output is not None:
                self.answer_tokens += max(output - reasoning, 0)
            dispatched = response.dispatched_ns
            first = response.first_reasoning_ns
            if first is not None and dispatched is not None:
                self.first_reasoning.record(first - dispatched)
                if response.first_answer_ns is not None:
                    self.first_answer.record(response.first_answer_ns - dispatched)
        cached = response.cached_prompt_tokens
        if cached is not None:
            self.cached_prompt_tokens = cached + (self.cached_prompt_tokens or 0)

    def _count_tokens(self, prompt: int | None, prompt_source: str, output: int | None, source: str) -> None:
        if prompt is not None:
            self.prompt_tokens += prompt
            self.prompt_length.record(prompt)
        else:
            prompt_source = "none"
        self.prompt_sources[prompt_source] = self.prompt_sources.get(prompt_source, 0) + 1
        if output is not None:
            self.output_tokens += output
            self.output_length.record(output)
        self.output_sources[source] = self.output_sources.get(source, 0) + 1

    def _record_gaps(self, times: list[int], tokens: list[int]) -> int | None:
        """Inter-chunk gaps, each divided by the tokens of the later chunk and counted once per token.

        Returns the largest gap (the run's timeline keeps each window's worst), or ``None`` if no chunk had tokens.
        """
        if tokens.count(1) == len(tokens):  # the common case, one token per chunk: C loops only
            return self.inter_token_gap.record_many([later - earlier for earlier, later in pairwise(times)])
        pending = 0  # a chunk without tokens (e.g. an empty delta) passes its gap on to the next chunk with tokens
        worst: int | None = None
        for (earlier, later), count in zip(pairwise(times), tokens[1:], strict=True):
            pending += later - earlier
            if count > 0:
                gap = max(0, round(pending / count))
                self.inter_token_gap.record_weighted(gap, count)
                worst = gap if worst is None or gap > worst else worst
                pending = 0
        return worst

    # -- reading -------------------------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Requests added so far, whatever their outcome."""
        return self.successful + self.errored + self.incomplete

    @property
    def records(self) -> list[RequestRecord]:
        """The kept per-request records (empty unless ``keep_records``), times in ms from the benchmark's start.

        The start is the ``started_ns`` of the last :meth:`summary` call, else the earliest scheduled time seen.
        """
        if self._store is None:
            return []
        origin = self._origin_ns if self._origin_ns is not None else self._first_seen_ns
        return self._store.rows(origin if origin is not None else 0)

    @property
    def records_dropped(self) -> int:
        """Requests not kept as records because ``max_records`` was reached."""
        return 0 if self._store is None else self._store.dropped

    def attainment(self, z: float = 1.959963984540054) -> tuple[int, int, tuple[float, float] | None]:
        """``(good, judged, Wilson interval at z)`` so far: what a capacity probe watches while it runs."""
        return self.good, self.judged, wilson_interval(self.good, self.judged, z)

    def sustainable(self) -> bool | None:
        """Whether the load looks sustainable so far (:mod:`gaugellm.metrics.trend`); None: too little to tell."""
        estimate = self.trend.estimate()
        if estimate is None:
            return None
        median = self.latency_from_schedule.percentiles((50.0,))[0]
        return estimate.sustainable(None if median is None else median / _NS_PER_MS)

    def latency_growth(self) -> float | None:
        """The fitted slope of latency from schedule (seconds per second), if there is one."""
        estimate = self.trend.estimate()
        return None if estimate is None else estimate.slope

    def _slo_summary(self, per_second: Callable[[float], float | None]) -> SloSummary | None:
        slo = self._slo
        if slo is None:
            return None
        interval = wilson_interval(self.good, self.judged)
        low, high = interval if interval is not None else (None, None)
        target = self.attainment_target
        met = None
        if target is not None and low is not None and high is not None:
            met = True if low >= target else False if high < target else None
        return SloSummary(
            limits=[
                SloLimitResult(limit=limit.text(), metric=limit.metric, limit_ms=limit.limit_ms, broken=broken)
                for limit, broken in zip(slo.limits, self.broken, strict=True)
            ],
            judged=self.judged,
            good=self.good,
            failed=self.errored,
            attainment=self.good / self.judged if self.judged else None,
            attainment_low=low,
            attainment_high=high,
            target=target,
            met=met,
            goodput=per_second(self.good),
            good_output_tokens_per_s=per_second(self.good_output_tokens),
        )

    def _load_summary(self, request_rate: float | None) -> LoadSummary | None:
        if self.target_rate is None:
            return None
        estimate = self.trend.estimate()
        ratio = None if request_rate is None or self.target_rate <= 0 else request_rate / self.target_rate
        if estimate is None:
            return LoadSummary(
                target_rate=self.target_rate,
                achieved_ratio=ratio,
                points=self.trend.n,
                latency_growth=None,
                latency_growth_low=None,
                latency_growth_high=None,
                growth_ms=None,
                sustainable=None,
            )
        return LoadSummary(
            target_rate=self.target_rate,
            achieved_ratio=ratio,
            points=estimate.points,
            latency_growth=estimate.slope,
            latency_growth_low=estimate.slope_low,
            latency_growth_high=estimate.slope_high,
            growth_ms=estimate.growth_ms,
            sustainable=self.sustainable(),
        )

    def _part(self, parts: dict[_Key, BenchmarkAccumulator], key: _Key) -> BenchmarkAccumulator:
        """The accumulator of one part of the benchmark (a class, a turn), made on its first response."""
        sub = parts.get(key)
        if sub is None:
            exact_limit, slo, target = self._part_settings
            sub = parts[key] = BenchmarkAccumulator(exact_limit=exact_limit, slo=slo, attainment_target=target)
        return sub

    def add_to_class(self, name: str, response: GenerationResponse) -> None:
        """Account for a response (already :meth:`add`-ed here) in its traffic class's own figures as well."""
        self._part(self.classes, name).add(response)

    def add_to_turn(self, turn: int, response: GenerationResponse) -> None:
        """Account for a response (already :meth:`add`-ed here) in its conversation turn's figures (1 = the first)."""
        self._part(self.turns, turn).add(response)

    def class_summaries(self, started_ns: int, ended_ns: int) -> dict[str, BenchmarkMetrics] | None:
        """Each traffic class's metrics over the same window as :meth:`summary`; ``None`` for a run without classes."""
        if not self.classes:
            return None
        return {name: sub.summary(started_ns, ended_ns) for name, sub in self.classes.items()}

    def turn_summaries(self, started_ns: int, ended_ns: int) -> dict[str, BenchmarkMetrics] | None:
        """Each turn's metrics over the same window as :meth:`summary`; ``None`` for a run without conversations.

        Keyed by the turn's number as text (a JSON object's keys are text) and in turn order, so that turn 10 comes
        after turn 9 in every report rather than after turn 1.
        """
        if not self.turns:
            return None
        return {str(turn): sub.summary(started_ns, ended_ns) for turn, sub in sorted(self.turns.items())}

    def _generates_nothing(self) -> bool:
        """Whether requests succeeded and none of them had output (the mark of a non-generative request type)."""
        return self.successful > 0 and self.output_sources.get("none", 0) == self.successful

    def summary(self, started_ns: int, ended_ns: int) -> BenchmarkMetrics:
        """The benchmark's metrics over the throughput window ``started_ns .. ended_ns`` (perf_counter_ns)."""
        self._origin_ns = started_ns
        window_ns = ended_ns - started_ns
        window_s = window_ns / 1e9 if window_ns > 0 else None
        judged = self.successful + self.errored

        def per_second(amount: float) -> float | None:
            return None if window_s is None else amount / window_s

        request_rate = per_second(self.successful)
        return BenchmarkMetrics(
            duration_s=max(window_ns, 0) / 1e9,
            requests=RequestCounts(
                total=self.count, successful=self.successful, errored=self.errored, incomplete=self.incomplete
            ),
            error_rate=self.errored / judged if judged else None,
            request_rate=request_rate,
            # a run that generates nothing (embeddings, scores) has no output rate, rather than a rate of zero
            output_tokens_per_s=None if self._generates_nothing() else per_second(self.output_tokens),
            prompt_tokens_per_s=per_second(self.prompt_tokens),
            total_tokens_per_s=per_second(self.prompt_tokens + self.output_tokens),
            concurrency=None if window_ns <= 0 else self.busy_ns / window_ns,
            tokens=TokenTotals(
                prompt_tokens=self.prompt_tokens,
                output_tokens=self.output_tokens,
                prompt_sources=dict(sorted(self.prompt_sources.items())),
                output_sources=dict(sorted(self.output_sources.items())),
                reasoning_tokens=self.reasoning_tokens,
                answer_tokens=None if self.reasoning_tokens is None else self.answer_tokens,
                cached_prompt_tokens=self.cached_prompt_tokens,
            ),
            ttft=distribution(self.ttft),
            ttft_from_schedule=distribution(self.ttft_from_schedule),
            itl=distribution(self.itl),
            inter_token_gap=distribution(self.inter_token_gap),
            tpot=distribution(self.tpot),
            latency=distribution(self.latency),
            latency_from_schedule=distribution(self.latency_from_schedule),
            dispatch_lag=distribution(self.dispatch_lag),
            prompt_length=distribution(self.prompt_length, unit="tokens"),
            output_length=distribution(self.output_length, unit="tokens"),
            time_to_first_reasoning_token=optional_distribution(self.first_reasoning),
            time_to_first_answer_token=optional_distribution(self.first_answer),
            tool_calls=self.tool_calls,
            tool_call_requests=None if self.tool_calls is None else self.tool_call_requests,
            errors=[
                ErrorGroup(kind=kind, status_code=status_code, count=tally.count, example=tally.example)
                for (kind, status_code), tally in sorted(
                    self._errors.items(), key=lambda item: (-item[1].count, item[0][0], item[0][1] or 0)
                )
            ],
            slo=self._slo_summary(per_second),
            load=self._load_summary(request_rate),
        )


_PERCENTS = (50.0, 90.0, 95.0, 99.0)


def distribution(histogram: LogHistogram, unit: Literal["ms", "tokens"] = "ms") -> Distribution:
    """Summarise a histogram of nanoseconds (``unit="ms"``) or of token counts (``unit="tokens"``)."""
    scale = _NS_PER_MS if unit == "ms" else 1.0
    if histogram.count == 0:
        return Distribution(unit=unit, count=0)

    def scaled(value: float | None) -> float | None:
        return None if value is None else round(value / scale, 6)

    p50, p90, p95, p99 = histogram.percentiles(_PERCENTS)
    return Distribution(
        unit=unit,
        count=histogram.count,
        mean=scaled(histogram.mean),
        stdev=scaled(histogram.stdev),
        min=scaled(histogram.min),
        p50=scaled(p50),
        p90=scaled(p90),
        p95=scaled(p95),
        p99=scaled(p99),
        max=scaled(histogram.max),
        exact=histogram.exact,
        bins=[
            HistogramBin(low=bin_.low / scale, high=bin_.high / scale, count=bin_.count)
            for bin_ in histogram.bins(per_power_of_two=_chart_resolution(histogram))
        ],
    )


def optional_distribution(histogram: LogHistogram) -> Distribution | None:
    """A distribution of times that only some kinds of run have: ``None`` (absent from reports) without samples."""
    return distribution(histogram) if histogram.count else None


def _chart_resolution(histogram: LogHistogram, target_bins: int = 32) -> int:
    """Bins per doubling so that a chart of the data shows about ``target_bins`` bars, whatever its spread."""
    low, high = max(histogram.min or 1, 1), max(histogram.max or 1, 1)
    doublings = max(math.log2(high / low), 1 / 128)
    wanted = target_bins / doublings
    resolution = 1
    while resolution < wanted and resolution < 128:
        resolution *= 2
    return resolution
