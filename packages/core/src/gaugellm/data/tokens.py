"""Counting tokens: with the user's tokenizer when one is given, else with a documented estimate.

The two counters share one small interface so that the rest of the data code (and the runner, for output text) need
not care which one it has; ``source`` says which, and goes into the report, because an estimate is not a measurement.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Literal

from gaugellm.data.tokenizer_file import find_tokenizer_file, load_tokenizer_file
from gaugellm.errors import DataError

__all__ = [
    "CHARS_PER_TOKEN",
    "EstimateCounter",
    "TokenCounter",
    "TokenCounting",
    "TokenizerCounter",
    "estimate_tokens",
    "load_token_counter",
]

#: How prompt and output token counts were obtained.
TokenCounting = Literal["tokenizer", "estimate"]

#: The estimate's rule: one token per four characters, rounded up. It is the usual rule of thumb for English text
#: with the BPE vocabularies of current LLMs; it is wrong for code, numbers and other languages, which is why a report
#: says when it was used.
CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Estimated tokens in ``text``: ``ceil(len(text) / 4)``, so any non-empty text counts at least one."""
    return -(-len(text) // CHARS_PER_TOKEN)


class TokenCounter(ABC):
    """Counts the tokens of a text. ``source`` is what a report says about the counts."""

    source: TokenCounting

    @abstractmethod
    def count(self, text: str) -> int:
        """Tokens in ``text``, without special tokens (BOS, chat template): the content only."""

    def describe(self) -> dict[str, Any]:
        return {"token_counting": self.source}


class EstimateCounter(TokenCounter):
    """The fallback when no tokenizer is given: characters / 4."""

    source: TokenCounting = "estimate"

    def count(self, text: str) -> int:
        return estimate_tokens(text)

    def describe(self) -> dict[str, Any]:
        return {"token_counting": "estimate", "chars_per_token": CHARS_PER_TOKEN}


class TokenizerCounter(TokenCounter):
    """A Hugging Face ``tokenizers`` tokenizer loaded from a local ``tokenizer.json``.

    It pickles as its path and loads again on first use in the receiving process, so a data set that holds one can be
    shipped to worker processes.
    """

    source: TokenCounting = "tokenizer"

    def __init__(self, path: Path, given: str | None = None) -> None:
        self.path = path
        self.given = given if given is not None else str(path)
        self._tokenizer: Any = None

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer_file(self.path)
        return self._tokenizer

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def token_ends(self, text: str) -> list[int]:
        """For each token of ``text``, the character offset where it ends (what prompt fitting cuts at)."""
        return [end for _, end in self.tokenizer.encode(text, add_special_tokens=False).offsets]

    def describe(self) -> dict[str, Any]:
        return {"token_counting": "tokenizer", "tokenizer": self.given}

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "given": self.given}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path = state["path"]
        self.given = state["given"]
        self._tokenizer = None


def load_token_counter(tokenizer: str | os.PathLike[str] | None) -> TokenCounter:
    """The counter for ``--tokenizer``: a ``tokenizer.json`` file or a model folder holding one; None: the estimate.

    The tokenizer is loaded here, so that a missing file or a missing ``tokenizers`` package fails before a run starts.
    """
    if tokenizer is None:
        return EstimateCounter()
    given = os.fspath(tokenizer)
    if not given.strip():
        raise DataError("--tokenizer is empty; give a tokenizer.json file or a model folder that holds one")
    counter = TokenizerCounter(find_tokenizer_file(Path(given)), given=given)
    _ = counter.tokenizer
    return counter
