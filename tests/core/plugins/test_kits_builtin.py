"""The built-in plugins pass their kits: the ``local`` executor and the ``client`` collector."""

from __future__ import annotations

from typing import Any

import pytest

from gaugellm.collector.client import ClientCollector, ClientCollectorArgs
from gaugellm.runner.executor import LocalExecutor, LocalExecutorArgs
from gaugellm.testing import CollectorConformance, ExecutorConformance


class TestLocalExecutor(ExecutorConformance):
    @pytest.fixture
    def executor(self) -> Any:
        return LocalExecutor(LocalExecutorArgs())


class TestClientCollector(CollectorConformance):
    @pytest.fixture
    def collector(self) -> Any:
        return ClientCollector(ClientCollectorArgs(interval_s=0.1))
