"""Arguments of the ``vllm`` backend.

This module imports no vLLM: args are validated, listed and shipped to workers by processes that may not have vLLM
installed at all (``gaugellm backends show vllm`` must work on a laptop without a GPU). What only the installed vLLM
can judge (the keys of ``vllm_config``) is checked in the worker at start-up, by :mod:`gaugellm_vllm.engine`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from gaugellm import BackendArgs

__all__ = ["RequestFormat", "VLLMBackendArgs"]

#: How a request becomes the engine's prompt. ``auto``: chat messages go through the model's chat template, a plain
#: prompt goes in as it is. ``plain``: never use a template (chat messages are flattened to ``role: content`` lines),
#: for base models without one. ``chat_template``: always use the template (a plain prompt becomes one user message).
RequestFormat = Literal["auto", "plain", "chat_template"]

# Keys of vllm_config that would contradict a field of these args: one setting, one place.
_OWNED_KEYS = {"model": "model"}

# Engine arguments that are credentials: kept as SecretStr, so every dump, repr and report masks them.
SECRET_ENGINE_KEYS = frozenset({"hf_token"})


class VLLMBackendArgs(BackendArgs):
    """A vLLM engine (``AsyncLLM``) run inside the worker process, on the machine's GPU or CPU."""

    type: Literal["vllm"] = Field(default="vllm", description="The backend's name: always 'vllm'.")
    model: str = Field(
        description="Model to load: a local folder (config, weights, tokenizer) or a model name vLLM can resolve.",
    )
    vllm_config: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Extra engine arguments, handed to vLLM's AsyncEngineArgs as keywords (e.g. "
            '{"max_model_len": 4096, "dtype": "bfloat16", "enforce_eager": true}). Keys are checked against the '
            "installed vLLM at start-up. 'hf_token' is kept secret (masked in every dump)."
        ),
    )
    request_format: RequestFormat = Field(
        default="auto",
        description=(
            "How requests become prompts: 'auto' (chat messages through the model's chat template, plain prompts "
            "as they are), 'plain' (no template ever) or 'chat_template' (always the template)."
        ),
    )
    task: Literal["generate", "embed"] = Field(
        default="generate",
        description=(
            "What each request asks of the engine: 'generate' text, or 'embed' its prompt (a pooling model: start "
            'the engine with vllm_config {"runner": "pooling", "convert": "embed"} for a generative '
            "architecture). Embeddings stream nothing: no time to first token, no inter-token latency."
        ),
    )
    temperature: float = Field(
        default=1.0,
        ge=0.0,
        description="Sampling temperature (0 is greedy). A request's params may override it.",
    )
    ignore_eos: bool = Field(
        default=False,
        description=(
            "Keep generating past the end-of-sequence token, so that every request produces exactly its max_tokens "
            "(what a benchmark with fixed output lengths wants)."
        ),
    )
    max_tokens: int = Field(
        default=256,
        ge=1,
        description="Output budget for requests that do not set their own max_tokens.",
    )
    seed: int | None = Field(
        default=None,
        description="Sampling seed for reproducible outputs; None lets vLLM pick one per request.",
    )
    stream: bool = Field(
        default=True,
        description=(
            "Record tokens as the engine produces them (true), or only the whole output when the request ends "
            "(false: one chunk, no inter-token latency)."
        ),
    )

    reasoning_parser: str | None = Field(
        default=None,
        description=(
            "Name of a vLLM reasoning parser (what `vllm serve --reasoning-parser` takes, e.g. 'deepseek_r1', "
            "'qwen3'): each output is split into reasoning and answer as vLLM's server splits it, so that time to "
            "first reasoning token, time to first answer token and reasoning tokens are recorded. Checked against "
            "the installed vLLM at start-up. None: no split, every token is answer."
        ),
    )

    @field_validator("reasoning_parser")
    @classmethod
    def _parser_name_shape(cls, value: str | None) -> str | None:
        # Only the shape is checked here (no vLLM in this module); the name itself is checked at start-up.
        if value is not None and (not value or value != value.strip() or any(c.isspace() for c in value)):
            raise ValueError(f"reasoning_parser must be a parser name such as 'deepseek_r1', got {value!r}")
        return value

    @model_validator(mode="after")
    def _reasoning_needs_generation(self) -> VLLMBackendArgs:
        if self.reasoning_parser is not None and self.task != "generate":
            raise ValueError("reasoning_parser applies to task 'generate' only (an embedding has no reasoning)")
        return self

    @field_validator("vllm_config")
    @classmethod
    def _no_duplicated_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        clashes = sorted(key for key in value if key in _OWNED_KEYS)
        if clashes:
            fields = ", ".join(f"{key!r} (use the field {_OWNED_KEYS[key]!r})" for key in clashes)
            raise ValueError(f"vllm_config must not set {fields}")
        return {
            key: SecretStr(item) if key in SECRET_ENGINE_KEYS and isinstance(item, str) else item
            for key, item in value.items()
        }

    def engine_kwargs(self) -> dict[str, Any]:
        """``vllm_config`` with secrets in clear, for ``AsyncEngineArgs`` only (never log it)."""
        return {
            key: item.get_secret_value() if isinstance(item, SecretStr) else item
            for key, item in self.vllm_config.items()
        }
