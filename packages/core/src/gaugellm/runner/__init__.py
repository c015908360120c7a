"""The load runner: profiles decide when requests go out, workers (an executor) send them, the engine collects.

``gaugellm run`` is :func:`execute_run` with a :class:`RunConfig` built from the command line; see docs/runner.md.
Names are imported on first use, so that importing a submodule does not pay for the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm._lazy import lazy_exports

if TYPE_CHECKING:
    from gaugellm.runner.config import RunConfig, load_config_file
    from gaugellm.runner.engine import Engine, RunOutcome, StageOutcome
    from gaugellm.runner.errors import BackendStartupError, RunIncompleteError, RunInterruptedError
    from gaugellm.runner.executor import BackendSpec, Executor, LocalExecutor, WorkerInfo, WorkerRuntime
    from gaugellm.runner.scheduler import Profile, StageLimits, StageSpec, make_profile
    from gaugellm.runner.session import RunResult, execute_run

_EXPORTS = {
    "RunConfig": "gaugellm.runner.config",
    "load_config_file": "gaugellm.runner.config",
    "Engine": "gaugellm.runner.engine",
    "RunOutcome": "gaugellm.runner.engine",
    "StageOutcome": "gaugellm.runner.engine",
    "BackendStartupError": "gaugellm.runner.errors",
    "RunIncompleteError": "gaugellm.runner.errors",
    "RunInterruptedError": "gaugellm.runner.errors",
    "BackendSpec": "gaugellm.runner.executor",
    "Executor": "gaugellm.runner.executor",
    "LocalExecutor": "gaugellm.runner.executor",
    "WorkerInfo": "gaugellm.runner.executor",
    "WorkerRuntime": "gaugellm.runner.executor",
    "Profile": "gaugellm.runner.scheduler",
    "StageLimits": "gaugellm.runner.scheduler",
    "StageSpec": "gaugellm.runner.scheduler",
    "make_profile": "gaugellm.runner.scheduler",
    "RunResult": "gaugellm.runner.session",
    "execute_run": "gaugellm.runner.session",
}

__all__ = [
    "RunConfig",
    "load_config_file",
    "Engine",
    "RunOutcome",
    "StageOutcome",
    "BackendStartupError",
    "RunIncompleteError",
    "RunInterruptedError",
    "BackendSpec",
    "Executor",
    "LocalExecutor",
    "WorkerInfo",
    "WorkerRuntime",
    "Profile",
    "StageLimits",
    "StageSpec",
    "make_profile",
    "RunResult",
    "execute_run",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
