"""``gaugellm run --executor ray`` end to end, its one-line errors, and plugin listing that never imports Ray."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

GAUGELLM = [sys.executable, "-m", "gaugellm"]


def gaugellm(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "GAUGELLM_DEBUG")}
    environment["COLUMNS"] = "200"  # tables unwrapped
    return subprocess.run([*GAUGELLM, *args], env=environment, capture_output=True, text=True, timeout=timeout)


def _run_args(server_url: str, executor_kwargs: dict[str, Any] | str) -> list[str]:
    kwargs = executor_kwargs if isinstance(executor_kwargs, str) else json.dumps(executor_kwargs)
    return [
        "run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server_url}),
        "--executor", "ray", "--executor-kwargs", kwargs,
        "-p", "constant", "-r", "20", "--max-requests", "30", "--workers", "2", "-q",
        "--data", "prompt_tokens=16,output_tokens=8",
    ]  # fmt: skip


@pytest.mark.usefixtures("leftovers")
def test_a_run_on_the_cluster_writes_its_report(cluster: Any, server: Any, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    result = gaugellm(*_run_args(server.url, {"address": cluster.address}), "-o", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["complete"]
    executor = report["environment"]["executor"]
    assert executor["name"] == "ray"
    assert executor["args"]["address"] == cluster.address
    assert len({worker["node_id"] for worker in executor["placement"]}) == 2
    assert report["benchmarks"][0]["metrics"]["requests"]["successful"] == 30


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ('{"adress": "auto"}', "adress"),
        ('{"num_cpus": "many"}', "num_cpus"),
        ('{"placement": "scatter"}', "placement"),
    ],
)
def test_bad_executor_kwargs_are_one_line_and_exit_2(kwargs: str, message: str) -> None:
    result = gaugellm(*_run_args("http://127.0.0.1:9", kwargs), timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]


def test_an_unreachable_cluster_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = gaugellm(*_run_args("http://127.0.0.1:9", {"address": f"127.0.0.1:{port}"}), timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"cannot reach the Ray cluster at '127.0.0.1:{port}'" in lines[0]


def test_listing_and_describing_the_plugin_imports_no_ray() -> None:
    listed = gaugellm("plugins", "list", "--kind", "executor")
    assert listed.returncode == 0, listed.stderr
    assert "ray" in listed.stdout
    shown = gaugellm("plugins", "show", "--kind", "executor", "ray")
    assert shown.returncode == 0, shown.stderr
    assert "max_clock_uncertainty_ms" in shown.stdout
    code = (
        "import sys, gaugellm_ray, gaugellm_ray.args, gaugellm_ray.executor;"
        "from gaugellm.plugins.registry import import_path;"
        "assert 'ray' not in sys.modules, 'ray was imported'"
    )
    check = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


@pytest.mark.usefixtures("leftovers")
def test_ctrl_c_keeps_what_was_measured_and_leaves_nothing_on_the_cluster(
    cluster: Any, server: Any, tmp_path: Path
) -> None:
    import signal
    import time

    out = tmp_path / "run.json"
    args = _run_args(server.url, {"address": cluster.address})
    args[args.index("--max-requests") : args.index("--max-requests") + 2] = ["-t", "60"]
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "GAUGELLM_DEBUG")}
    process = subprocess.Popen(
        [*GAUGELLM, *args, "-o", str(out)], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        before = server.stats()["requests"]
        deadline = time.monotonic() + 60
        while server.stats()["requests"] < before + 20 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    report = json.loads(out.read_text())
    assert not report["complete"]
    assert report["benchmarks"][0]["metrics"]["requests"]["successful"] > 0
