"""The client's own figures over time: per-window counts and latency percentiles of a whole run, on the run clock.

A benchmark's aggregates say *how* a stage went on the whole; a timeline says *when*: the window where a server
slowed down, queued, or failed. The runner feeds every finished response of every stage (warm-up and cool-down
included, so the picture has no holes) to one :class:`Timeline`, which files it under fixed windows of the run clock
(``perf_counter_ns``, the clock of every request timestamp and of the collectors' samples).

Which timestamp places what (docs/metrics.md says the same for readers of a report):

- ``sent``: the request's dispatch; ``successful``, ``errored``, ``cancelled``: its end (``ended_ns``);
- ``in_flight``: requests dispatched at or before the window's end and not yet ended at it;
- output tokens: a successful request's output tokens are spread over its chunks in proportion to the tokens each
  chunk carried, and each chunk's share goes to the window its arrival falls in (a request without chunks: its end);
- TTFT: a successful request's ``first_token - dispatched`` goes to the window of its first token;
- ITL: a successful request's inter-token latency (as the benchmark's ``itl``: ``(last token - first token) /
  (output tokens - 1)``) goes to the window of its end; the window's **worst gap** is the longest single inter-token
  gap (as the benchmark's ``inter_token_gap``) of the requests that ended in it: where one stall shows.

The cost is O(1) per response (the accumulator hands over the ITL and the worst gap it computed), plus one
``bisect`` per window boundary a stream crosses to share its tokens out. Per-gap percentiles per window were tried
and dropped: filing every gap costs the runner's hot path per token, and the worst gap per window shows a stall as
well (docs/metrics.md). Memory is bounded for runs of any length: each window holds two sets of bucket counts, no
verbatim samples (bucket counts in the scheme of :mod:`gaugellm.metrics.histogram`: percentiles within 1/256
relative error), and when a run would
need more than ``max_windows`` windows the window doubles and neighbours merge, so a week-long soak test keeps the
same memory as a three-hour run, at a coarser resolution.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gaugellm.backend.schemas import ErrorKind
from gaugellm.metrics.histogram import SUB_BUCKET_BITS, bucket_bounds

if TYPE_CHECKING:
    from gaugellm.backend.schemas import GenerationResponse

__all__ = ["DEFAULT_MAX_WINDOWS", "PERCENTILES", "Timeline", "TimelineSeries"]

#: The most windows a timeline keeps before it doubles its window (the bound on its memory).
DEFAULT_MAX_WINDOWS = 8192
#: The percentiles reported per window.
PERCENTILES = (50.0, 90.0, 99.0)

_CANCELLED = ErrorKind.CANCELLED
_SHIFT = SUB_BUCKET_BITS + 1


@dataclass(frozen=True)
class TimelineSeries:
    """A timeline read out: window ends (seconds from the clock origin) and each series aligned with them."""

    window_s: float
    times_s: list[float]
    series: dict[str, list[float | None]]


class Timeline:
    """Per-window figures of every response it is given; windows are ``window_s`` long, aligned on ``origin_ns``."""

    __slots__ = (
        "_cancelled",
        "_errored",
        "_itl",
        "_left",
        "_max_windows",
        "_ok",
        "_origin_ns",
        "_sent",
        "_size",
        "_tokens",
        "_ttft",
        "_window_ns",
        "_worst_gap",
    )

    def __init__(self, origin_ns: int, window_s: float = 1.0, max_windows: int = DEFAULT_MAX_WINDOWS) -> None:
        if window_s <= 0:
            raise ValueError("a timeline's window is longer than 0 s")
        self._origin_ns = origin_ns
        self._window_ns = max(1, round(window_s * 1e9))
        self._max_windows = max(2, max_windows)
        self._size = 0
        self._sent: list[int] = []
        self._ok: list[int] = []
        self._errored: list[int] = []
        self._cancelled: list[int] = []
        self._left: list[int] = []  # dispatched requests that ended in the window (in flight = sent - left so far)
        self._tokens: list[float] = []
        self._ttft: list[dict[int, int] | None] = []  # per window: bucket index -> requests (counts only)
        self._itl: list[dict[int, int] | None] = []
        self._worst_gap: list[int] = []  # -1: no gap in the window

    @property
    def origin_ns(self) -> int:
        """The run clock's origin (``perf_counter_ns``): window 0 starts here."""
        return self._origin_ns

    @property
    def window_s(self) -> float:
        """The window now (it doubles when a run outgrows ``max_windows``)."""
        return self._window_ns / 1e9

    @property
    def windows(self) -> int:
        return self._size

    # -- the hot path ----------------------------------------------------------------------------------------------

    def add(self, response: GenerationResponse, itl_ns: int | None = None, worst_gap_ns: int | None = None) -> None:
        """File one finished response (successful, errored or cancelled) under its windows.

        ``itl_ns`` and ``worst_gap_ns``: the response's ITL and longest inter-token gap, as
        :meth:`BenchmarkAccumulator.add` computed them (``None``: not computed, or the response had none).
        """
        dispatched = response.dispatched_ns
        ended = response.ended_ns
        last = ended if ended is not None else dispatched if dispatched is not None else response.scheduled_ns
        if last is None:
            return  # nothing says when it happened
        origin = self._origin_ns
        end_w = (last - origin) // self._window_ns
        if end_w >= self._size:
            self._grow(end_w)
            end_w = (last - origin) // self._window_ns
        width = self._window_ns
        if end_w < 0:
            end_w = 0
        error = response.error
        if error is None:
            self._ok[end_w] += 1
        elif error.kind is _CANCELLED:
            self._cancelled[end_w] += 1
        else:
            self._errored[end_w] += 1
        if dispatched is not None:
            self._sent[max(0, (dispatched - origin) // width)] += 1
            self._left[end_w] += 1
        if error is not None:
            return
        first = response.first_token_ns
        if first is not None and dispatched is not None:
            first_w = max(0, (first - origin) // width)
            value = first - dispatched if first > dispatched else 0
            index = (
                ((shift << SUB_BUCKET_BITS) + (value >> shift)) if (shift := value.bit_length() - _SHIFT) > 0 else value
            )  # gaugellm.metrics.histogram.bucket_index, inline: this runs for every response of a run
            counts = self._ttft[first_w]
            if counts is None:
                self._ttft[first_w] = {index: 1}
            else:
                counts[index] = counts.get(index, 0) + 1
        times = response.chunk_times_ns
        output = response.output_tokens
        if output is None:
            output = sum(response.chunk_tokens) if times else 0
        if not times:
            self._tokens[end_w] += output
            return
        first_w = max(0, (times[0] - origin) // width)
        last_w = max(0, (times[-1] - origin) // width)
        if first_w == last_w:  # the common case: the whole stream within one window
            self._tokens[first_w] += output
        else:
            self._spread_tokens(times, response.chunk_tokens, output, first_w, last_w)
        if itl_ns is not None:
            if itl_ns < 0:
                itl_ns = 0
            index = (
                ((shift << SUB_BUCKET_BITS) + (itl_ns >> shift))
                if (shift := itl_ns.bit_length() - _SHIFT) > 0
                else itl_ns
            )
            counts = self._itl[end_w]
            if counts is None:
                self._itl[end_w] = {index: 1}
            else:
                counts[index] = counts.get(index, 0) + 1
        if worst_gap_ns is not None and worst_gap_ns > self._worst_gap[end_w]:
            self._worst_gap[end_w] = worst_gap_ns

    def _bounds(self, times: list[int], first_w: int, last_w: int) -> list[tuple[int, int, int]]:
        """``(window, begin, end)``: the chunks ``times[begin:end]`` arrived in ``window``."""
        origin, width = self._origin_ns, self._window_ns
        spans, begin = [], 0
        for window in range(first_w, last_w + 1):
            end = len(times) if window == last_w else bisect_left(times, origin + (window + 1) * width, begin)
            if end > begin:
                spans.append((window, begin, end))
            begin = end
        return spans

    def _spread_tokens(self, times: list[int], tokens: list[int], output: int, first_w: int, last_w: int) -> None:
        """A stream that crossed window boundaries: its tokens in proportion to what each window's chunks carried."""
        streamed = sum(tokens)
        if not streamed:  # chunks that say they carry nothing: share the count out by chunk
            tokens, streamed = [1] * len(times), len(times)
        scale = output / streamed
        for window, begin, end in self._bounds(times, first_w, last_w):
            self._tokens[window] += sum(tokens[begin:end]) * scale

    def _grow(self, window: int) -> None:
        """Make room up to ``window`` (an index at the current width), doubling the width past ``max_windows``."""
        while window >= self._max_windows:
            self._coarsen()
            window //= 2
        extra = window + 1 - self._size
        if extra <= 0:
            return
        for column in (self._sent, self._ok, self._errored, self._cancelled, self._left):
            column.extend([0] * extra)
        self._tokens.extend([0.0] * extra)
        self._ttft.extend([None] * extra)
        self._itl.extend([None] * extra)
        self._worst_gap.extend([-1] * extra)
        self._size = window + 1

    def _coarsen(self) -> None:
        """Double the window: each pair of neighbours becomes one window."""
        self._window_ns *= 2
        for name in ("_sent", "_ok", "_errored", "_cancelled", "_left", "_tokens"):
            column = getattr(self, name)
            setattr(self, name, [sum(column[i : i + 2]) for i in range(0, len(column), 2)])
        self._ttft = [_merged(self._ttft[i : i + 2]) for i in range(0, len(self._ttft), 2)]
        self._itl = [_merged(self._itl[i : i + 2]) for i in range(0, len(self._itl), 2)]
        self._worst_gap = [max(self._worst_gap[i : i + 2]) for i in range(0, len(self._worst_gap), 2)]
        self._size = (self._size + 1) // 2

    # -- reading ---------------------------------------------------------------------------------------------------

    def series(self, start_ns: int | None = None, end_ns: int | None = None) -> TimelineSeries:
        """Every window from the one holding ``start_ns`` to the one holding ``end_ns`` (default: all filed).

        Counts are per window; ``output_tokens_per_s`` divides by the part of the window inside ``start_ns ..
        end_ns``, so that a run's partial first and last windows are not read as a drop in throughput.
        """
        origin, width = self._origin_ns, self._window_ns
        first = 0 if start_ns is None else max(0, (start_ns - origin) // width)
        last = self._size - 1 if end_ns is None else max((end_ns - origin) // width, self._size - 1)
        if last >= self._size:
            self._grow(last)
            origin, width = self._origin_ns, self._window_ns
            first = 0 if start_ns is None else max(0, (start_ns - origin) // width)
            last = self._size - 1
        indexes = range(first, last + 1)
        in_flight, total = [], 0
        for index in range(last + 1):
            total += self._sent[index] - self._left[index]
            if index >= first:
                in_flight.append(float(total))
        columns: dict[str, list[float | None]] = {
            "sent": [float(self._sent[i]) for i in indexes],
            "successful": [float(self._ok[i]) for i in indexes],
            "errored": [float(self._errored[i]) for i in indexes],
            "cancelled": [float(self._cancelled[i]) for i in indexes],
            "in_flight": list(in_flight),
            "output_tokens_per_s": [],
        }
        for index in indexes:
            low = origin + index * width
            high = low + width
            covered = min(high, high if end_ns is None else end_ns) - max(low, low if start_ns is None else start_ns)
            rate = self._tokens[index] / (covered / 1e9) if covered > 0 else None
            columns["output_tokens_per_s"].append(None if rate is None else round(rate, 6))
        for prefix, histograms in (("ttft", self._ttft), ("itl", self._itl)):
            values = [_percentiles(histograms[i]) for i in indexes]
            for position, percent in enumerate(PERCENTILES):
                columns[f"{prefix}_p{percent:g}_ms"] = [None if v is None else v[position] for v in values]
        columns["worst_gap_ms"] = [
            None if self._worst_gap[i] < 0 else round(self._worst_gap[i] / 1e6, 6) for i in indexes
        ]
        times = [round(((index + 1) * width) / 1e9, 9) for index in indexes]
        return TimelineSeries(window_s=width / 1e9, times_s=times, series=columns)


def _merged(counts: list[dict[int, int] | None]) -> dict[int, int] | None:
    present = [c for c in counts if c]
    if not present:
        return None
    merged: dict[int, int] = {}
    for one in present:
        for index, count in one.items():
            merged[index] = merged.get(index, 0) + count
    return merged


def _percentiles(counts: dict[int, int] | None) -> list[float | None] | None:
    """Nearest-rank percentiles (ms) from bucket counts: the midpoint of the bucket holding each rank."""
    if not counts:
        return None
    total = sum(counts.values())
    ranks = [min(max(math.ceil(round(percent / 100.0 * total, 9)), 1), total) for percent in PERCENTILES]
    found: list[float | None] = []
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        while len(found) < len(ranks) and seen >= ranks[len(found)]:
            low, high = bucket_bounds(index)
            found.append(round((low if high - low == 1 else (low + high - 1) / 2.0) / 1e6, 6))
    return found
