"""The series that explain latency, per server: what ``preset`` keeps without being told.

Names are metric *families* as the exposition declares them (a counter's family has no ``_total``). Every kept
family is kept whatever its type turns out to be; :mod:`gaugellm_prometheus.snapshot` decides how a type becomes
series. ``MEAN_GAUGES`` are the gauges that are shares or ratios: across several label sets (engines, say) they are
averaged, where every other gauge is summed.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

__all__ = ["DERIVED_RATIOS", "HEADLINES", "MEAN_GAUGES", "PRESETS", "detect", "matches"]

PRESETS: dict[str, tuple[str, ...]] = {
    "vllm": (
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
        "vllm:kv_cache_usage_perc",
        "vllm:num_preemptions",
        "vllm:prefix_cache_queries",
        "vllm:prefix_cache_hits",
        "vllm:prompt_tokens",
        "vllm:generation_tokens",
        "vllm:prompt_tokens_cached",
        "vllm:request_success",
        "vllm:time_to_first_token_seconds",
        "vllm:inter_token_latency_seconds",
        "vllm:e2e_request_latency_seconds",
        "vllm:request_queue_time_seconds",
        "vllm:request_prefill_time_seconds",
        "vllm:request_decode_time_seconds",
    ),
    "sglang": (
        "sglang:num_running_reqs",
        "sglang:num_queue_reqs",
        "sglang:token_usage",
        "sglang:cache_hit_rate",
        "sglang:gen_throughput",
        "sglang:prompt_tokens",
        "sglang:generation_tokens",
        "sglang:time_to_first_token_seconds",
        "sglang:inter_token_latency_seconds",
        "sglang:e2e_request_latency_seconds",
    ),
    "tgi": (
        "tgi_queue_size",
        "tgi_batch_current_size",
        "tgi_batch_current_max_tokens",
        "tgi_request_count",
        "tgi_request_success",
        "tgi_request_duration",
        "tgi_request_queue_duration",
        "tgi_request_inference_duration",
        "tgi_request_mean_time_per_token_duration",
        "tgi_request_generated_tokens",
        "tgi_request_input_length",
    ),
}

#: What identifies each server's exposition, for ``preset: auto``.
_PREFIXES = {"vllm": "vllm:", "sglang": "sglang:", "tgi": "tgi_"}

MEAN_GAUGES = frozenset({"vllm:kv_cache_usage_perc", "sglang:token_usage", "sglang:cache_hit_rate"})

#: ``name: (numerator counter, denominator counter)``: a ratio of two counters' increases over each interval.
DERIVED_RATIOS: dict[str, tuple[str, str]] = {
    "vllm:prefix_cache_hit_ratio": ("vllm:prefix_cache_hits", "vllm:prefix_cache_queries"),
}


#: Per preset, the few series a reader wants per stage at a glance, and the statistic that says most about each
#: (reports show them as "headline" figures; every series stays in the JSON).
HEADLINES: dict[str, dict[str, str]] = {
    "vllm": {
        "vllm:num_requests_running": "mean",
        "vllm:num_requests_waiting": "mean",
        "vllm:kv_cache_usage_perc": "max",
        "vllm:prefix_cache_hit_ratio": "mean",
        "vllm:num_preemptions:rate": "max",
        "vllm:request_queue_time_seconds:mean": "mean",
    },
    "sglang": {
        "sglang:num_running_reqs": "mean",
        "sglang:num_queue_reqs": "mean",
        "sglang:token_usage": "max",
        "sglang:cache_hit_rate": "mean",
    },
    "tgi": {
        "tgi_batch_current_size": "mean",
        "tgi_queue_size": "mean",
        "tgi_request_queue_duration:mean": "mean",
    },
}


def detect(families: set[str]) -> list[str]:
    """The presets whose servers wrote ``families``."""
    return [name for name, prefix in _PREFIXES.items() if any(family.startswith(prefix) for family in families)]


def matches(family: str, wanted: frozenset[str], patterns: tuple[str, ...]) -> bool:
    """Whether ``family`` is kept: named by a preset, or by one of the user's names or shell patterns."""
    return family in wanted or any(fnmatchcase(family, pattern) for pattern in patterns)
