"""Multi-turn conversations as data: each request is a conversation's first turn carrying its later turns.

A conversation loads a server differently from the same number of single requests: each turn's prompt is the whole
history so far, which a prefix cache can serve, and the next turn waits for the answer and the user's think time.
So a conversation is not flattened into requests here. Its first turn is a :class:`~gaugellm.GenerationRequest`
whose ``follow_ups`` hold the later user messages; the worker that sends it sends the rest (see
:mod:`gaugellm.runner.executor.worker`), each with the real answer in the history unless recorded answers are asked
for (``history=recorded``).

Two sources: ShareGPT-style rows (``conversations``: a list of ``{from, value}`` or ``{role, content}`` messages) and
synthetic conversations (``turns``, ``system_tokens``, ``think_s`` with the usual length keys per turn).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gaugellm.backend.schemas import FollowUp, GenerationRequest
from gaugellm.data.dataset import Dataset
from gaugellm.data.distributions import TokenDistribution
from gaugellm.data.fitting import fit_text
from gaugellm.data.readers import Row
from gaugellm.data.rng import RequestRandom
from gaugellm.data.spec import History
from gaugellm.data.text import WordStream
from gaugellm.data.think import ThinkTime
from gaugellm.data.tokens import TokenCounter
from gaugellm.errors import DataError

__all__ = [
    "ConversationFileDataset",
    "ConversationRecord",
    "History",
    "SyntheticConversations",
    "has_conversations",
    "to_conversation",
]

#: The ``from`` (or ``role``) values of a ShareGPT message, by the role they play; anything else is an error.
_USER_ROLES = frozenset({"human", "user"})
_ASSISTANT_ROLES = frozenset({"gpt", "assistant", "chatgpt", "bard", "model", "bing"})
_SYSTEM_ROLES = frozenset({"system"})


# -- ShareGPT-style files -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """One conversation of a file: its system prompt and its turns, each a user message and the recorded answer."""

    where: str
    request_id: str | None
    system: str | None
    turns: tuple[tuple[str, str | None], ...]


def has_conversations(rows: Sequence[Row]) -> bool:
    """Whether the rows are conversations (the ShareGPT ``conversations`` field) rather than single requests."""
    return any("conversations" in row.fields for row in rows[:32])


def to_conversation(row: Row, shown: str) -> ConversationRecord | None:
    """Check one ShareGPT row; ``None`` for a conversation without a user message (public dumps hold some).

    Leading answers (a conversation that starts with the assistant) are dropped; consecutive user messages are joined,
    as one turn. Anything malformed raises a DataError naming the file and line.
    """
    where = f"{shown} {row.where}"
    raw = row.fields.get("conversations")
    if raw is None:
        raise DataError(f"{where}: needs a 'conversations' field (a list of {{from, value}} messages)")
    if not isinstance(raw, list):
        raise DataError(f"{where}: 'conversations' must be a list of {{from, value}} messages")
    system: str | None = None
    turns: list[tuple[str, str | None]] = []
    for number, message in enumerate(raw, start=1):
        role, text = _message(message, number, where)
        if role in _SYSTEM_ROLES:
            system = text if system is None else f"{system}\n{text}"
        elif role in _USER_ROLES:
            if turns and turns[-1][1] is None:
                turns[-1] = (f"{turns[-1][0]}\n{text}", None)
            else:
                turns.append((text, None))
        elif turns:
            user, answer = turns[-1]
            turns[-1] = (user, text if answer is None else f"{answer}\n{text}")
    if not turns:
        return None
    raw_id = row.fields.get("id")
    request_id = None if raw_id is None or isinstance(raw_id, bool) else str(raw_id)
    return ConversationRecord(row.where, request_id, system, tuple(turns))


def _message(message: Any, number: int, where: str) -> tuple[str, str]:
    if not isinstance(message, dict):
        raise DataError(f"{where}: conversations message {number} must be an object with 'from' and 'value'")
    role = message.get("from", message.get("role"))
    text = message.get("value", message.get("content"))
    if not isinstance(role, str) or not isinstance(text, str):
        raise DataError(f"{where}: conversations message {number} needs 'from' and 'value' strings")
    role = role.strip().lower()
    if role not in _USER_ROLES | _ASSISTANT_ROLES | _SYSTEM_ROLES:
        raise DataError(
            f"{where}: conversations message {number}: unknown speaker {role!r} (human/user, gpt/assistant, system)"
        )
    return role, text


class ConversationFileDataset(Dataset):
    """The conversations of a file; request ``i`` is conversation ``i``'s first turn, carrying the rest.

    Each turn's answer length is ``output_tokens`` when given, else the recorded answer's length (counted), so the
    server writes as much as the recorded assistant did; a turn without a recorded answer leaves it to the server.
    """

    def __init__(
        self,
        records: list[ConversationRecord],
        counter: TokenCounter,
        *,
        name: str,
        description: dict[str, Any],
        seed: int,
        think: ThinkTime,
        history: History,
        output_tokens: TokenDistribution | None,
    ) -> None:
        super().__init__(counter)
        self.records = records
        self.name = name
        self.seed = seed
        self.think = think
        self.history = history
        self.output_tokens = output_tokens
        self._description = description

    def __len__(self) -> int:
        return len(self.records)

    def _answer_tokens(self, index: int, turn: int, answer: str | None) -> int | None:
        if self.output_tokens is not None:
            return self.output_tokens.sample(RequestRandom(self.seed, index, f"turn-output/{turn}"))
        return None if answer is None else max(1, self.token_counter.count(answer))

    def request(self, index: int) -> GenerationRequest:
        self._check_index(index)
        record = self.records[index]
        counter = self.token_counter
        (first, first_answer), *rest = record.turns
        follow_ups = []
        previous_answer = first_answer
        for turn, (user, answer) in enumerate(rest, start=2):
            follow_ups.append(
                FollowUp(
                    content=user,
                    max_tokens=self._answer_tokens(index, turn, answer),
                    think_s=self.think.sample(RequestRandom(self.seed, index, f"think/{turn}")),
                    prompt_tokens=counter.count(user),
                    recorded_answer=previous_answer if self.history == "recorded" else None,
                )
            )
            previous_answer = answer
        messages = [{"role": "user", "content": first}]
        prompt_tokens = counter.count(first)
        if record.system is not None:
            messages.insert(0, {"role": "system", "content": record.system})
            prompt_tokens += counter.count(record.system)
        base = record.request_id or f"{self.name}:{record.where.split()[-1].strip('()')}"
        return GenerationRequest(
            request_id=f"{base}#1",
            messages=messages,
            max_tokens=self._answer_tokens(index, 1, first_answer),
            prompt_tokens=prompt_tokens,
            turn=1,
            follow_ups=tuple(follow_ups),
        )

    @property
    def description(self) -> dict[str, Any]:
        turns = [len(record.turns) for record in self.records]
        return {
            **self._description,
            "conversations": len(self.records),
            "turns": {"total": sum(turns), "min": min(turns, default=0), "max": max(turns, default=0)},
            "think": self.think.describe(),
            "history": self.history,
            "output_tokens": None if self.output_tokens is None else self.output_tokens.describe(),
            **self.token_counter.describe(),
        }


# -- synthetic conversations --------------------------------------------------------------------------------------


class SyntheticConversations(Dataset):
    """Generated conversations: per conversation a number of turns, per turn a new user message and an answer length.

    Every conversation opens with the same system prompt of ``system_tokens`` (an application's fixed instructions,
    which a prefix cache serves after its first use); each turn's user message is new text of its own length. Like
    single synthetic requests, conversation ``i`` is built from (seed, ``i``) alone.
    """

    def __init__(
        self,
        counter: TokenCounter,
        *,
        seed: int,
        samples: int,
        turns: TokenDistribution,
        prompt_tokens: TokenDistribution,
        output_tokens: TokenDistribution,
        system_tokens: int,
        think: ThinkTime,
        source: str | dict[str, Any] | None,
    ) -> None:
        super().__init__(counter)
        self.seed = seed
        self.samples = samples
        self.turns = turns
        self.prompt_tokens = prompt_tokens
        self.output_tokens = output_tokens
        self.system_tokens = system_tokens
        self.think = think
        self._source = source
        self._system: str | None = None

    @property
    def system_prompt(self) -> str:
        """The system prompt every conversation starts with (empty without ``system_tokens``)."""
        if self._system is None:
            words = WordStream(RequestRandom(self.seed, 0, "system"))
            self._system = fit_text(self.token_counter, "", words, self.system_tokens)
        return self._system

    def __len__(self) -> int:
        return self.samples

    def _turn(self, index: int, turn: int) -> tuple[str, int, int]:
        rnd = RequestRandom(self.seed, index, f"turn/{turn}")
        prompt_tokens = self.prompt_tokens.sample(rnd)
        output_tokens = self.output_tokens.sample(rnd)
        return fit_text(self.token_counter, "", WordStream(rnd), prompt_tokens), prompt_tokens, output_tokens

    def request(self, index: int) -> GenerationRequest:
        self._check_index(index)
        count = self.turns.sample(RequestRandom(self.seed, index, "turns"))
        text, prompt_tokens, output_tokens = self._turn(index, 1)
        follow_ups = []
        for turn in range(2, count + 1):
            user, user_tokens, answer_tokens = self._turn(index, turn)
            think = self.think.sample(RequestRandom(self.seed, index, f"think/{turn}"))
            follow_ups.append(FollowUp(user, answer_tokens, think, user_tokens))
        messages = [{"role": "user", "content": text}]
        if self.system_tokens:
            messages.insert(0, {"role": "system", "content": self.system_prompt})
            prompt_tokens += self.system_tokens
        return GenerationRequest(
            request_id=f"conversation-{index}#1",
            messages=messages,
            max_tokens=output_tokens,
            prompt_tokens=prompt_tokens,
            turn=1,
            follow_ups=tuple(follow_ups),
        )

    @property
    def description(self) -> dict[str, Any]:
        return {
            "kind": "conversations",
            "spec": self._source,
            "conversations": self.samples,
            "seed": self.seed,
            "turns": self.turns.describe(),
            "prompt_tokens": self.prompt_tokens.describe(),
            "output_tokens": self.output_tokens.describe(),
            "system_tokens": self.system_tokens,
            "think": self.think.describe(),
            "history": "real",
            **self.token_counter.describe(),
        }
