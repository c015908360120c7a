"""The :class:`BackendSpec` of a backend's args, resolved once in the runner's process.

Kept apart from :mod:`gaugellm.runner.executor.spec` (which workers import) because it asks the registry: the
worker side of the executor never does.
"""

from __future__ import annotations

from gaugellm.backend.args import BackendArgs
from gaugellm.runner.executor.spec import BackendSpec, create_backend

__all__ = ["BackendSpec", "backend_spec", "create_backend"]


def backend_spec(args: BackendArgs) -> BackendSpec:
    """The spec for ``args``; raises a ``GaugeError`` if the backend cannot be used or rebuilt in a worker."""
    from gaugellm.plugins.resolve import resolve

    resolved = resolve(args.type, kind="backend")
    resolved.check_importable()
    return BackendSpec(args=args, backend_class=resolved.impl_path)
