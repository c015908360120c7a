"""Data for a run: synthetic prompts of target token counts, or requests read from a file.

``load_dataset(spec, tokenizer=..., seed=...)`` is the entry point (docs/data.md has the ``--data`` syntax). Importing
this package is cheap: the ``tokenizers`` package is imported only when a tokenizer is asked for, and the request
record (with pydantic behind it) only when a data set is built.
"""

from __future__ import annotations

from gaugellm.data.dataset import Dataset
from gaugellm.data.loader import load_dataset
from gaugellm.data.spec import DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS, DEFAULT_SAMPLES, parse_spec
from gaugellm.data.tokens import (
    CHARS_PER_TOKEN,
    EstimateCounter,
    TokenCounter,
    TokenCounting,
    TokenizerCounter,
    estimate_tokens,
    load_token_counter,
)

__all__ = [
    "Dataset",
    "load_dataset",
    "parse_spec",
    "TokenCounter",
    "TokenCounting",
    "EstimateCounter",
    "TokenizerCounter",
    "estimate_tokens",
    "load_token_counter",
    "CHARS_PER_TOKEN",
    "DEFAULT_PROMPT_TOKENS",
    "DEFAULT_OUTPUT_TOKENS",
    "DEFAULT_SAMPLES",
]
