"""The built-in ``client`` collector: the load generator's own CPU and memory, so a report shows whether the
client, not the server, was the limit.

It reads ``/proc`` (Linux): the runner's process and each local worker's. CPU is the share of one core used since
the previous sample (100 = one core busy); memory is the resident set. On a system without ``/proc`` every sample
fails and is counted as such.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any, Literal

from gaugellm.collector.args import CollectorArgs
from gaugellm.collector.base import Collector, CollectorContext

__all__ = ["ClientCollector", "ClientCollectorArgs"]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class ClientCollectorArgs(CollectorArgs):
    """The runner's and its local workers' CPU and memory."""

    type: Literal["client"] = "client"


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of stat(5))


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE / 2**20


class ClientCollector(Collector[ClientCollectorArgs]):
    """Samples ``runner_cpu_percent``, ``workers_cpu_percent``, ``runner_rss_mib`` and ``workers_rss_mib``."""

    def __init__(self, args: ClientCollectorArgs) -> None:
        super().__init__(args)
        self._workers: tuple[int, ...] = ()
        self._previous: tuple[float, float, float] | None = None

    @property
    def info(self) -> dict[str, Any]:
        return {**super().info, "headline": {"runner_cpu_percent": "max", "workers_cpu_percent": "max"}}

    async def start(self, context: CollectorContext) -> None:
        self._workers = context.worker_pids
        self._previous = None

    async def sample(self) -> Mapping[str, float]:
        now = time.monotonic()
        runner_cpu = _cpu_seconds(os.getpid())
        workers_cpu = workers_rss = 0.0
        for pid in self._workers:
            try:
                workers_cpu += _cpu_seconds(pid)
                workers_rss += _rss_mib(pid)
            except (FileNotFoundError, ProcessLookupError):
                continue  # a worker that ended: the run reports it; its last CPU time is simply not counted
        values = {"runner_rss_mib": _rss_mib(os.getpid()), "workers_rss_mib": workers_rss}
        previous, self._previous = self._previous, (now, runner_cpu, workers_cpu)
        if previous is not None and now > previous[0]:
            elapsed = now - previous[0]
            values["runner_cpu_percent"] = 100.0 * (runner_cpu - previous[1]) / elapsed
            values["workers_cpu_percent"] = 100.0 * max(0.0, workers_cpu - previous[2]) / elapsed
        return values
