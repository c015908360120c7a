"""Token counts when the server reports none: a documented estimate, never presented as exact.

Most OpenAI-compatible servers report ``usage`` (the backend asks for it in streams with
``stream_options.include_usage``). When one does not, the counts are estimated and marked ``"estimate"`` in the
report:

- **output, streamed**: the number of content chunks that carried text. vLLM, SGLang, TGI, llama.cpp and OpenAI send
  one token per chunk, so this is usually exact; a server that batches several tokens per chunk makes it an
  undercount.
- **output, not streamed**, and **prompts**: one token per 4 UTF-8 characters of text, rounded up (OpenAI's rule of
  thumb for English; code and other languages have more tokens per character). For chat, 4 tokens are added per
  message for the chat template's role markers.

A prompt size the data set already knows (``GenerationRequest.prompt_tokens``, counted with a tokenizer when the
synthetic data was built) is preferred over the character estimate.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CHARS_PER_TOKEN", "TEMPLATE_TOKENS_PER_MESSAGE", "estimate_messages_tokens", "estimate_text_tokens"]

CHARS_PER_TOKEN = 4
TEMPLATE_TOKENS_PER_MESSAGE = 4


def estimate_text_tokens(text: str) -> int:
    """``ceil(len(text) / 4)``; 0 for empty text."""
    return -(-len(text) // CHARS_PER_TOKEN)


def estimate_messages_tokens(messages: list[dict[str, Any]]) -> int:
    """The text estimate over every message's content, plus the template's per-message markers."""
    total = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            total += estimate_text_tokens(content)
        elif isinstance(content, list):  # multi-part content: count the text parts
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    total += estimate_text_tokens(part["text"])
        total += TEMPLATE_TOKENS_PER_MESSAGE
    return total
