"""A working third-party collector: counts its own samples, so a report shows exactly how often it was called.

Importing it leaves a mark in ``$GAUGELLM_IMPORT_MARKERS`` (when set), so tests can tell listing (which must not
import plugins) from checking (which must).
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from gaugellm import Collector, CollectorArgs, CollectorContext

if os.environ.get("GAUGELLM_IMPORT_MARKERS"):
    pathlib.Path(os.environ["GAUGELLM_IMPORT_MARKERS"], __name__).write_text("imported")


class HeartbeatArgs(CollectorArgs):
    """A counter that goes up by one per sample."""

    type: Literal["heartbeat"] = "heartbeat"
    step: float = Field(default=1.0, description="How much each beat adds.")


class HeartbeatCollector(Collector[HeartbeatArgs]):
    def __init__(self, args: HeartbeatArgs) -> None:
        super().__init__(args)
        self.beats = 0.0
        self.workers = 0

    async def start(self, context: CollectorContext) -> None:
        self.beats = 0.0
        self.workers = len(context.worker_pids)

    async def sample(self) -> Mapping[str, float]:
        self.beats += self.args.step
        return {"beats": self.beats, "local_workers": float(self.workers)}
