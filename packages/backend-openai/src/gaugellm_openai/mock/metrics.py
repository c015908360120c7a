"""``GET /metrics``: the simulated server's state in vLLM's Prometheus series, written by hand.

A Prometheus collector has to be tested against something that speaks vLLM's names, types, labels and buckets, and
whose numbers are known: these are the ones vLLM 0.32 registers (``vllm/v1/metrics/loggers.py`` and
``buckets.py``), each carrying vLLM's ``model_name`` and ``engine`` labels. The server updates them as it serves
(a few integer additions per request, a bucket search per observation), so a scrape sees the server as it is at
that moment; no client library is involved, which keeps the server free of dependencies and its hot path short.

Everything here runs on the server's one event loop: the connections update the counters and the scrape reads them
on the same thread, so no lock is needed, whether the server runs in a child process or in a thread of the test's
process.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gaugellm_openai.mock.protocol import ServerState

__all__ = [
    "CONTENT_TYPE",
    "E2E_BUCKETS",
    "FINISH_REASONS",
    "ITL_BUCKETS",
    "TTFT_BUCKETS",
    "Histogram",
    "MockMetrics",
    "render",
]

#: The Prometheus text exposition format, version 0.0.4 (what vLLM's ``/metrics`` answers).
CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"

#: vLLM's ``FinishReason`` names: the values of ``vllm:request_success_total``'s ``finished_reason`` label.
FINISH_REASONS = ("stop", "length", "abort", "error", "repetition")

#: vLLM's ``REQUEST_LATENCY_BUCKETS`` (e2e and queue time).
E2E_BUCKETS = (
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0,
    1920.0, 7680.0,
)  # fmt: skip
#: vLLM's ``TIME_TO_FIRST_TOKEN_BUCKETS``.
TTFT_BUCKETS = (
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
    160.0, 640.0, 2560.0,
)  # fmt: skip
#: vLLM's ``INTER_TOKEN_LATENCY_BUCKETS`` (inter-token latency and time per output token).
ITL_BUCKETS = (
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
)  # fmt: skip


class Histogram:
    """A Prometheus histogram: per-bucket counts (not cumulative, so an observation is one increment) and a sum."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1  # Prometheus buckets are upper-inclusive
        self.sum += value

    def observe_many(self, value: float, times: int) -> None:
        """``times`` observations of the same value: what tokens leaving in one write share (one bucket search)."""
        self.counts[bisect.bisect_left(self.bounds, value)] += times
        self.sum += value * times

    @property
    def count(self) -> int:
        return sum(self.counts)


