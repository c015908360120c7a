"""Where requests are sent from: the executor interface, the worker runtime and the local process executor."""

from gaugellm.runner.executor.base import Executor, WorkerInfo
from gaugellm.runner.executor.loader import BackendSpec, backend_spec, create_backend
from gaugellm.runner.executor.local import LocalExecutor
from gaugellm.runner.executor.worker import WorkerRuntime

__all__ = ["BackendSpec", "Executor", "LocalExecutor", "WorkerInfo", "WorkerRuntime", "backend_spec", "create_backend"]
