"""Let the workers win the CPU over the runner's own process when they compete for it.

The main process's work is never urgent: it schedules requests half a second ahead and collects results in
batches. A worker's is: a request due now goes out late if the worker waits for a CPU. On a small machine the two
compete: on a small machine the main process's bursts (turning a result batch into metrics, feeding the next work)
were what the slowest 1 % of dispatches waited for (measured in docs/runner.md).

So ``gaugellm run`` lowers the runner process's priority once its workers have started (they keep theirs). It is
the CLI's choice, not the library's: an unprivileged process cannot raise its priority again, and a program that
embeds the runner (``execute_run``) should not find itself demoted for good; such a program can call
:func:`yield_cpu_to_workers` from ``on_workers_ready`` itself.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["RUNNER_NICENESS", "yield_cpu_to_workers"]

#: The niceness the runner's process takes while its workers run (0 is the default priority, 19 the lowest).
RUNNER_NICENESS = 10


def yield_cpu_to_workers(niceness: int = RUNNER_NICENESS) -> int | None:
    """Lower this process's priority (every thread of it) to ``niceness``; never raise it. Returns the niceness now.

    ``None`` where the platform has no priorities (Windows). On Linux a niceness belongs to each thread, so every
    thread is lowered (a progress display's refresh thread included); threads started later inherit it.
    """
    if not hasattr(os, "setpriority"):
        return None
    tasks = Path("/proc/self/task")
    thread_ids = [int(entry.name) for entry in tasks.iterdir()] if tasks.is_dir() else [0]
    for thread_id in thread_ids:
        with contextlib.suppress(OSError):  # a thread that just ended
            if os.getpriority(os.PRIO_PROCESS, thread_id) < niceness:
                os.setpriority(os.PRIO_PROCESS, thread_id, niceness)
    return os.getpriority(os.PRIO_PROCESS, 0)
