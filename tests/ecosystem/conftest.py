"""Real wheels, real virtual environments: gaugellm and plugins installed the way a user installs them.

Wheels are built once per session with ``uv build``; each virtual environment is made with ``uv venv`` and filled with
``uv pip install`` from those wheels (dependencies such as pydantic come from the package index, through uv's cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGINS = Path(__file__).resolve().parent / "plugins"

PROJECTS = {
    "gaugellm": REPO / "packages" / "core",
    "gaugellm-backend-openai": REPO / "packages" / "backend-openai",
    "gaugellm-backend-vllm": REPO / "packages" / "backend-vllm",
    "gaugellm-collector-prometheus": REPO / "packages" / "collector-prometheus",
    "gaugellm-executor-ray": REPO / "packages" / "executor-ray",
    "gaugellm-backend-echo": PLUGINS / "echo",
    "gaugellm-echo-clone": PLUGINS / "echo-clone",
    "gaugellm-backend-broken": PLUGINS / "broken",
    "gaugellm-backend-future": PLUGINS / "future",
    "gaugellm-executor-relay": PLUGINS / "relay",
    "gaugellm-collector-heartbeat": PLUGINS / "heartbeat",
    "gaugellm-broken-kinds": PLUGINS / "broken-kinds",
    "gaugellm-future-kinds": PLUGINS / "future-kinds",
    "gaugellm-kinds-clone": PLUGINS / "kinds-clone",
}

pytestmark = [pytest.mark.ecosystem, pytest.mark.slow]


def uv_binary() -> str:
    found = shutil.which("uv")
    if found is None:
        try:
            from uv import find_uv_bin
        except ImportError:
            pytest.fail("the ecosystem tests need uv (a dependency of the test environment)")
        found = find_uv_bin()
    return found


def run(
    *command: str | Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


class Wheelhouse:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.wheels: dict[str, Path] = {}

    def build(self, project: str, source: Path | None = None) -> Path:
        """The wheel of one of our projects (or of the project at ``source``), built once per session."""
        if project not in self.wheels:
            out = self.root / project
            run(uv_binary(), "build", "--wheel", "--quiet", "--out-dir", out, source or PROJECTS[project])
            (wheel,) = out.glob("*.whl")
            self.wheels[project] = wheel
        return self.wheels[project]


class VirtualEnv:
    """A fresh virtual environment with a ``gaugellm`` command of its own."""

    def __init__(self, root: Path, wheelhouse: Wheelhouse) -> None:
        self.root = root
        self.wheelhouse = wheelhouse
        run(uv_binary(), "venv", "--quiet", "--python", sys.executable, root)
        self.python = root / "bin" / "python"

    def install(self, *projects: str, no_deps: bool = False, extras: dict[str, str] | None = None) -> None:
        """Install our projects from wheels; ``extras`` maps a project to the extras to install with it."""
        requirements = []
        for project in projects:
            wheel = self.wheelhouse.build(project)
            extra = (extras or {}).get(project)
            requirements.append(f"{project}[{extra}] @ {wheel.as_uri()}" if extra else str(wheel))
        flags = ["--no-deps"] if no_deps else []
        run(uv_binary(), "pip", "install", "--quiet", *flags, "--python", self.python, *requirements)

    def install_paths(self, *paths: Path) -> None:
        run(uv_binary(), "pip", "install", "--quiet", "--python", self.python, *paths)

    def uninstall(self, *distributions: str) -> None:
        run(uv_binary(), "pip", "uninstall", "--quiet", "--python", self.python, *distributions)

    def installed(self) -> set[str]:
        listing = run(uv_binary(), "pip", "list", "--format", "json", "--python", self.python)
        return {item["name"].lower() for item in json.loads(listing.stdout)}

    def gaugellm(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run(self.root / "bin" / "gaugellm", *args, env=env, check=False)

    def backends(self) -> dict[str, dict[str, object]]:
        result = self.gaugellm("backends", "list", "--json")
        assert result.returncode == 0, result.stderr
        return {item["name"]: item for item in json.loads(result.stdout)}

    def plugins(self, kind: str, env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
        """``plugins list --kind KIND --json``, by name."""
        result = self.gaugellm("plugins", "list", "--kind", kind, "--json", env=env)
        assert result.returncode == 0, result.stderr
        listed = json.loads(result.stdout)
        assert {item["kind"] for item in listed} <= {kind}
        return {item["name"]: item for item in listed}


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    return Wheelhouse(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(scope="session")
def plugin_env(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse) -> Iterator[VirtualEnv]:
    """Core, our OpenAI backend and Prometheus collector and, of every kind, a working third-party plugin, a broken
    one and one built for gaugellm 2. One environment for every module that needs it (a test that changes it puts it
    back)."""
    env = VirtualEnv(tmp_path_factory.mktemp("venv") / "plugins", wheelhouse)
    env.install(
        "gaugellm",
        "gaugellm-backend-openai",
        "gaugellm-backend-echo",
        "gaugellm-backend-broken",
        "gaugellm-executor-relay",
        "gaugellm-collector-heartbeat",
        "gaugellm-collector-prometheus",
        "gaugellm-broken-kinds",
    )
    # A resolver refuses a plugin for another major version of gaugellm; users still end up there by upgrading the
    # core under an installed plugin, or with --no-deps. gaugellm must cope.
    env.install("gaugellm-backend-future", "gaugellm-future-kinds", no_deps=True)
    yield env
    shutil.rmtree(env.root, ignore_errors=True)
