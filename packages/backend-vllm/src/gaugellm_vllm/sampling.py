"""Sampling settings of one request: the backend's defaults, overridden by the request.

Kept as plain keyword dicts (no vLLM import) so the merge rules are testable anywhere; the backend hands the result
to ``vllm.SamplingParams``, which rejects unknown keys itself.
"""

from __future__ import annotations

from typing import Any

from gaugellm import GenerationRequest
from gaugellm_vllm.args import VLLMBackendArgs

__all__ = ["RESERVED_PARAMS", "sampling_kwargs"]

#: Settings the backend owns: streaming is what it measures, and one request is one completion.
RESERVED_PARAMS = frozenset({"output_kind", "n"})


def sampling_kwargs(args: VLLMBackendArgs, request: GenerationRequest) -> dict[str, Any]:
    """Keyword arguments for ``SamplingParams``: args' defaults < ``request.params`` < ``request.max_tokens``.

    Raises ``ValueError`` for a request param the backend reserves for itself.
    """
    reserved = sorted(RESERVED_PARAMS.intersection(request.params))
    if reserved:
        raise ValueError(f"request params may not set {', '.join(reserved)} (the vllm backend sets them)")
    kwargs: dict[str, Any] = {
        "temperature": args.temperature,
        "ignore_eos": args.ignore_eos,
        "max_tokens": args.max_tokens,
    }
    if args.seed is not None:
        kwargs["seed"] = args.seed
    kwargs.update(request.params)
    if request.max_tokens is not None:
        kwargs["max_tokens"] = request.max_tokens
    return kwargs
