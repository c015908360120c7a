"""The ``ray`` executor keeps the executor contract (the core's conformance kit), on a real two-node cluster."""

from __future__ import annotations

from typing import Any

import pytest

from gaugellm.testing import ExecutorConformance
from gaugellm_ray.args import RayExecutorArgs
from gaugellm_ray.executor import RayExecutor


class TestRayExecutor(ExecutorConformance):
    @pytest.fixture
    def executor(self, cluster: Any, leftovers: None) -> RayExecutor:
        return RayExecutor(RayExecutorArgs(address=None))
