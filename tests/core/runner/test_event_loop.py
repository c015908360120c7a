"""Workers run on asyncio's loop, and on uvloop (``gaugellm[uvloop]``) when asked to."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from runner_loop_probe import NAME, LoopProbeArgs, LoopProbeBackend

import gaugellm
from gaugellm.runner.executor import LocalExecutor, backend_spec
from gaugellm.runner.executor.process import UVLOOP_ENV, uvloop_wanted

HAVE_UVLOOP = importlib.util.find_spec("uvloop") is not None


@pytest.fixture
def probe() -> Iterator[str]:
    gaugellm.register_backend(NAME, LoopProbeArgs, LoopProbeBackend, replace=True)
    try:
        yield NAME
    finally:
        gaugellm.unregister_backend(NAME)


@pytest.mark.parametrize(
    ("setting", "env", "wanted"),
    [
        (None, None, False),
        (None, "1", True),
        (None, " On ", True),
        (None, "0", False),
        (None, "false", False),
        (True, "0", True),
        (False, "1", False),
    ],
)
def test_uvloop_wanted(setting: bool | None, env: str | None, wanted: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if env is None:
        monkeypatch.delenv(UVLOOP_ENV, raising=False)
    else:
        monkeypatch.setenv(UVLOOP_ENV, env)
    assert uvloop_wanted(setting) is wanted


async def _loop_module(use_uvloop: bool | None) -> object:
    executor = LocalExecutor(use_uvloop=use_uvloop)
    try:
        workers = await executor.start(backend_spec(LoopProbeArgs()), 1)
        return workers[0].backend_info["loop_module"]
    finally:
        await executor.stop()


async def test_workers_use_asyncio_by_default(probe: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert await _loop_module(False) == "asyncio.unix_events"
    monkeypatch.delenv(UVLOOP_ENV, raising=False)
    assert await _loop_module(None) == "asyncio.unix_events"


@pytest.mark.skipif(not HAVE_UVLOOP, reason="uvloop is not installed (pip install 'gaugellm[uvloop]')")
async def test_workers_use_uvloop_when_asked(probe: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert await _loop_module(True) == "uvloop"
    monkeypatch.setenv(UVLOOP_ENV, "1")  # workers inherit the environment
    assert await _loop_module(None) == "uvloop"
