"""What the runner sees of data: a numbered set of requests, built on demand.

The runner asks for ``request(index % len(dataset))`` as it sends; nothing forces a data set to hold all its requests
in memory, so synthetic data builds each one from (seed, index) when asked, and a file is read once and kept as
compact records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gaugellm.data.tokens import TokenCounter, TokenCounting

if TYPE_CHECKING:
    from gaugellm.backend.schemas import GenerationRequest

__all__ = ["Dataset"]


class Dataset(ABC):
    """A finite, indexable source of :class:`~gaugellm.GenerationRequest`.

    ``request(i)`` returns an equal request every time it is called with the same ``i``, in any process, and a new
    object each time (the caller may change it).
    """

    def __init__(self, counter: TokenCounter) -> None:
        self.token_counter = counter

    @property
    def token_counting(self) -> TokenCounting:
        """How prompt and output token targets were counted: ``"tokenizer"`` or ``"estimate"`` (for the report)."""
        return self.token_counter.source

    @property
    @abstractmethod
    def description(self) -> dict[str, Any]:
        """What the data is, JSON-safe, for the report's config."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of distinct requests."""

    @abstractmethod
    def request(self, index: int) -> GenerationRequest:
        """The request at ``index`` (0 <= index < len(self)); IndexError outside that range."""

    def __iter__(self) -> Iterator[GenerationRequest]:
        for index in range(len(self)):
            yield self.request(index)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self):
            raise IndexError(f"request index {index} out of range for a data set of {len(self)} requests")
