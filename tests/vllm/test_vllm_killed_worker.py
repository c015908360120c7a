"""A worker running a real vLLM engine is killed (SIGKILL) mid-run: the engine's processes must not outlive it.

vLLM's engine core is a process of its own, started by the worker's backend. A killed worker runs no shutdown, and
without the runner the engine core would be re-parented and go on running (holding its memory, or a GPU) after the
run ended. The runner notes each worker's processes once it is ready and ends those that outlive it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from vllm_cli import gaugellm_run
from vllm_env import CPU_ENGINE_CONFIG
from vllm_processes import descendants, still_running

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


def test_the_engine_of_a_killed_worker_is_ended_with_the_run(
    vllm_root: Path, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import psutil

    workdir = tmp_path_factory.mktemp("kill")  # short: vLLM's socket paths under it must fit in 107 bytes
    backend_kwargs = {"model": str(tiny_model_dir), "vllm_config": dict(CPU_ENGINE_CONFIG), "ignore_eos": True}
    args = [
        "--backend", "vllm",
        "--backend-kwargs", json.dumps(backend_kwargs),
        "--profile", "constant", "--rate", "2", "--max-seconds", "120",
        "--data", "prompt_tokens=16,output_tokens=8",
        "--workers", "1",
    ]  # fmt: skip
    with gaugellm_run(args, workdir) as running:
        runner = psutil.Process(running.pid)
        deadline = time.monotonic() + 240
        # `gaugellm run` lowers its own priority once its workers are ready (their processes noted by then)
        while runner.nice() < 10 and running.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert runner.nice() == 10, "the workers never became ready"
        (worker,) = [child for child in descendants(running.pid) if child.ppid() == running.pid]
        engine = descendants(worker.pid)
        assert engine, "the vLLM backend started no process of its own"
        time.sleep(2)  # a few requests on their way
        worker.kill()
        result = running.wait(timeout=120, grace=1.0)
    assert result.returncode == 1, result.describe()
    assert "killed by SIGKILL" in result.stderr, result.describe()
    assert f"ended {len(engine)} process(es) it had started" in result.stderr, result.describe()
    assert still_running(engine) == []
    assert result.left_running == [], f"left running after the run (killed by the test): {result.seen}"
