"""Synthetic requests: prompts of target token counts, generated on demand from (seed, index)."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Any

from gaugellm.backend.schemas import GenerationRequest
from gaugellm.data.dataset import Dataset
from gaugellm.data.fitting import fit_text
from gaugellm.data.images import synthetic_images
from gaugellm.data.rng import RequestRandom
from gaugellm.data.spec import SyntheticSpec
from gaugellm.data.text import WordStream
from gaugellm.data.tokens import TokenCounter

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


#: Group prefixes kept in memory (each is built from its seed again when evicted).
_PREFIX_CACHE = 1024


class SyntheticDataset(Dataset):
    """Requests whose prompt and output lengths follow the spec's distributions.

    Request ``i`` draws its lengths and then its words from a random stream seeded by (seed, i) alone, so any request
    can be built at any time, in any order, in any process, and always comes out the same. Different indices give
    different prompts from the first word on, which keeps a server's prefix cache from serving them; a shared prefix
    is added only when the spec asks for one (``prefix_tokens``). With ``prefix_groups`` G, each request starts with
    the prefix of one of G groups, drawn uniformly or (``prefix_skew`` s > 0) with Zipf weights ``1 / (g + 1) ** s``,
    so that the share of prompt tokens a prefix cache can reuse is set by G, s and the prefix's length.
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
        self._tools = synthetic_tools(spec.tools)
        self._prefixes: dict[int, str] = {}
        weights = [1 / (group + 1) ** spec.prefix_skew for group in range(spec.prefix_groups)]
        total = sum(weights)
        self._cumulative = list(accumulate(weight / total for weight in weights))

    def _prefix_of(self, group: int) -> str:
        prefix = self._prefixes.get(group)
        if prefix is None:
            if len(self._prefixes) >= _PREFIX_CACHE:
                self._prefixes.clear()  # rebuilt from their seeds when needed again
            # Group 0 keeps the stream the single shared prefix always had, so older specs give the same prompts.
            prefix = self._fit("", WordStream(RequestRandom(self.seed, group, "prefix")), self.spec.prefix_tokens)
            self._prefixes[group] = prefix
        return prefix

    @property
    def prefix(self) -> str:
        """The text every prompt of group 0 starts with (empty unless ``prefix_tokens`` was given)."""
        return self._prefix_of(0)

    def group(self, index: int) -> int:
        """Which prefix group request ``index`` belongs to (0 when there is one group)."""
        if len(self._cumulative) == 1:
            return 0
        draw = RequestRandom(self.seed, index, "group").uniform()
        return min(bisect_right(self._cumulative, draw), len(self._cumulative) - 1)

    def __len__(self) -> int:
        return self.spec.samples

    def request(self, index: int) -> GenerationRequest:
        self._check_index(index)
        rnd = RequestRandom(self.seed, index)
        # Lengths are drawn before any words, so a prompt's length never depends on the text drawn for it.
        prompt_tokens = self.spec.prompt_tokens.sample(rnd)
        output_tokens = self.spec.output_tokens.sample(rnd)
        text = self._fit(self._prefix_of(self.group(index)), WordStream(rnd), prompt_tokens)
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
        return fit_text(self.token_counter, head, words, target)

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
            "prefix_groups": spec.prefix_groups,
            "prefix_skew": spec.prefix_skew,
            **self.token_counter.describe(),
        }
