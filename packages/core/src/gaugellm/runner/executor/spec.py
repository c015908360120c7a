"""What a worker is given to build its backend: the args, and the backend class's import path.

The runner resolved the plugin once (:mod:`gaugellm.plugins.resolve`); a worker imports the class by path and builds
it from the args. No worker scans installed metadata or asks the registry, so a worker starts the same way for an
installed plugin, one registered in process, or a class that was never packaged at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gaugellm.backend.args import BackendArgs
from gaugellm.backend.base import Backend
from gaugellm.import_paths import resolve_path

__all__ = ["BackendSpec", "create_backend"]


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """Everything a worker needs to build the backend."""

    args: BackendArgs
    #: ``module:QualName`` of the backend class.
    backend_class: str


def create_backend(spec: BackendSpec) -> Backend[Any]:
    """Build the backend in a worker, importing its class by path."""
    backend_cls = resolve_path(spec.backend_class)
    if not (isinstance(backend_cls, type) and issubclass(backend_cls, Backend)):
        raise TypeError(f"{spec.backend_class} is not a gaugellm Backend")
    return backend_cls(spec.args)
