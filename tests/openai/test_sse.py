"""The SSE decoder: the specification's corner cases, and golden streams of vLLM 0.32 split every way."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from gaugellm import GenerationRequest, GenerationResponse
from gaugellm_openai.sse import SSEDecoder
from gaugellm_openai.stream import ChunkConsumer

DATA = Path(__file__).parent / "data"
GOLDEN = sorted(path.stem for path in DATA.glob("*.sse"))


def decode_all(chunks: list[bytes]) -> list[bytes]:
    decoder = SSEDecoder()
    events: list[bytes] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.close())
    return events


def splits(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(1, 40))))
    return [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]


def test_one_event_per_blank_line() -> None:
    assert decode_all([b"data: a\n\ndata: b\n\n"]) == [b"a", b"b"]


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert decode_all([b'data: {"a":\ndata: 1}\n\n']) == [b'{"a":\n1}']


def test_comments_and_keepalive_blank_lines_are_not_events() -> None:
    stream = b": keep-alive\n\n\n\ndata: x\n\n: ping\n\n\ndata: y\n\n"
    assert decode_all([stream]) == [b"x", b"y"]


def test_comment_inside_an_event() -> None:
    assert decode_all([b": hello\ndata: x\n: again\ndata: y\n\n"]) == [b"x\ny"]


@pytest.mark.parametrize("ending", [b"\r\n", b"\r", b"\n"])
def test_every_line_ending(ending: bytes) -> None:
    stream = b"data: a" + ending + ending + b"data: b" + ending + b"data: c" + ending + ending
    assert decode_all([stream]) == [b"a", b"b\nc"]
    assert decode_all([bytes([byte]) for byte in stream]) == [b"a", b"b\nc"]


def test_crlf_split_between_cr_and_lf() -> None:
    assert decode_all([b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"]) == [b"a", b"b"]


def test_other_fields_are_ignored_and_no_space_after_colon_is_fine() -> None:
    stream = b"event: message\nid: 7\nretry: 100\ndata:x\n\nevent: only\n\ndata\n\n"
    assert decode_all([stream]) == [b"x", b""]


def test_only_one_leading_space_is_removed() -> None:
    assert decode_all([b"data:  two\n\n"]) == [b" two"]


def test_incomplete_event_waits_for_more_bytes() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"a"') == []
    assert decoder.pending
    assert decoder.feed(b": 1}\n") == []
    assert decoder.feed(b"\n") == [b'{"a": 1}']
    assert not decoder.pending


def test_close_dispatches_a_last_event_without_blank_line_but_not_a_cut_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\n\ndata: [DONE]\n") == [b"x"]
    assert decoder.close() == [b"[DONE]"]
    decoder = SSEDecoder()
    decoder.feed(b"data: [DO")
    assert decoder.close() == []


def test_utf8_split_inside_a_character() -> None:
    body = 'data: {"t":"中文é"}\n\n'.encode()
    cut = body.index("中".encode()) + 1
    assert decode_all([body[:cut], body[cut:]]) == ['{"t":"中文é"}'.encode()]


# -- golden streams ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN)
@pytest.mark.parametrize("how", ["whole", "bytewise", "random-1", "random-2", "random-3"])
def test_golden_stream(name: str, how: str) -> None:
    body = (DATA / f"{name}.sse").read_bytes()
    expected = json.loads((DATA / f"{name}.expected.json").read_text())
    if how == "whole":
        chunks = [body]
    elif how == "bytewise":
        chunks = [body[i : i + 1] for i in range(len(body))]
    else:
        chunks = splits(body, seed=int(how.rsplit("-", 1)[1]))
    chat = expected["endpoint"] == "/v1/chat/completions"
    request = (
        GenerationRequest("g", messages=[{"role": "user", "content": "hi"}])
        if chat
        else GenerationRequest("g", prompt="hi")
    )
    response = GenerationResponse("g")
    consumer = ChunkConsumer(response, chat=chat, continuous_usage=bool(expected.get("continuous_usage")))
    decoder = SSEDecoder()
    for number, chunk in enumerate(chunks):
        consumer.feed(decoder.feed(chunk), at_ns=number)
    consumer.feed(decoder.close(), at_ns=len(chunks))
    consumer.finalise(request)

    assert consumer.done
    assert response.text_parts == expected["texts"]  # the role chunk's empty content is not a token
    assert response.chunk_tokens == expected["chunk_tokens"]
    assert consumer.finish_reason == expected["finish_reason"]
    assert (response.prompt_tokens, response.prompt_tokens_source) == (expected["prompt_tokens"], "server")
    assert (response.output_tokens, response.output_tokens_source) == (expected["completion_tokens"], "server")
    assert response.chunk_times_ns == sorted(response.chunk_times_ns)


def test_golden_files_exist() -> None:
    assert {"vllm-0.32-chat-include-usage", "vllm-0.32-completions-include-usage"} <= set(GOLDEN)
