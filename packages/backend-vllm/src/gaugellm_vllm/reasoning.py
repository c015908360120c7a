"""Split an in-process engine's output into reasoning and answer with one of vLLM's own reasoning parsers.

vLLM applies reasoning parsers in its OpenAI server, not in the engine: ``AsyncLLM`` hands back raw text and token
ids. To record the split that ``openai_http`` records against ``vllm serve --reasoning-parser NAME``, the backend
builds the parser class that server builds (``ParserManager.get_parser``) and feeds it each output delta the way the
server does (``Parser.parse_delta``, with the prompt's token ids, so that a chat template that opens the reasoning
is understood). The parsing is vLLM's; only the bookkeeping is ours:

- every generated token is still recorded when its output arrives, labelled reasoning or answer, so chunk token
  counts stay exact and sum to the engine's output count;
- tokens the parser shows no text for (the ``<think>`` / ``</think>`` markers, text it holds back) keep the label of
  the part they belong to: reasoning until the first answer text, answer after it;
- a delta with both parts (several tokens at once, or ``stream: false``) becomes two pieces, its tokens divided with
  the reasoning parser's ``extract_content_ids``, as vLLM's parser divides the delta where reasoning ends.

vLLM is imported only by the two loaders below, in the worker at start-up.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, NamedTuple

from gaugellm.errors import BackendArgsError, BackendUnavailableError

__all__ = [
    "ReasoningParserSetup",
    "ReasoningPiece",
    "ReasoningSplit",
    "check_reasoning_parser_name",
    "load_reasoning_parser",
]


class ReasoningPiece(NamedTuple):
    """A part of one engine output: its text, how many generated tokens it stands for, and which part it is."""

    text: str
    tokens: int
    reasoning: bool


@dataclass(frozen=True)
class ReasoningParserSetup:
    """What every request's parser is made from; built once per engine by :func:`load_reasoning_parser`."""

    name: str
    parser_cls: Any  # vllm.parser.abstract_parser.Parser subclass
    tokenizer: Any
    model_config: Any
    # The parsers read request options (``include_reasoning``) from an OpenAI request object: one neutral request,
    # with vLLM's defaults, stands for all of ours (no tools, reasoning included).
    options: Any


def check_reasoning_parser_name(name: str, version: str) -> None:
    """Raise :class:`BackendArgsError` unless ``name`` is one of the installed vLLM's reasoning parsers.

    Checked before the engine starts (it needs only vLLM's registry), so that a misspelt name costs a second rather
    than a model load; the message names the close matches and every known parser.
    """
    from vllm.reasoning import ReasoningParserManager

    known = ReasoningParserManager.list_registered()
    if name in known:
        return
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(item) for item in close)}?)" if close else ""
    raise BackendArgsError(
        f"reasoning_parser {name!r} is not a reasoning parser of vLLM {version}{hint}; "
        f"known parsers: {', '.join(known)}"
    )


def load_reasoning_parser(name: str, engine: Any, model: str) -> ReasoningParserSetup:
    """Build the parser class vLLM's server would build for ``name`` and check it against the engine's tokenizer.

    A parser the model's tokenizer cannot serve (its markers are not tokens of the vocabulary) is a
    :class:`BackendUnavailableError`, as vLLM's server refuses to start with it.
    """
    from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest
    from vllm.parser.parser_manager import ParserManager

    try:
        tokenizer = engine.get_tokenizer()
    except Exception as exc:
        raise BackendUnavailableError(
            f"reasoning_parser {name!r} needs the model's tokenizer, and the engine has none: {exc}"
        ) from exc
    model_config = getattr(engine, "model_config", None)
    model_type = getattr(getattr(model_config, "hf_config", None), "model_type", None)
    try:
        parser_cls = ParserManager.get_parser(
            reasoning_parser_name=name,
            model_name=model,
            is_harmony=model_type == "gpt_oss",  # what vLLM's server decides from the same config
            tokenizer=tokenizer,
        )
    except Exception as exc:
        raise BackendUnavailableError(
            f"reasoning_parser {name!r} cannot be used with model {model!r}: {type(exc).__name__}: {exc}"
        ) from exc
    options = ChatCompletionRequest(model=model, messages=[])
    return ReasoningParserSetup(name, parser_cls, tokenizer, model_config, options)


class ReasoningSplit:
    """One request's reasoning parser: turns each engine output into labelled pieces (see the module docstring)."""

    __slots__ = ("_content_ids", "_in_reasoning", "_options", "_parser")

    def __init__(self, setup: ReasoningParserSetup) -> None:
        self._parser = setup.parser_cls(setup.tokenizer, None, model_config=setup.model_config)
        self._options = setup.options
        reasoning_parser = self._parser.reasoning_parser
        self._content_ids = None if reasoning_parser is None else reasoning_parser.extract_content_ids
        self._in_reasoning: bool | None = None  # decided from the prompt, with the first output

    def split(
        self, text: str, token_ids: list[int], prompt_token_ids: list[int] | None, finished: bool
    ) -> list[ReasoningPiece]:
        """Parse one output delta (``text`` and its new ``token_ids``) into pieces; the last call has ``finished``."""
        if self._in_reasoning is None:
            # A prompt that already ends the reasoning (a template that closes it) starts in the answer.
            self._in_reasoning = not (prompt_token_ids and self._parser.is_reasoning_end(list(prompt_token_ids)))
        delta = self._parser.parse_delta(text, token_ids, self._options, prompt_token_ids, finished=finished)
        tokens = len(token_ids)
        reasoning = delta.reasoning if delta is not None else None
        content = delta.content if delta is not None else None
        if reasoning and content:
            answer_tokens = min(len(self._content_ids(token_ids)), tokens) if self._content_ids else tokens
            self._in_reasoning = False
            return [
                ReasoningPiece(reasoning, tokens - answer_tokens, True),
                ReasoningPiece(content, answer_tokens, False),
            ]
        if reasoning:
            return [ReasoningPiece(reasoning, tokens, True)]
        if content is not None and (content or not self._in_reasoning):
            self._in_reasoning = False
            return [ReasoningPiece(content, tokens, False)]
        # No text for these tokens: markers, or text the parser holds back. They belong to the current part.
        return [ReasoningPiece("", tokens, self._in_reasoning)] if tokens else []
