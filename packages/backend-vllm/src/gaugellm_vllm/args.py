"""Arguments of the ``vllm`` backend. This module imports no vLLM."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gaugellm import BackendArgs


class VLLMBackendArgs(BackendArgs):
    """A vLLM engine run inside the worker process."""

    type: Literal["vllm"] = "vllm"
    model: str = Field(description="Local model folder or model name.")
    vllm_config: dict[str, Any] = Field(default_factory=dict, description="Extra engine arguments (AsyncEngineArgs).")
