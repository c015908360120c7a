"""Prose-like text from the built-in vocabulary: what synthetic prompts are made of.

A server's cost per prompt token barely depends on the words, but some things do: a tokenizer splits text of real
words differently from random characters, and a repeated phrase can be compressed by speculative decoding or cached.
So prompts are sentences of real words (capitalised, with commas and full stops), drawn at random for each request.

Speed matters too (a run may build hundreds of thousands of prompts, several thousand tokens each). A prompt's first
sentence is drawn word by word, which makes every prompt different from its first tokens on; the sentences after it
are drawn whole from a fixed pool of generated sentences, one random number per sentence instead of one per word.
"""

from __future__ import annotations

import functools

from gaugellm.data.rng import RequestRandom
from gaugellm.data.words import WORDS

__all__ = ["WordStream"]

_SHORTEST_SENTENCE = 5
_LONGEST_SENTENCE = 18
_COMMA_CHANCE = 0.35
_QUESTION_CHANCE = 0.1
# int(random() * n) can round up to n for random() just below 1; one extra copy of the last word makes that index
# valid without a min() per word (and skews the last word's odds by about 2**-53).
_PICK = (*WORDS, WORDS[-1])
_SIZE = len(WORDS)
_POOL_SIZE = 4096


class WordStream:
    """An endless run of sentences driven by one request's random stream."""

    __slots__ = ("_rnd",)

    def __init__(self, rnd: RequestRandom) -> None:
        self._rnd = rnd

    def sentence(self) -> str:
        rnd = self._rnd
        count = rnd.between(_SHORTEST_SENTENCE, _LONGEST_SENTENCE)
        draw = rnd.next_float
        words = [_PICK[int(draw() * _SIZE)] for _ in range(count)]
        words[0] = words[0].capitalize()
        if rnd.uniform() < _COMMA_CHANCE:
            at = rnd.between(1, count - 2)
            words[at] += ","
        end = "?" if rnd.uniform() < _QUESTION_CHANCE else "."
        return " ".join(words) + end

    def text(self, min_chars: int) -> str:
        """Whole sentences, separated by spaces, at least ``min_chars`` characters long in all."""
        first = self.sentence()
        parts = [first]
        length = len(first)
        pool = _sentence_pool()
        draw = self._rnd.next_float
        while length < min_chars:
            sentence = pool[int(draw() * _POOL_SIZE)]
            parts.append(sentence)
            length += len(sentence) + 1
        return " ".join(parts)


@functools.cache
def _sentence_pool() -> tuple[str, ...]:
    """The shared sentences (the same in every process: they come from a fixed seed), plus one guard copy."""
    stream = WordStream(RequestRandom(0, 0, "sentence-pool"))
    pool = [stream.sentence() for _ in range(_POOL_SIZE)]
    return (*pool, pool[-1])
