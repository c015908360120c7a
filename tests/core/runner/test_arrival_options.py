"""``--burstiness`` and ``--ramp-up``: reachable from the profile, the config model, a config file and the CLI,
with one readable line for every bad value."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import GAUGELLM

from gaugellm.errors import RunConfigError
from gaugellm.runner import RunConfig
from gaugellm.runner.scheduler import make_profile


def test_profile_stages_carry_the_arrival_shape() -> None:
    profile = make_profile("poisson", rates=[2.0, 4.0], seed=7, burstiness=0.25, ramp_up_s=3.0)
    assert [stage.describe() for stage in profile.stages] == [
        {"kind": "poisson", "rate": 2.0, "seed": 7, "burstiness": 0.25, "ramp_up_s": 3.0},
        {"kind": "poisson", "rate": 4.0, "seed": 8, "burstiness": 0.25, "ramp_up_s": 3.0},
    ]
    (constant,) = make_profile("constant", rates=[5.0], ramp_up_s=2.0).stages
    assert constant.describe() == {"kind": "constant", "rate": 5.0, "ramp_up_s": 2.0}
    (plain,) = make_profile("poisson", rates=[5.0]).stages
    assert "burstiness" not in plain.describe()
    assert "ramp_up_s" not in plain.describe()


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("constant", {"burstiness": 0.5}, "--burstiness shapes the gaps of the poisson profile"),
        ("sweep", {"burstiness": 2.0}, "does not apply to sweep"),
        ("poisson", {"burstiness": 0.0}, "--burstiness must be above 0"),
        ("poisson", {"burstiness": math.nan}, "--burstiness must be above 0"),
        ("poisson", {"burstiness": 1e6}, "at most 1000"),
        ("concurrent", {"ramp_up_s": 5.0}, "--ramp-up applies to the constant and poisson profiles"),
        ("throughput", {"ramp_up_s": 5.0}, "not to throughput"),
        ("sweep", {"ramp_up_s": 5.0}, "not to sweep"),
        ("constant", {"ramp_up_s": -1.0}, "--ramp-up must be a positive number of seconds"),
        ("constant", {"ramp_up_s": math.inf}, "--ramp-up must be a positive number of seconds"),
    ],
)
def test_bad_arrival_shapes_are_readable(kind: str, options: dict[str, Any], message: str) -> None:
    rates = [3.0] if kind in ("constant", "poisson") else []
    concurrency = 2 if kind == "concurrent" else None
    with pytest.raises(RunConfigError, match=message):
        make_profile(kind, rates=rates, concurrency=concurrency, **options)  # type: ignore[arg-type]


def parse(**options: Any) -> RunConfig:
    return RunConfig.parse({"backend": {"type": "runner_fake"}, **options})


def test_config_fields(fake_backend: str) -> None:
    config = parse(profile="poisson", rate=5, burstiness=0.5, ramp_up="10s", max_seconds=60)
    assert (config.burstiness, config.ramp_up) == (0.5, 10.0)
    assert config.redacted()["burstiness"] == 0.5
    assert config.redacted()["ramp_up"] == 10.0
    assert parse(profile="constant", rate=5, ramp_up=2.5, max_seconds=60).ramp_up == 2.5
    assert parse(profile="constant", rate=5, ramp_up="2.5", max_seconds=60).ramp_up == 2.5
    defaults = parse(max_requests=1)
    assert (defaults.burstiness, defaults.ramp_up) == (1.0, None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"burstiness": math.nan}, "burstiness: Input should be a finite number"),
        ({"burstiness": "inf"}, "burstiness: Input should be a finite number"),
        ({"burstiness": 0}, "burstiness: Input should be greater than 0"),
        ({"burstiness": -2}, "burstiness: Input should be greater than 0"),
        ({"burstiness": "lots"}, "burstiness: Input should be a valid number"),
        ({"ramp_up": "nan"}, "ramp_up: Input should be a finite number"),
        ({"ramp_up": math.inf}, "ramp_up: Input should be a finite number"),
        ({"ramp_up": "0s"}, "ramp_up: Input should be greater than 0"),
        ({"ramp_up": -3}, "ramp_up: Input should be greater than 0"),
        ({"ramp_up": "ten"}, "ramp_up: Input should be a valid number"),
        ({"ramp_up": "60s"}, "--ramp-up 60s leaves nothing of --max-seconds 60"),
        ({"ramp_up": 50, "cooldown": "10s"}, "leaves nothing of --max-seconds 60"),
        ({"ramp_up": 1, "profile": "constant", "burstiness": 0.5}, "does not apply to constant"),
    ],
)
def test_bad_config_values_are_one_readable_error(fake_backend: str, options: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"profile": "poisson", "rate": 5, "max_seconds": 60}
    with pytest.raises(RunConfigError, match=message) as caught:
        parse(**{**base, **options})
    assert "\n" not in str(caught.value)


def test_a_ramp_that_takes_every_request_is_refused(fake_backend: str) -> None:
    with pytest.raises(RunConfigError, match="schedules about 25 requests during the ramp"):
        parse(profile="constant", rate=[1, 10], ramp_up="5s", max_requests=25)
    assert parse(profile="constant", rate=[1, 10], ramp_up="5s", max_requests=26).ramp_up == 5.0


def gaugellm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GAUGELLM, "run", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", "poisson", "-r", "5", "--burstiness", "nan"], "burstiness: Input should be a finite number"),
        (["-p", "poisson", "-r", "5", "--burstiness", "inf"], "burstiness: Input should be a finite number"),
        (["-p", "poisson", "-r", "5", "--burstiness", "0"], "burstiness: Input should be greater than 0"),
        (["-p", "poisson", "-r", "5", "--burstiness", "-1"], "burstiness: Input should be greater than 0"),
        (["-p", "constant", "-r", "5", "--burstiness", "0.5"], "does not apply to constant"),
        (["-p", "poisson", "-r", "5", "--ramp-up", "nan"], "ramp_up: Input should be a finite number"),
        (["-p", "poisson", "-r", "5", "--ramp-up", "0s"], "ramp_up: Input should be greater than 0"),
        (["-p", "constant", "-r", "5", "--ramp-up", "-2"], "ramp_up: Input should be greater than 0"),
        (["-p", "concurrent", "-c", "2", "--ramp-up", "5s"], "not to concurrent"),
        (["-p", "constant", "-r", "5", "--ramp-up", "30s"], "--ramp-up 30s leaves nothing of --max-seconds 30"),
    ],
)
def test_cli_errors_are_one_line_and_status_2(cli_env: dict[str, str], args: list[str], message: str) -> None:
    result = gaugellm(cli_env, "-b", "runner_fake", "-t", "30", *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr


def test_config_file_errors_are_one_line_and_status_2(cli_env: dict[str, str], tmp_path: Path) -> None:
    base = "backend:\n  type: runner_fake\nmax-seconds: 30\n"
    poisson = "profile: poisson\nrate: 5\n"
    for extra, message in [
        (poisson + "burstiness: .nan\n", "burstiness: Input should be a finite number"),
        (poisson + "burstiness: 0\n", "burstiness: Input should be greater than 0"),
        (poisson + "ramp-up: .inf\n", "ramp_up: Input should be a finite number"),
        (poisson + "ramp_up: -5s\n", "ramp_up: Input should be greater than 0"),
        ("profile: throughput\nramp_up: 5s\n", "not to throughput"),
    ]:
        config = tmp_path / "run.yaml"
        config.write_text(base + extra)
        result = gaugellm(cli_env, "--config", str(config))
        assert result.returncode == 2, (extra, result.stderr)
        assert result.stderr.startswith("error: ")
        assert result.stderr.count("\n") == 1, result.stderr
        assert message in result.stderr, extra
