"""Classes named by import path (``module:QualName``): how a class crosses to another process without discovery.

Neutral ground for the plugin layer (which records the path once it resolved a plugin) and the worker side of the
executor contract (which imports it): neither depends on the other for it.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["import_path", "resolve_path"]


def import_path(cls: type[Any]) -> str:
    """``module:QualName``, the form :func:`resolve_path` imports."""
    return f"{cls.__module__}:{cls.__qualname__}"


def resolve_path(path: str) -> Any:
    """Import ``module:QualName`` and return the object."""
    module_name, _, qualname = path.partition(":")
    value: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value
