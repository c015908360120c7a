"""Fixtures for the runner's tests: the fake backend registered in process, or installed as a plugin on disk."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import gaugellm
from gaugellm.plugins.registry import refresh

HERE = Path(__file__).resolve().parent
# The fake backend's module must be importable by name here and in spawned workers (which copy sys.path).
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from runner_testing_backend import NAME, FakeArgs, FakeBackend  # noqa: E402


@pytest.fixture
def fake_backend() -> Iterator[str]:
    """``runner_fake`` registered in this process (workers import its class by path)."""
    gaugellm.register_backend(NAME, FakeArgs, FakeBackend, replace=True)
    try:
        yield NAME
    finally:
        gaugellm.unregister_backend(NAME)


@pytest.fixture(scope="session")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that makes ``runner_fake`` an *installed* plugin for any Python that has it on ``PYTHONPATH``.

    A ``*.dist-info`` with entry points is all ``importlib.metadata`` needs; the classes come from this folder.
    """
    root = tmp_path_factory.mktemp("plugin")
    info = root / "gaugellm_runner_fake-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gaugellm-runner-fake\nVersion: 0.0.1\nRequires-Dist: gaugellm>=1,<2\n"
    )
    (info / "entry_points.txt").write_text(
        "[gaugellm.backend_args]\n"
        f"{NAME} = runner_testing_backend:FakeArgs\n\n"
        "[gaugellm.backends]\n"
        f"{NAME} = runner_testing_backend:FakeBackend\n"
    )
    return root


@pytest.fixture
def cli_env(plugin_path: Path) -> dict[str, str]:
    """Environment for a ``gaugellm`` subprocess that sees ``runner_fake`` as installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugin_path), str(HERE), env.get("PYTHONPATH", "")]))
    env.pop("GAUGELLM_DEBUG", None)
    env["COLUMNS"] = "120"
    return env


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    refresh()
    yield
    refresh()


GAUGELLM = [sys.executable, "-m", "gaugellm"]
