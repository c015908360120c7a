"""Lazy re-exports (PEP 562) for the core's packages.

A package's ``__init__`` re-exports its public names without importing the modules that define them, so that
importing one submodule (or ``gaugellm`` itself, for the CLI's fast commands) does not pay for its siblings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public ``name`` lives in module ``exports[name]``.

    A name is imported on first access and then stored in ``namespace`` (the package's globals), so later look-ups
    do not come back here.
    """

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*exports, *namespace.get("__all__", ())})

    return getattr_, dir_
