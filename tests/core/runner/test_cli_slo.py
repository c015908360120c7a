"""``gaugellm run`` with SLOs and the capacity profile: bad input is one line and exit 2, and nothing is written.

The fake backend (see conftest) answers at once; a run with an SLO then carries attainment and goodput in its report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runner_testing_backend import NAME
from test_cli_run import gaugellm, one_line_error

from gaugellm.reports import load_report


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slo", "ttfb<=5ms"], "unknown SLO metric 'ttfb'"),
        (["--slo", "ttft<=500"], "has no unit"),
        (["--slo", "ttft<=-5ms"], "a limit must be positive"),
        (["--slo", "ttft<=5ms", "--slo-attainment", "1.5"], "slo_attainment"),
        (["--slo-attainment", "99%"], "--slo-attainment needs --slo"),
        (["-p", "capacity"], "the capacity profile needs --slo"),
        (["-p", "capacity", "--slo", "ttft<=1s", "--budget", "5s", "-t", "30"], "--budget 5s is too small to decide"),
        (["-p", "capacity", "--slo", "ttft<=1s", "--budget", "soon"], "is not a duration"),
        (["-p", "capacity", "--slo", "ttft<=1s", "-n", "10"], "bounded by time"),
        (["-p", "capacity", "--slo", "ttft<=1s", "-r", "5"], "--rate does not apply to the capacity profile"),
        (["-p", "constant", "-r", "5", "-t", "1", "--budget", "60s"], "--budget applies only to the capacity profile"),
        (["--slo", "ttft<=1s", "-n", "3", "--price-per-hour", "nan"], "price_per_hour"),
        (["--slo", "ttft<=1s", "-n", "3", "--price-per-hour", "-2"], "price_per_hour"),
    ],
)
def test_bad_slo_and_search_options_are_one_line_and_exit_2(
    cli_env: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "never.json"
    has_stop = any(flag in args for flag in ("-n", "-t", "-p"))
    result = gaugellm(cli_env, "run", "-b", NAME, *([] if has_stop else ["-n", "3"]), *args, "-o", str(out))
    assert result.returncode == 2, result.stderr
    assert one_line_error(result.stderr), result.stderr
    assert message in result.stderr
    assert not out.exists(), "nothing is half-written"


def test_slo_from_a_config_file_reaches_every_benchmark(cli_env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(
        f"backend: {{type: {NAME}}}\nmax-requests: 60\nslo: {{ttft: 1s, latency: 2s}}\nslo-attainment: 90%\n"
        "price-per-hour: 3\n"
    )
    out = tmp_path / "run.json"
    result = gaugellm(cli_env, "run", "--config", str(config), "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    report = load_report(out)
    assert report.config["slo"] == ["ttft<=1000ms", "latency<=2000ms"]
    slo = report.benchmarks[0].metrics.slo
    assert slo is not None
    assert (slo.good, slo.judged, slo.target, slo.met) == (60, 60, 0.9, True), "60/60: the interval clears 90 %"
    cost = report.benchmarks[0].cost
    assert cost is not None
    assert cost.price_per_hour == 3
    assert json.loads(out.read_text())["version"] == 5


def test_console_shows_the_slo_table(cli_env: dict[str, str]) -> None:
    result = gaugellm(cli_env, "run", "-b", NAME, "-n", "10", "--slo", "ttft<=1s")
    assert result.returncode == 0, result.stderr
    assert "SLO ttft<=1000ms · target 99.0%" in result.stdout
    assert "10/10" in result.stdout
