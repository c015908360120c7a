"""The simulated server's capacity in closed form: the ground truth a saturation search is checked against.

Service is deterministic: a request admitted at ``a`` has its first token at ``a + ttft`` and its last ``(n - 1)``
ITLs later, when its slot passes to the next request waiting. With ``N`` slots the server therefore completes at most
``N / S`` requests a second, ``S`` being one request's service time. Below that rate, requests arriving at constant
intervals never wait (a D/D/N queue); above it the queue, and with it the TTFT, grows without bound. With
``itl_growth_ms`` the ITL depends on how many requests are being served; at saturation all ``N`` slots are busy, so
the ITL is ``itl + growth x (N - 1)`` for every token.
"""

from __future__ import annotations

from gaugellm_openai.mock.config import MockServerConfig

__all__ = ["closed_form_capacity", "service_time_s"]


def service_time_s(config: MockServerConfig, output_tokens: int | None = None) -> float:
    """One request's service time at saturation, in seconds: ``ttft + (n - 1) x (itl + growth x (N - 1))``.

    ``output_tokens`` is the length of every response; by default the config's own (which must then be one number).
    Raises ``ValueError`` when the server has no finite capacity or the length is not fixed.
    """
    limit = config.stream_limit
    if limit is None:
        raise ValueError(
            "max_streams is unlimited: every request is served on arrival, so the server has no finite capacity; "
            "set max_streams to N > 0"
        )
    if output_tokens is None:
        low, high = config.output_range
        if low != high:
            raise ValueError(
                f"output_tokens={config.output_tokens!r} draws each response's length from a range, so the service "
                "time is not fixed; configure one length (e.g. output_tokens='64'), or pass output_tokens= when "
                "every request pins its length (max_tokens with ignore_eos)"
            )
        output_tokens = low
    if output_tokens < 1:
        raise ValueError(f"output_tokens must be at least 1, not {output_tokens}")
    faults = {
        "error_rate": config.error_rate,
        "stall_rate": config.stall_rate * config.stall_ms,
        "drop_rate": config.drop_rate,
    }
    faulty = [name for name, rate in faults.items() if rate > 0]  # a stall of 0 ms changes nothing
    if faulty:
        raise ValueError(
            f"{', '.join(faulty)} > 0: faults change service times and skip slots, which the closed form does not "
            "model; set them to 0"
        )
    itl_ms = config.itl_ms + config.itl_growth_ms * (limit - 1)
    service_ms = config.ttft_ms + (output_tokens - 1) * itl_ms
    if service_ms <= 0:
        raise ValueError(
            "the service time is zero (ttft_ms and itl_ms are 0): responses are instant and the capacity is not "
            "finite; set ttft_ms or itl_ms"
        )
    return service_ms / 1000


def closed_form_capacity(config: MockServerConfig, output_tokens: int | None = None) -> float:
    """Requests per second the simulated server completes at saturation: ``max_streams / service time``.

    ``output_tokens`` is the length of every response; by default the config's own (which must then be one number).
    Raises ``ValueError`` when ``max_streams`` is unlimited, lengths are drawn from a range and none is given,
    faults are injected, or the service time is zero.
    """
    limit = config.stream_limit
    service = service_time_s(config, output_tokens)
    assert limit is not None  # service_time_s refused an unlimited config
    return limit / service
