"""A ramped, bursty poisson run against the simulated OpenAI server, as a user runs it (a subprocess).

Needs ``gaugellm-backend-openai`` (the hatch workspace installs it); skipped where it is not installed.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

mock = pytest.importorskip("gaugellm_openai.mock")

from gaugellm.reports import load_report  # noqa: E402
from gaugellm.runner.scheduler import StageSpec  # noqa: E402


def test_ramped_bursty_poisson_run_reports_only_after_the_ramp(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    rate, ramp_s, burstiness, requests, seed = 40.0, 1.0, 0.5, 60, 5
    environment = {key: value for key, value in os.environ.items() if key not in ("GAUGELLM_DEBUG", "OPENAI_API_KEY")}
    config = mock.MockServerConfig(ttft_ms=10, itl_ms=1, output_tokens="8")
    with mock.mock_server(config, in_process=False) as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "gaugellm",
                "run",
                "--backend",
                "openai_http",
                "--backend-kwargs",
                json.dumps({"target": server.url}),
                "--profile",
                "poisson",
                "--rate",
                f"{rate:g}",
                "--burstiness",
                f"{burstiness:g}",
                "--ramp-up",
                f"{ramp_s:g}s",
                "--seed",
                str(seed),
                "--max-requests",
                str(requests),
                "-o",
                str(out),
            ],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    report = load_report(out)
    (bench,) = report.benchmarks
    assert bench.profile == {
        "kind": "poisson",
        "rate": rate,
        "seed": seed,
        "burstiness": burstiness,
        "ramp_up_s": ramp_s,
    }
    assert report.config["burstiness"] == burstiness
    assert report.config["ramp_up"] == ramp_s

    # The run's schedule is the seeded one: those of its requests due during the ramp are not in the results.
    spec = StageSpec(name="poisson@40", kind="poisson", rate=rate, seed=seed, burstiness=burstiness, ramp_up_s=ramp_s)
    arrivals = spec.arrivals()
    assert arrivals is not None
    in_ramp = sum(offset < ramp_s * 1e9 for offset in itertools.islice(arrivals, requests))
    assert 0 < in_ramp < requests
    assert bench.metrics.requests.total == requests - in_ramp
    assert bench.metrics.requests.successful == requests - in_ramp
