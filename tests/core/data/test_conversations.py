"""Conversations as data: synthetic specs and ShareGPT files, down to the first turn and its follow-ups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaugellm.backend.schemas import GenerationRequest
from gaugellm.data import load_dataset
from gaugellm.data.conversations import ConversationFileDataset, SyntheticConversations
from gaugellm.data.rng import RequestRandom
from gaugellm.data.think import ThinkTime, parse_think_time
from gaugellm.errors import DataError


def test_synthetic_conversations_have_their_turns_system_prompt_and_think_time() -> None:
    data = load_dataset("turns=4,prompt_tokens=20,output_tokens=30,system_tokens=100,think_s=1.5,samples=50")
    assert isinstance(data, SyntheticConversations)
    first = data.request(7)
    assert first.turn == 1
    assert first.request_id == "conversation-7#1"
    assert [m["role"] for m in first.messages or []] == ["system", "user"]
    assert len(first.follow_ups) == 3
    assert {(f.think_s, f.max_tokens, f.prompt_tokens) for f in first.follow_ups} == {(1.5, 30, 20)}
    assert first.prompt_tokens == 120  # the system prompt and the first message
    # every conversation opens with the same system prompt; their own messages differ
    other = data.request(8)
    assert other.messages[0] == first.messages[0]  # type: ignore[index]
    assert other.messages[1] != first.messages[1]  # type: ignore[index]
    assert first.follow_ups[0].content != first.follow_ups[1].content
    # built from (seed, index) alone
    again = load_dataset("turns=4,prompt_tokens=20,output_tokens=30,system_tokens=100,think_s=1.5,samples=50")
    assert again.request(7) == first
    assert data.description["kind"] == "conversations"
    assert data.description["think"] == {"distribution": "fixed", "value_s": 1.5}


def test_turns_and_think_times_can_be_drawn() -> None:
    data = load_dataset("turns=2-6,think_s=1,think_s_distribution=exponential,samples=400")
    counts = [1 + len(data.request(i).follow_ups) for i in range(400)]
    assert (min(counts), max(counts)) == (2, 6)
    thinks = [f.think_s for i in range(400) for f in data.request(i).follow_ups]
    assert 0.8 < sum(thinks) / len(thinks) < 1.2  # exponential, mean 1 s
    uniform = load_dataset("turns=3,think_s=2-4,samples=100")
    drawn = [f.think_s for i in range(100) for f in uniform.request(i).follow_ups]
    assert min(drawn) >= 2
    assert max(drawn) <= 4
    assert max(drawn) - min(drawn) > 1


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("system_tokens=100", "system_tokens applies to conversations; give turns=N"),
        ("think_s=2", "think_s applies to conversations"),
        ("turns=3,prefix_tokens=10,prompt_tokens=20", "prefix_tokens does not apply to conversations"),
        ("turns=3,chat=false", "conversations are chat messages"),
        ("turns=0", "turns must be at least 1"),
        ("turns=5000", "turns must be at most 1000"),
        ("turns=3,think_s=soon", "think_s must be seconds"),
        ("turns=3,think_s=3-1", "think_s must be zero or more seconds, low to high"),
        ("turns=3,think_s=2,think_s_distribution=gamma", "think_s_distribution must be fixed, uniform or exponential"),
        ("turns=3,think_s=2,think_s_distribution=uniform", "a uniform think_s is a range"),
        ("turns=3,think_s_distribution=fixed", "think_s_distribution needs think_s"),
    ],
)
def test_bad_conversation_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_dataset(spec)


def test_think_time_shapes() -> None:
    assert parse_think_time(None, None) == ThinkTime()
    assert parse_think_time(0.25, None) == ThinkTime("fixed", 0.25, 0.25)
    assert parse_think_time("1-3", None) == ThinkTime("uniform", 1.0, 3.0)
    exponential = parse_think_time("2", "exponential")
    draws = [exponential.sample(RequestRandom(1, i)) for i in range(2000)]
    assert min(draws) >= 0
    assert 1.8 < sum(draws) / len(draws) < 2.2


def _sharegpt(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "chats.json"
    path.write_text(json.dumps(rows))
    return path


SHAREGPT = [
    {
        "id": "a",
        "conversations": [
            {"from": "system", "value": "You are terse."},
            {"from": "human", "value": "Name a colour."},
            {"from": "gpt", "value": "Blue, the colour of a clear sky at noon."},
            {"from": "human", "value": "Another?"},
            {"from": "human", "value": "A warm one."},
            {"from": "gpt", "value": "Red."},
            {"from": "human", "value": "Thanks."},
        ],
    },
    {"id": "b", "conversations": [{"from": "gpt", "value": "Hello!"}, {"from": "human", "value": "Hi."}]},
    {"id": "c", "conversations": []},
    {"id": "d", "conversations": [{"role": "user", "content": "Count to 3."}, {"role": "assistant", "content": "1"}]},
]  # fmt: skip


def _first(data: object) -> GenerationRequest:
    assert isinstance(data, ConversationFileDataset)
    return data.request(0)


def test_sharegpt_rows_become_conversations(tmp_path: Path) -> None:
    data = load_dataset(f"path={_sharegpt(tmp_path, SHAREGPT)},think_s=0.5")
    assert isinstance(data, ConversationFileDataset)
    assert len(data) == 3  # the empty conversation is skipped, and counted
    assert data.description["skipped"] == 1
    assert data.description["turns"] == {"total": 5, "min": 1, "max": 3}
    first = data.request(0)
    assert first.request_id == "a#1"
    assert first.messages == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Name a colour."},
    ]
    # answer lengths from the recorded answers: the first turn's answer is the longest
    assert (first.max_tokens or 0) > 5
    assert [f.content for f in first.follow_ups] == ["Another?\nA warm one.", "Thanks."]
    assert [f.think_s for f in first.follow_ups] == [0.5, 0.5]
    assert all(f.recorded_answer is None for f in first.follow_ups)  # real history by default
    assert first.follow_ups[1].max_tokens is None  # no recorded answer to the last message: the server decides
    # a conversation that starts with the assistant starts at the user's first message
    assert data.request(1).messages == [{"role": "user", "content": "Hi."}]
    assert data.request(2).messages == [{"role": "user", "content": "Count to 3."}]


def test_recorded_history_carries_the_recorded_answers(tmp_path: Path) -> None:
    data = load_dataset(f"path={_sharegpt(tmp_path, SHAREGPT)},history=recorded,output_tokens=16")
    first = _first(data)
    assert [f.recorded_answer for f in first.follow_ups] == ["Blue, the colour of a clear sky at noon.", "Red."]
    assert [first.max_tokens, *(f.max_tokens for f in first.follow_ups)] == [16, 16, 16]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"conversations": "hello"}, "'conversations' must be a list"),
        ({"conversations": ["hello"]}, "message 1 must be an object with 'from' and 'value'"),
        ({"conversations": [{"from": "human"}]}, "message 1 needs 'from' and 'value' strings"),
        ({"conversations": [{"from": "robot", "value": "x"}]}, "unknown speaker 'robot'"),
    ],
)
def test_bad_sharegpt_rows_name_file_and_line(tmp_path: Path, row: dict[str, object], message: str) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"conversations": [{"from": "human", "value": "hi"}]}
    path.write_text(json.dumps(good) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(DataError, match=f"bad.jsonl line 2: .*{message}"):
        load_dataset(str(path))


def test_a_file_of_only_empty_conversations_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no conversation has a user message"):
        load_dataset(str(_sharegpt(tmp_path, [{"conversations": []}])))


def test_think_time_on_single_requests_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_text(json.dumps({"prompt": "hi"}) + "\n")
    with pytest.raises(DataError, match="think_s applies to conversations"):
        load_dataset(f"path={path},think_s=1")
