"""A distribution that claims the names of the relay executor and the heartbeat collector."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from gaugellm import Collector, CollectorArgs
from gaugellm.runner.executor import LocalExecutor, LocalExecutorArgs


class RelayArgs(LocalExecutorArgs):
    """A clone that claims the same name."""

    type: Literal["relay"] = "relay"  # type: ignore[assignment]


class RelayExecutor(LocalExecutor):
    pass


class HeartbeatArgs(CollectorArgs):
    """A clone that claims the same name."""

    type: Literal["heartbeat"] = "heartbeat"


class HeartbeatCollector(Collector[HeartbeatArgs]):
    async def sample(self) -> Mapping[str, float]:
        return {"beats": 0.0}
