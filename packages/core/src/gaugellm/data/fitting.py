"""Cutting generated text to an exact number of tokens.

With a tokenizer, "a prompt of 256 tokens" should mean 256 tokens to that tokenizer, not roughly. Token counts do not
add up across a cut (the last word may split differently once its end is gone), so the text is cut at a token
boundary of the full encoding, counted again, and the cut moved until the count is right. That takes two or three
encodings in practice; a character-by-character search is the safety net.

Without a tokenizer the estimate is ``ceil(chars / 4)``, so a text of exactly ``4 * n`` characters is ``n`` tokens by
construction.
"""

from __future__ import annotations

from gaugellm.data.text import WordStream
from gaugellm.data.tokens import CHARS_PER_TOKEN, TokenCounter, TokenizerCounter
from gaugellm.data.words import WORDS
from gaugellm.errors import DataError

__all__ = ["fit_estimate", "fit_text", "fit_tokenizer"]

# Guess of characters per token for the first draft; too short a draft only costs another encoding.
_DRAFT_CHARS_PER_TOKEN = 5
_ADJUSTMENTS = 8
_SCAN_LIMIT = 400
_DRAFTS = 8


def fit_estimate(head: str, words: WordStream, target: int) -> str:
    """``head`` followed by words, exactly ``target * 4`` characters (``target`` estimated tokens) in all."""
    size = target * CHARS_PER_TOKEN
    if not head:
        return words.text(size)[:size]
    return (head + " " + words.text(size - len(head)))[:size]


def fit_tokenizer(counter: TokenizerCounter, head: str, words: WordStream, target: int) -> str:
    """``head`` followed by words, exactly ``target`` tokens to ``counter``'s tokenizer.

    The result always goes at least two characters past ``head``, so that prompts sharing a head still differ.
    """
    prefix = head + " " if head else ""
    floor = len(prefix) + 2 if head else 1
    for attempt in range(_DRAFTS):
        draft = words.text(target * _DRAFT_CHARS_PER_TOKEN)
        # A small vocabulary may lack capitalised words; every other retry tries the same kind of text in lowercase.
        text = prefix + (draft.lower() if attempt % 2 else draft)
        ends = counter.token_ends(text)
        while len(ends) <= target:
            text += " " + words.text(max(target, 16) * _DRAFT_CHARS_PER_TOKEN)
            ends = counter.token_ends(text)
        fitted = _adjust(counter, text, ends, floor, target)
        if fitted is None:
            fitted = _scan(counter, text, floor, target)
        if fitted is not None:
            return fitted
        # Rare, and only for a handful of tokens: the words drawn cannot make exactly that many (e.g. one token
        # when the first word is two). Other words can.
    for word in WORDS:
        if counter.count(prefix + word) == target and len(prefix + word) >= floor:
            return prefix + word
    raise DataError(f"could not build a prompt of exactly {target} tokens with tokenizer {counter.given}")


def _adjust(counter: TokenizerCounter, text: str, ends: list[int], floor: int, target: int) -> str | None:
    """Cut at the ``target``-th token boundary of the full encoding, recount, and move the cut by the difference."""
    keep = target  # tokens of the full encoding to keep
    tried: set[int] = set()
    for _ in range(_ADJUSTMENTS):
        keep = min(max(keep, 1), len(ends))
        while keep < len(ends) and ends[keep - 1] < floor:
            keep += 1
        if keep in tried:
            return None
        tried.add(keep)
        candidate = text[: ends[keep - 1]]
        got = counter.count(candidate)
        if got == target:
            return candidate
        keep += target - got
    return None


def _scan(counter: TokenizerCounter, text: str, floor: int, target: int) -> str | None:
    """Find a cut by walking one character at a time from a point with too few tokens."""
    low = floor
    high = len(text)
    # Bisect for the last cut below the target (counts grow with length, give or take a token at the edge).
    while high - low > 1:
        middle = (low + high) // 2
        if counter.count(text[:middle]) < target:
            low = middle
        else:
            high = middle
    for end in range(max(floor, low - _SCAN_LIMIT // 2), min(len(text), low + _SCAN_LIMIT) + 1):
        if counter.count(text[:end]) == target:
            return text[:end]
    return None


def fit_text(counter: TokenCounter, head: str, words: WordStream, target: int) -> str:
    """``head`` followed by words, ``target`` tokens as ``counter`` counts them (exactly with a tokenizer)."""
    if target <= 0:
        return ""
    if isinstance(counter, TokenizerCounter):
        return fit_tokenizer(counter, head, words, target)
    return fit_estimate(head, words, target)
