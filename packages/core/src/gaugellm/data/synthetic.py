"""Synthetic requests: prompts of target token counts, generated on demand from (seed, index)."""

from __future__ import annotations

from typing import Any

from gaugellm.backend.schemas import GenerationRequest
from gaugellm.data.dataset import Dataset
from gaugellm.data.fitting import fit_estimate, fit_tokenizer
from gaugellm.data.images import synthetic_images
from gaugellm.data.rng import RequestRandom
from gaugellm.data.spec import SyntheticSpec
from gaugellm.data.text import WordStream
from gaugellm.data.tokens import TokenCounter, TokenizerCounter

__all__ = ["SyntheticDataset", "synthetic_tools"]


def synthetic_tools(count: int) -> list[dict[str, Any]]:
    """``count`` function tools in the chat completions shape, the same for every request (a server caches their
    rendering in the prompt, as it would a real application's fixed tool set)."""
    return [
        {
            "type": "function",
            "function": {
                "name": f"tool_{number}",
                "description": f"Synthetic tool number {number}: looks a query up and returns what it finds.",
                "parameters": {
                    "type": "object",
                    "properties": {"query": {"type": "string", "description": "What to look up."}},
                    "required": ["query"],
                },
            },
        }
        for number in range(count)
    ]


class SyntheticDataset(Dataset):
    """Requests whose prompt and output lengths follow the spec's distributions.

    Request ``i`` draws its lengths and then its words from a random stream seeded by (seed, i) alone, so any request
    can be built at any time, in any order, in any process, and always comes out the same. Different indices give
    different prompts from the first word on, which keeps a server's prefix cache from serving them; a shared prefix
    is added only when the spec asks for one (``prefix_tokens``).
    """

    def __init__(
        self,
        spec: SyntheticSpec,
        counter: TokenCounter,
        *,
        seed: int,
        chat: bool,
        source: str | dict[str, Any] | None = None,
    ) -> None:
        super().__init__(counter)
        self.spec = spec
        self.seed = seed
        self.chat = chat or spec.images > 0  # images travel in chat messages only
        self._source = source
        self._prefix = self._fit("", WordStream(RequestRandom(seed, 0, "prefix")), spec.prefix_tokens)
        self._tools = synthetic_tools(spec.tools)

    @property
    def prefix(self) -> str:
        """The text every prompt starts with (empty unless ``prefix_tokens`` was given)."""
        return self._prefix

    def __len__(self) -> int:
        return self.spec.samples

    def request(self, index: int) -> GenerationRequest:
        self._check_index(index)
        rnd = RequestRandom(self.seed, index)
        # Lengths are drawn before any words, so a prompt's length never depends on the text drawn for it.
        prompt_tokens = self.spec.prompt_tokens.sample(rnd)
        output_tokens = self.spec.output_tokens.sample(rnd)
        text = self._fit(self._prefix, WordStream(rnd), prompt_tokens)
        request_id = f"synthetic-{index}"
        params: dict[str, Any] = {"tools": self._tools} if self._tools else {}
        if self.chat:
            content: str | list[dict[str, Any]] = text
            if self.spec.images:
                images = synthetic_images(self.seed, index, self.spec.images, self.spec.image_size)
                content = [{"type": "text", "text": text}, *images]
            return GenerationRequest(
                request_id=request_id,
                messages=[{"role": "user", "content": content}],
                max_tokens=output_tokens,
                prompt_tokens=prompt_tokens,
                params=params,
            )
        return GenerationRequest(
            request_id=request_id, prompt=text, max_tokens=output_tokens, prompt_tokens=prompt_tokens, params=params
        )

    def _fit(self, head: str, words: WordStream, target: int) -> str:
        if target <= 0:
            return ""
        if isinstance(self.token_counter, TokenizerCounter):
            return fit_tokenizer(self.token_counter, head, words, target)
        return fit_estimate(head, words, target)

    @property
    def description(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "kind": "synthetic",
            "spec": self._source,
            "samples": spec.samples,
            "seed": self.seed,
            "chat": self.chat,
            "prompt_tokens": spec.prompt_tokens.describe(),
            "output_tokens": spec.output_tokens.describe(),
            "prefix_tokens": spec.prefix_tokens,
            "tools": spec.tools,
            "images": spec.images,
            "image_size": "x".join(map(str, spec.image_size)) if spec.images else None,
            **self.token_counter.describe(),
        }