class MockMetrics:
    """The counters and histograms of one server; the gauges are read from the server's state at scrape time."""

    __slots__ = (
        "_cached",
        "e2e",
        "finished",
        "generation_tokens",
        "itl",
        "prefix_hits",
        "prefix_queries",
        "prompt_tokens",
        "queue",
        "tpot",
        "ttft",
    )

    def __init__(self, cached_tokens: int = 0) -> None:
        self._cached = cached_tokens
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.prefix_queries = 0
        self.prefix_hits = 0
        self.finished = dict.fromkeys(FINISH_REASONS, 0)
        self.ttft = Histogram(TTFT_BUCKETS)
        self.itl = Histogram(ITL_BUCKETS)
        self.tpot = Histogram(ITL_BUCKETS)
        self.e2e = Histogram(E2E_BUCKETS)
        self.queue = Histogram(E2E_BUCKETS)

    def prefilled(self, prompt_tokens: int) -> None:
        """A request's prompt is processed: its tokens, and the part the simulated prefix cache serves."""
        self.prompt_tokens += prompt_tokens
        self.prefix_queries += prompt_tokens
        self.prefix_hits += min(self._cached, prompt_tokens)

    def done(self, reason: str, e2e_s: float, queue_s: float) -> None:
        """A request left the engine (``reason``: one of :data:`FINISH_REASONS`)."""
        self.finished[reason] += 1
        self.e2e.observe(e2e_s)
        self.queue.observe(queue_s)

    def instant(self, prompt_tokens: int, n_tokens: int, reason: str, elapsed_s: float) -> None:
        """A generation answered in one write on arrival (unpaced): every token leaves at once, no gap between."""
        self.prefilled(prompt_tokens)
        self.generation_tokens += n_tokens
        self.ttft.observe(elapsed_s)
        if n_tokens > 1:
            self.itl.observe_many(0.0, n_tokens - 1)
        self.tpot.observe(0.0)
        self.done(reason, elapsed_s, 0.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    """Python's ``repr`` of a float is what Prometheus parses ("1e-05", "7680.0"); infinity is spelled "+Inf"."""
    return "+Inf" if value == float("inf") else repr(float(value))


_SPECS: dict[str, tuple[str, str]] = {
    # name -> (type, vLLM's help text)
    "vllm:num_requests_running": ("gauge", "Number of requests in model execution batches."),
    "vllm:num_requests_waiting": ("gauge", "Number of requests waiting to be processed."),
    "vllm:kv_cache_usage_perc": ("gauge", "KV-cache usage. 1 means 100 percent usage."),
    "vllm:num_preemptions": ("counter", "Cumulative number of preemption from the engine."),
    "vllm:prompt_tokens": ("counter", "Number of prefill tokens processed."),
    "vllm:generation_tokens": ("counter", "Number of generation tokens processed."),
    "vllm:request_success": ("counter", "Count of successfully processed requests."),
    "vllm:prefix_cache_queries": ("counter", "Prefix cache queries, in terms of number of queried tokens."),
    "vllm:prefix_cache_hits": ("counter", "Prefix cache hits, in terms of number of cached tokens."),
    "vllm:prompt_tokens_cached": ("counter", "Number of cached prompt tokens (local + external)."),
    "vllm:time_to_first_token_seconds": ("histogram", "Histogram of time to first token in seconds."),
    "vllm:inter_token_latency_seconds": ("histogram", "Histogram of inter-token latency in seconds."),
    "vllm:request_time_per_output_token_seconds": (
        "histogram",
        "Histogram of time_per_output_token_seconds per request.",
    ),
    "vllm:e2e_request_latency_seconds": ("histogram", "Histogram of e2e request latency in seconds."),
    "vllm:request_queue_time_seconds": ("histogram", "Histogram of time spent in WAITING phase for request."),
}


def render(state: ServerState) -> bytes:
    """The exposition of ``state`` now: gauges read from the serving state, counters and histograms as they stand."""
    metrics = state.metrics
    config = state.config
    labels = f'model_name="{_label(config.model)}",engine="0"'
    running, waiting, held = state.occupancy()
    capacity = config.kv_cache_tokens
    values: dict[str, float | dict[str, int] | Histogram] = {
        "vllm:num_requests_running": running,
        "vllm:num_requests_waiting": waiting,
        "vllm:kv_cache_usage_perc": min(1.0, held / capacity) if capacity else 0.0,
        "vllm:num_preemptions": 0,  # the simulated engine never preempts
        "vllm:prompt_tokens": metrics.prompt_tokens,
        "vllm:generation_tokens": metrics.generation_tokens,
        "vllm:request_success": metrics.finished,
        "vllm:prefix_cache_queries": metrics.prefix_queries,
        "vllm:prefix_cache_hits": metrics.prefix_hits,
        "vllm:prompt_tokens_cached": metrics.prefix_hits,
        "vllm:time_to_first_token_seconds": metrics.ttft,
        "vllm:inter_token_latency_seconds": metrics.itl,
        "vllm:request_time_per_output_token_seconds": metrics.tpot,
        "vllm:e2e_request_latency_seconds": metrics.e2e,
        "vllm:request_queue_time_seconds": metrics.queue,
    }
    lines: list[str] = []
    for name, (kind, help_text) in _SPECS.items():
        value = values[name]
        shown = name + "_total" if kind == "counter" else name  # the 0.0.4 format names a counter by its sample
        lines.append(f"# HELP {shown} {help_text}")
        lines.append(f"# TYPE {shown} {kind}")
        if isinstance(value, Histogram):
            cumulative = 0
            for bound, count in zip((*value.bounds, float("inf")), value.counts, strict=True):
                cumulative += count
                lines.append(f'{name}_bucket{{{labels},le="{_number(bound)}"}} {cumulative}')
            lines.append(f"{name}_count{{{labels}}} {cumulative}")
            lines.append(f"{name}_sum{{{labels}}} {_number(value.sum)}")
        elif isinstance(value, dict):
            for reason, count in value.items():
                lines.append(f'{shown}{{{labels},finished_reason="{reason}"}} {count}')
        else:
            lines.append(f"{shown}{{{labels}}} {_number(value)}")
    lines.append("")
    return "\n".join(lines).encode()
