"""Turn a :class:`~gaugellm.GenerationRequest` into what the engine takes as a prompt.

The result is a prompt dict the engine tokenizes itself (off the event loop, in its own thread pool) plus the
tokenization options, so that a chat prompt is tokenized exactly as vLLM's own OpenAI server does it: the chat
template already holds the special tokens it wants, so none are added on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gaugellm import GenerationRequest
from gaugellm_vllm.args import RequestFormat

__all__ = ["EnginePrompt", "NoChatTemplateError", "flatten_messages", "render_prompt"]


class NoChatTemplateError(ValueError):
    """The request needs the model's chat template, and the model's tokenizer has none."""


@dataclass(frozen=True, slots=True)
class EnginePrompt:
    """A text prompt for ``AsyncLLM.generate`` and the tokenization options that go with it."""

    prompt: dict[str, Any]
    tokenization_kwargs: dict[str, Any] | None
    used_chat_template: bool


def _content_text(content: Any) -> str:
    """Message content as text: a string, or the text parts of OpenAI-style content lists."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def flatten_messages(messages: list[dict[str, Any]]) -> str:
    """Chat messages as plain ``role: content`` lines ending with an assistant cue, for models without a template."""
    lines = [f"{message.get('role', 'user')}: {_content_text(message.get('content'))}" for message in messages]
    return "\n".join([*lines, "assistant:"])


def _chat_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**message, "content": _content_text(message.get("content"))} for message in messages]


def render_prompt(request: GenerationRequest, request_format: RequestFormat, tokenizer: Any) -> EnginePrompt:
    """Build the engine prompt for ``request``; raises :class:`NoChatTemplateError` when a template is needed but
    missing."""
    wants_template = request_format == "chat_template" or (request_format == "auto" and request.is_chat)
    if not wants_template:
        text = flatten_messages(request.messages) if request.messages is not None else (request.prompt or "")
        return EnginePrompt({"prompt": text}, None, used_chat_template=False)

    if tokenizer is None or not getattr(tokenizer, "chat_template", None):
        raise NoChatTemplateError(
            "the model's tokenizer has no chat template; set request_format to 'plain' to send chat messages as text"
        )
    messages = request.messages if request.messages is not None else [{"role": "user", "content": request.prompt}]
    text = tokenizer.apply_chat_template(_chat_messages(messages), tokenize=False, add_generation_prompt=True)
    return EnginePrompt({"prompt": text}, {"add_special_tokens": False}, used_chat_template=True)
