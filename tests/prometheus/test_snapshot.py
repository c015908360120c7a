"""Exposition text to series: gauges as read, counters as rates (resets included), histograms as interval figures."""

from __future__ import annotations

import pytest
from gaugellm_prometheus.snapshot import parse_exposition, series_between


def keep_all(_: str) -> bool:
    return True


def exposition(running: float, generated: float, success: tuple[float, float], ttft: dict[str, float]) -> str:
    buckets = "\n".join(
        f'vllm:time_to_first_token_seconds_bucket{{le="{le}",model_name="m"}} {count}' for le, count in ttft.items()
    )
    return f"""# HELP vllm:num_requests_running Running.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{{model_name="m",engine="0"}} {running}
vllm:num_requests_running{{model_name="m",engine="1"}} 1
# HELP vllm:generation_tokens_total Generated.
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{{model_name="m"}} {generated}
# TYPE vllm:request_success_total counter
vllm:request_success_total{{finished_reason="stop",model_name="m"}} {success[0]}
vllm:request_success_total{{finished_reason="length",model_name="m"}} {success[1]}
# TYPE vllm:time_to_first_token_seconds histogram
{buckets}
vllm:time_to_first_token_seconds_sum{{model_name="m"}} {sum(ttft.values()) / 100}
vllm:time_to_first_token_seconds_count{{model_name="m"}} {ttft["+Inf"]}
"""


def test_gauges_sum_over_engines_and_counters_become_rates() -> None:
    before = parse_exposition(exposition(3, 1000, (10, 5), {"0.1": 0, "0.2": 0, "+Inf": 0}), keep_all)
    now = parse_exposition(exposition(4, 1500, (14, 6), {"0.1": 0, "0.2": 0, "+Inf": 0}), keep_all)
    values = series_between(before, now, 2.0)
    assert values["vllm:num_requests_running"] == 5  # 4 + 1: the engines are summed
    assert values["vllm:generation_tokens:rate"] == 250.0  # 500 tokens in 2 s
    assert values["vllm:request_success:rate{finished_reason=stop}"] == 2.0
    assert values["vllm:request_success:rate{finished_reason=length}"] == 0.5
    assert values["vllm:request_success:rate"] == 2.5


def test_the_first_scrape_has_gauges_only() -> None:
    now = parse_exposition(exposition(4, 1500, (1, 1), {"0.1": 0, "+Inf": 0}), keep_all)
    assert series_between(None, now, 0.0) == {"vllm:num_requests_running": 5}


def test_a_counter_that_went_down_was_reset() -> None:
    before = parse_exposition(exposition(0, 5000, (0, 0), {"+Inf": 0}), keep_all)
    now = parse_exposition(exposition(0, 300, (0, 0), {"+Inf": 0}), keep_all)
    assert series_between(before, now, 1.0)["vllm:generation_tokens:rate"] == 300.0


def test_histograms_give_rate_mean_and_interpolated_quantiles() -> None:
    before = parse_exposition(exposition(0, 0, (0, 0), {"0.1": 10, "0.2": 10, "0.4": 10, "+Inf": 10}), keep_all)
    # 100 new observations: 50 in (0, 0.1], 50 in (0.2, 0.4]
    now = parse_exposition(exposition(0, 0, (0, 0), {"0.1": 60, "0.2": 60, "0.4": 110, "+Inf": 110}), keep_all)
    values = series_between(before, now, 4.0)
    assert values["vllm:time_to_first_token_seconds:rate"] == 25.0
    assert values["vllm:time_to_first_token_seconds:p50"] == pytest.approx(0.1)  # rank 50: the end of bucket 1
    assert values["vllm:time_to_first_token_seconds:p99"] == pytest.approx(0.2 + 0.2 * 49 / 50)
    assert values["vllm:time_to_first_token_seconds:mean"] == pytest.approx(
        (3.4 - 0.4) / 100
    )  # the fixture's sums: 0.4, then 3.4


def test_only_the_families_kept_are_read() -> None:
    text = exposition(1, 1, (1, 1), {"+Inf": 0})
    snapshot = parse_exposition(text, lambda family: family == "vllm:num_requests_running")
    assert set(snapshot.gauges) == {"vllm:num_requests_running"}
    assert not snapshot.counters
    assert not snapshot.histograms
    assert "vllm:generation_tokens" in snapshot.families  # every family is still seen, for preset detection


@pytest.mark.parametrize(
    "text",
    [
        'vllm:x{model_name="m" 1\n',  # an unclosed label set
        "# TYPE a_total counter\na_total not-a-number\n",
        'a{x="1"}\n',  # no value
        "a{x=1} 2\n",  # an unquoted label value
    ],
)
def test_malformed_exposition_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the parser's own error, whatever its message
        parse_exposition(text, keep_all)


QUIRKS = """# HELP a_total A counter whose TYPE names its sample.
# TYPE a_total counter
a_total{path="/v1/x,y",quote="say \\"hi\\"",brace="}{"} 3 1700000000000
a_created{path="/v1/x,y",quote="say \\"hi\\"",brace="}{"} 1.7e9
# TYPE b gauge
b{newline="one\\ntwo"} NaN
b{newline="plain"} +Inf
untyped_thing 42
# TYPE s summary
s{quantile="0.5"} 1.5
s_sum 10
s_count 4
# TYPE h histogram
h_bucket{le="0.5"} 1
h_bucket{le="+Inf"} 2
h_sum 0.75
h_count 2
"""


def _normalised(rows: list[tuple[str, str, str, dict[str, str], float]]) -> list[tuple[object, ...]]:
    return sorted((f, k, n, tuple(sorted(labels.items())), repr(float(v))) for f, k, n, labels, v in rows)


@pytest.mark.parametrize("text", [QUIRKS, exposition(3, 1000, (10, 5), {"0.1": 1, "0.2": 2, "+Inf": 3})])
def test_the_quick_reader_reads_what_the_reference_parser_reads(text: str) -> None:
    """Escapes, commas and braces in quoted labels, timestamps, NaN and Inf, untyped, summary, histogram."""
    from gaugellm_prometheus.snapshot import _read_by_reference, _read_quickly

    quick_families: set[str] = set()
    reference_families: set[str] = set()
    quick = _read_quickly(text, keep_all, quick_families)
    reference = _read_by_reference(text, keep_all, reference_families)
    assert _normalised(quick) == _normalised(reference)
    assert quick_families == reference_families
    assert len(quick) > 5


def test_a_line_the_quick_reader_does_not_know_goes_to_the_reference_parser() -> None:
    text = '# TYPE b gauge\nb 1\n{"my.metric", a="1"} 3\n'  # a quoted UTF-8 name (Prometheus 3)
    snapshot = parse_exposition(text, keep_all)
    assert snapshot.gauges == {"b": {(): 1.0}, "my.metric": {(("a", "1"),): 3.0}}
