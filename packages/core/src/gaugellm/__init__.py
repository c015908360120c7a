"""gaugellm: measure generative-AI deployments under load, with backends, executors and collectors as plugins.

The public API is re-exported here lazily (PEP 562), so that ``import gaugellm`` and the CLI's listing commands do not
pay for pydantic or stevedore until something actually needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm.__about__ import __version__
from gaugellm._lazy import lazy_exports

if TYPE_CHECKING:
    from gaugellm.backend.args import BackendArgs
    from gaugellm.backend.base import Backend
    from gaugellm.backend.schemas import (
        ErrorKind,
        GenerationRequest,
        GenerationResponse,
        ResponseError,
        TokenCountSource,
    )
    from gaugellm.collector import Collector, CollectorArgs, CollectorContext
    from gaugellm.errors import (
        BackendArgsError,
        BackendError,
        BackendLoadError,
        BackendUnavailableError,
        DataError,
        DisabledBackendError,
        DuplicateBackendError,
        GaugeError,
        IncompatibleBackendError,
        RunConfigError,
        UnknownBackendError,
    )
    from gaugellm.plugin_args import PluginArgs
    from gaugellm.plugins.metadata import BackendEntry, PluginEntry
    from gaugellm.plugins.registry import (
        list_backends,
        list_plugins,
        register_backend,
        register_plugin,
        unregister_backend,
        unregister_plugin,
    )
    from gaugellm.plugins.resolve import ResolvedPlugin, create_backend, parse_args, resolve
    from gaugellm.runner.executor import Executor, ExecutorArgs, WorkerInfo

_EXPORTS = {
    "Backend": "gaugellm.backend.base",
    "BackendArgs": "gaugellm.backend.args",
    "ErrorKind": "gaugellm.backend.schemas",
    "GenerationRequest": "gaugellm.backend.schemas",
    "GenerationResponse": "gaugellm.backend.schemas",
    "ResponseError": "gaugellm.backend.schemas",
    "TokenCountSource": "gaugellm.backend.schemas",
    "BackendArgsError": "gaugellm.errors",
    "BackendError": "gaugellm.errors",
    "BackendLoadError": "gaugellm.errors",
    "BackendUnavailableError": "gaugellm.errors",
    "DataError": "gaugellm.errors",
    "DisabledBackendError": "gaugellm.errors",
    "RunConfigError": "gaugellm.errors",
    "DuplicateBackendError": "gaugellm.errors",
    "GaugeError": "gaugellm.errors",
    "IncompatibleBackendError": "gaugellm.errors",
    "UnknownBackendError": "gaugellm.errors",
    "BackendEntry": "gaugellm.plugins.metadata",
    "PluginEntry": "gaugellm.plugins.metadata",
    "list_backends": "gaugellm.plugins.registry",
    "list_plugins": "gaugellm.plugins.registry",
    "register_backend": "gaugellm.plugins.registry",
    "register_plugin": "gaugellm.plugins.registry",
    "unregister_backend": "gaugellm.plugins.registry",
    "unregister_plugin": "gaugellm.plugins.registry",
    "PluginArgs": "gaugellm.plugin_args",
    "ResolvedPlugin": "gaugellm.plugins.resolve",
    "create_backend": "gaugellm.plugins.resolve",
    "parse_args": "gaugellm.plugins.resolve",
    "resolve": "gaugellm.plugins.resolve",
    "Collector": "gaugellm.collector",
    "CollectorArgs": "gaugellm.collector",
    "CollectorContext": "gaugellm.collector",
    "Executor": "gaugellm.runner.executor",
    "ExecutorArgs": "gaugellm.runner.executor",
    "WorkerInfo": "gaugellm.runner.executor",
}

__all__ = [
    "__version__",
    "Backend",
    "BackendArgs",
    "ErrorKind",
    "GenerationRequest",
    "GenerationResponse",
    "ResponseError",
    "TokenCountSource",
    "BackendArgsError",
    "BackendError",
    "BackendLoadError",
    "BackendUnavailableError",
    "DataError",
    "DisabledBackendError",
    "RunConfigError",
    "DuplicateBackendError",
    "GaugeError",
    "IncompatibleBackendError",
    "UnknownBackendError",
    "BackendEntry",
    "PluginEntry",
    "list_backends",
    "list_plugins",
    "register_backend",
    "register_plugin",
    "unregister_backend",
    "unregister_plugin",
    "PluginArgs",
    "ResolvedPlugin",
    "create_backend",
    "parse_args",
    "resolve",
    "Collector",
    "CollectorArgs",
    "CollectorContext",
    "Executor",
    "ExecutorArgs",
    "WorkerInfo",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
