"""A vLLM logits processor that makes the engine emit chosen tokens at chosen output positions, for tests.

A randomly initialised model never closes its reasoning with ``</think>``. Rather than fake the engine's output, the
tests constrain its sampling: a request whose ``SamplingParams.extra_args`` holds ``{"scripted_tokens": {"4": ID}}``
gets token ``ID`` as its fifth output token (every other logit is -inf at that step), and never gets a scripted token
anywhere else (so the random weights cannot put a marker where the test does not expect it). All other tokens are
sampled by the engine as usual. Requests without the key are left alone.

The engine loads it by name in its own processes: start it with ``logits_processors:
["scripted_tokens:ScriptedTokens"]`` in ``vllm_config`` (this folder is on ``sys.path`` in the tests, and the
engine's processes inherit it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from vllm import SamplingParams
from vllm.v1.sample.logits_processor import AdapterLogitsProcessor

__all__ = ["FQCN", "SCRIPT_KEY", "ScriptedTokens"]

FQCN = "scripted_tokens:ScriptedTokens"
SCRIPT_KEY = "scripted_tokens"


def _script(params: SamplingParams) -> dict[int, int] | None:
    script = (params.extra_args or {}).get(SCRIPT_KEY)
    if not script:
        return None
    return {int(position): int(token) for position, token in script.items()}


class ScriptedTokens(AdapterLogitsProcessor):
    """Per request: the scripted token at its position, scripted tokens nowhere else."""

    @classmethod
    def validate_params(cls, sampling_params: SamplingParams) -> None:
        script = (sampling_params.extra_args or {}).get(SCRIPT_KEY)
        if script is not None and not isinstance(script, dict):
            raise ValueError(f"extra_args[{SCRIPT_KEY!r}] must map output positions to token ids")

    def is_argmax_invariant(self) -> bool:
        return False  # it changes what greedy sampling picks

    def new_req_logits_processor(self, params: SamplingParams) -> Callable[[list[int], torch.Tensor], Any] | None:
        script = _script(params)
        if script is None:
            return None
        scripted = sorted(set(script.values()))

        def force(output_ids: list[int], logits: torch.Tensor) -> torch.Tensor:
            token = script.get(len(output_ids))
            if token is None:
                logits[scripted] = float("-inf")
            else:
                logits.fill_(float("-inf"))
                logits[token] = 0.0
            return logits

        return force
