"""Fixtures for tests against a real vLLM engine on CPU (run them with ``hatch run vllm:test``).

Tests marked ``vllm`` need vLLM (and torch, transformers): where vLLM is not installed, as in the default hatch
environment, they are skipped with a reason that says how to run them. ``test_vllm_no_engine.py`` needs none of it
and runs everywhere.

Engines are slow to start (about 25 s on 2 cores) and the machine is shared, so the engine tests share one engine per
module, one engine at a time, and every cache and temp file goes to a folder of this test run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# The helper modules beside this file (tiny_model, vllm_env, ...) are imported by name from tests and fixtures.
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

VLLM_MISSING_REASON = (
    "vLLM is not installed in this environment; run the engine tests with `hatch run vllm:test` "
    "(or `pip install gaugellm-backend-vllm[cpu]`)"
)

#: How long things took, printed at the end of the run (CI logs show what the engine costs).
TIMINGS: dict[str, float] = {}


def vllm_installed() -> bool:
    return importlib.util.find_spec("vllm") is not None


def pytest_configure(config: pytest.Config) -> None:
    # torch warns on import inside vLLM's engine; nothing of ours can act on it.
    config.addinivalue_line("filterwarnings", "ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if vllm_installed():
        return
    skip = pytest.mark.skip(reason=VLLM_MISSING_REASON)
    for item in items:
        if item.get_closest_marker("vllm") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in TIMINGS.items())
        terminalreporter.write_line(f"vllm timings: {parts}")


@pytest.fixture(scope="session")
def vllm_timings() -> dict[str, float]:
    """Durations a test wants printed in the run's summary (engine start, server start)."""
    return TIMINGS


@pytest.fixture(scope="session")
def vllm_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This run's folder for vLLM's caches and temp files; the variables pointing at it are set for the session.

    Set in this process (an in-process engine reads them, and its engine-core process inherits them) and handed to
    subprocesses such as the OpenAI server.
    """
    from vllm_env import vllm_cpu_env

    root = tmp_path_factory.mktemp("vllm-runtime")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in vllm_cpu_env(root).items():
            patch.setenv(name, value)
        patch.setattr(tempfile, "tempdir", os.environ["TMPDIR"])  # gettempdir() caches its first answer
        yield root


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, vllm_root: Path) -> Path:
    """The tiny random Llama with its locally trained tokenizer (seed 0), built once per run (about 4 s).

    Built after ``vllm_root`` has redirected the caches: importing torch and transformers creates cache folders too.
    """
    import time

    from tiny_model import build_tiny_model

    started = time.perf_counter()
    model_dir = build_tiny_model(tmp_path_factory.mktemp("tiny-model"), seed=0, dtype="float32")
    TIMINGS["tiny model build"] = time.perf_counter() - started
    return model_dir


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model_dir: Path) -> object:
    """The tiny model's tokenizer loaded with transformers, to count tokens independently of the engine."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="module")
def vllm_openai_server(vllm_root: Path, tiny_model_dir: Path) -> Iterator[object]:
    """vLLM's OpenAI-compatible server on loopback serving the tiny model as ``tiny-llama`` (ready in about 25 s).

    A real peer for HTTP backends: ``server.base_url`` + ``/v1/chat/completions`` or ``/v1/completions``. Stopped
    by PID at the end of the module; its teardown fails if any process it spawned survives.
    """
    from vllm_openai_server import serve_openai

    with serve_openai(tiny_model_dir, vllm_root / "openai-server") as server:
        TIMINGS["openai server ready"] = server.ready_seconds
        yield server
