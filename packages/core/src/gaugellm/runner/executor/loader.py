"""How a worker builds its backend from args, for installed plugins and in-process registrations alike.

An installed plugin is found again in the worker through its entry points: ``Backend.create(args)``. A backend
registered with :func:`gaugellm.register_backend` exists only in the process that registered it, and registrations
do not survive ``spawn``; so the runner ships the *import paths* of its two classes and the worker registers them again
before creating the backend. That needs both classes to live at the top level of an importable module (not in
``__main__`` of a notebook), which :func:`backend_spec` checks up front with a readable error.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from gaugellm.backend.args import BackendArgs
from gaugellm.backend.base import Backend
from gaugellm.errors import RunConfigError

__all__ = ["BackendSpec", "backend_spec", "create_backend"]


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """Everything a worker needs to build the backend: the args, and the class paths of an in-process registration."""

    args: BackendArgs
    registered_args_class: str | None = None
    registered_backend_class: str | None = None


def _import_path(cls: type[Any]) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _resolve(path: str) -> Any:
    module_name, _, qualname = path.partition(":")
    value: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value


def backend_spec(args: BackendArgs) -> BackendSpec:
    """The spec for ``args``; raises :class:`RunConfigError` if a registered backend cannot be rebuilt in a worker."""
    from gaugellm.plugins.registry import REGISTERED_DISTRIBUTION, get_entry, load_backend_class

    entry = get_entry(args.type)
    if entry.distribution != REGISTERED_DISTRIBUTION:
        return BackendSpec(args=args)
    backend_cls = load_backend_class(args.type)
    paths = []
    for cls in (type(args), backend_cls):
        path = _import_path(cls)
        if cls.__module__ in ("__main__", "__mp_main__") or "<locals>" in cls.__qualname__:
            raise RunConfigError(
                f"backend {args.type!r} is registered from {path}, which worker processes cannot import; "
                "define its classes at the top level of an importable module"
            )
        paths.append(path)
    return BackendSpec(args=args, registered_args_class=paths[0], registered_backend_class=paths[1])


def create_backend(spec: BackendSpec) -> Backend[Any]:
    """Build the backend in a worker (after registering it again if it was registered in process)."""
    if spec.registered_backend_class is not None and spec.registered_args_class is not None:
        from gaugellm.plugins.registry import register_backend

        register_backend(
            spec.args.type,
            _resolve(spec.registered_args_class),
            _resolve(spec.registered_backend_class),
            replace=True,
        )
    return Backend.create(spec.args)
