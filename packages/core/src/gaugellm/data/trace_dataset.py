"""The requests of a trace: prompts of the recorded lengths, sharing text where the trace says they shared a prefix.

Mooncake-style traces give each request the ids of the blocks (of ``block_tokens`` tokens) its prompt is made of;
two requests that share a block id share that block of prompt text. Block ``h``'s text is drawn from a random stream
seeded by ``h`` alone, so every request that names ``h`` at the same position starts that part of its prompt with the
same words, and a server's prefix cache sees the reuse the trace recorded. A prompt longer than its blocks is filled
with words of its own; one shorter ends inside its last block, cut from that block's text.
"""

from __future__ import annotations

from typing import Any

from gaugellm.backend.schemas import GenerationRequest
from gaugellm.data.dataset import Dataset
from gaugellm.data.fitting import fit_text
from gaugellm.data.rng import RequestRandom
from gaugellm.data.text import WordStream
from gaugellm.data.tokens import CHARS_PER_TOKEN, TokenCounter, TokenizerCounter
from gaugellm.data.trace import Trace, TraceRecord

__all__ = ["DEFAULT_BLOCK_TOKENS", "TraceDataset"]

#: Tokens per hash-id block: the block size of the Mooncake traces.
DEFAULT_BLOCK_TOKENS = 512
#: Block texts kept in memory: traces reuse a few blocks often (a system prompt) and most others rarely.
_BLOCK_CACHE = 4096


class TraceDataset(Dataset):
    """Request ``i`` is the ``i``-th record of the trace window, as a prompt of its length and its output cap."""

    def __init__(
        self,
        trace: Trace,
        records: list[TraceRecord],
        counter: TokenCounter,
        *,
        seed: int,
        chat: bool,
        block_tokens: int = DEFAULT_BLOCK_TOKENS,
    ) -> None:
        super().__init__(counter)
        self.trace = trace
        self.records = records
        self.seed = seed
        self.chat = chat
        self.block_tokens = block_tokens
        self._blocks: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.records)

    def _fit(self, head: str, words: WordStream, target: int) -> str:
        return fit_text(self.token_counter, head, words, target)

    def _block(self, block_id: int) -> str:
        block = self._blocks.get(block_id)
        if block is None:
            if len(self._blocks) >= _BLOCK_CACHE:
                self._blocks.clear()  # rebuilt from their ids when needed again
            block = self._fit("", WordStream(RequestRandom(self.seed, block_id, "trace-block")), self.block_tokens)
            self._blocks[block_id] = block
        return block

    def prompt(self, index: int) -> str:
        """The prompt text of request ``index`` (see the module's docstring)."""
        record = self.records[index]
        whole = min(len(record.hash_ids), record.prompt_tokens // self.block_tokens)
        head = "".join(self._block(block_id) for block_id in record.hash_ids[:whole])
        if whole < len(record.hash_ids):  # it ends inside this block: cut the block's own text
            return self._cut(head + self._block(record.hash_ids[whole]), record.prompt_tokens)
        if whole * self.block_tokens == record.prompt_tokens:
            return head
        return self._fit(head, WordStream(RequestRandom(self.seed, index, "trace-fill")), record.prompt_tokens)

    def _cut(self, text: str, tokens: int) -> str:
        """The first ``tokens`` tokens of ``text``."""
        counter = self.token_counter
        if isinstance(counter, TokenizerCounter):
            ends = counter.token_ends(text)
            return text[: ends[tokens - 1]] if len(ends) >= tokens else text
        return text[: tokens * CHARS_PER_TOKEN]

    def request(self, index: int) -> GenerationRequest:
        self._check_index(index)
        record = self.records[index]
        text = self.prompt(index)
        request_id = f"trace-{index}"
        if self.chat:
            return GenerationRequest(
                request_id=request_id,
                messages=[{"role": "user", "content": text}],
                max_tokens=record.output_tokens,
                prompt_tokens=record.prompt_tokens,
            )
        return GenerationRequest(
            request_id=request_id, prompt=text, max_tokens=record.output_tokens, prompt_tokens=record.prompt_tokens
        )

    @property
    def description(self) -> dict[str, Any]:
        trace = self.trace
        return {
            "kind": "trace",
            "trace": trace.path,
            "format": trace.format,
            "requests": len(self.records),
            "skipped": trace.skipped,
            "reordered": trace.reordered,
            "block_tokens": self.block_tokens,
            "seed": self.seed,
            "chat": self.chat,
            **self.token_counter.describe(),
        }
