"""gaugellm backend that runs a vLLM engine in-process.

Names are re-exported lazily (PEP 562): importing the args for validation or listing must not import the backend
module's dependencies, and nothing here ever imports vLLM itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "1.0.0"

if TYPE_CHECKING:
    from gaugellm_vllm.args import VLLMBackendArgs
    from gaugellm_vllm.backend import VLLMBackend

_EXPORTS = {
    "VLLMBackendArgs": "gaugellm_vllm.args",
    "VLLMBackend": "gaugellm_vllm.backend",
}

__all__ = ["__version__", "VLLMBackendArgs", "VLLMBackend"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gaugellm_vllm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
