"""The ``ray`` executor keeps the executor contract (the core's conformance kit), on a real two-node cluster: as
it is, and with one worker telling a clock seconds away from the runner's (as a worker on another machine would)."""

from __future__ import annotations

from typing import Any

import pytest

from gaugellm.testing import ExecutorConformance
from gaugellm_ray.args import RayExecutorArgs
from gaugellm_ray.executor import CLOCK_SHIFT_ENV, RayExecutor


class TestRayExecutor(ExecutorConformance):
    @pytest.fixture
    def executor(self, cluster: Any, leftovers: None) -> RayExecutor:
        return RayExecutor(RayExecutorArgs(address=None))


class TestRayExecutorWithAWorkerOnAnotherClock(ExecutorConformance):
    @pytest.fixture
    def executor(self, cluster: Any, leftovers: None, monkeypatch: pytest.MonkeyPatch) -> RayExecutor:
        monkeypatch.setenv(CLOCK_SHIFT_ENV, "1:-3000000000")  # worker 1's clock is 3 s behind the runner's
        return RayExecutor(RayExecutorArgs(address=None))
