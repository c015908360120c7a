"""Where requests are sent from: the executor contract, the worker runtime and the local process executor."""

from gaugellm.runner.executor.args import ExecutorArgs, LocalExecutorArgs
from gaugellm.runner.executor.base import Executor, WorkerInfo
from gaugellm.runner.executor.loader import BackendSpec, backend_spec, create_backend
from gaugellm.runner.executor.local import LocalExecutor
from gaugellm.runner.executor.worker import WorkerRuntime

__all__ = [
    "BackendSpec",
    "Executor",
    "ExecutorArgs",
    "LocalExecutor",
    "LocalExecutorArgs",
    "WorkerInfo",
    "WorkerRuntime",
    "backend_spec",
    "create_backend",
]
