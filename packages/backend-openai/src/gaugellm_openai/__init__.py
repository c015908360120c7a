"""gaugellm backend for OpenAI-compatible HTTP servers, and a simulated server to measure it against.

``gaugellm_openai.args`` (cheap: pydantic only) and ``gaugellm_openai.backend`` are what the plugin entry points name;
the simulated server lives in :mod:`gaugellm_openai.mock`. Importing this package imports neither httpx nor the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "1.0.0"

if TYPE_CHECKING:
    from gaugellm_openai.args import OpenAIHTTPBackendArgs
    from gaugellm_openai.backend import OpenAIHTTPBackend

__all__ = ["OpenAIHTTPBackend", "OpenAIHTTPBackendArgs", "__version__"]


def __getattr__(name: str) -> Any:
    # lazy (PEP 562): `import gaugellm_openai` for its version must not import pydantic
    if name == "OpenAIHTTPBackendArgs":
        from gaugellm_openai.args import OpenAIHTTPBackendArgs

        return OpenAIHTTPBackendArgs
    if name == "OpenAIHTTPBackend":
        from gaugellm_openai.backend import OpenAIHTTPBackend

        return OpenAIHTTPBackend
    raise AttributeError(f"module 'gaugellm_openai' has no attribute {name!r}")
