"""The request and response records: validation, recording, derived timings, pickling."""

from __future__ import annotations

import pickle

import pytest

from gaugellm import ErrorKind, GenerationRequest, GenerationResponse


def test_request_needs_exactly_one_of_prompt_and_messages():
    with pytest.raises(ValueError, match="exactly one"):
        GenerationRequest(request_id="r")
    with pytest.raises(ValueError, match="exactly one"):
        GenerationRequest(request_id="r", prompt="p", messages=[{"role": "user", "content": "p"}])
    assert GenerationRequest(request_id="r", messages=[{"role": "user", "content": "p"}]).is_chat
    assert not GenerationRequest(request_id="r", prompt="p").is_chat


def test_request_rejects_a_non_positive_budget():
    with pytest.raises(ValueError, match="max_tokens"):
        GenerationRequest(request_id="r", prompt="p", max_tokens=0)


def test_recording_chunks_stamps_times_and_counts():
    seen: list[str] = []
    response = GenerationResponse(request_id="r", on_first_token=lambda r: seen.append(r.request_id))
    response.mark_dispatched(at_ns=1_000)
    response.record_chunk("a", at_ns=5_000)
    response.record_chunk("bc", tokens=2, at_ns=7_000)
    response.record_chunk("d", at_ns=12_000)
    response.finish("length", at_ns=13_000)
    assert seen == ["r"]  # the hook fires once, on the first chunk
    assert response.text == "abcd"
    assert response.streamed_tokens == 4
    assert response.time_to_first_token_ns == 4_000
    assert response.latency_ns == 12_000
    assert response.inter_chunk_gaps_ns() == [2_000, 5_000]
    assert (response.first_token_ns, response.last_token_ns) == (5_000, 12_000)
    assert response.ok


def test_default_timestamps_come_from_the_monotonic_clock():
    response = GenerationResponse(request_id="r")
    response.mark_dispatched()
    response.record_chunk("x")
    response.finish()
    assert response.dispatched_ns is not None
    assert response.first_token_ns is not None
    assert response.ended_ns is not None
    assert response.dispatched_ns <= response.first_token_ns <= response.ended_ns


def test_usage_keeps_source_and_ignores_missing_counts():
    response = GenerationResponse(request_id="r")
    response.set_usage(10, None, "server")
    response.set_usage(None, 5, "estimate")
    assert (response.prompt_tokens, response.prompt_tokens_source) == (10, "server")
    assert (response.output_tokens, response.output_tokens_source) == (5, "estimate")


def test_first_error_and_first_finish_win():
    response = GenerationResponse(request_id="r")
    response.fail(ErrorKind.HTTP_STATUS, "server said 503", status_code=503)
    response.fail(ErrorKind.INCOMPLETE, "then the stream broke")
    response.finish("stop", at_ns=10)
    response.finish("length", at_ns=20)
    assert not response.ok
    assert response.error is not None
    assert response.error.to_dict() == {"kind": "http_status", "message": "server said 503", "status_code": 503}
    assert (response.finish_reason, response.ended_ns) == ("stop", 10)


def test_pickling_drops_the_runner_hook():
    response = GenerationResponse(request_id="r", on_first_token=lambda r: None)
    response.record_chunk("x", at_ns=3)
    again = pickle.loads(pickle.dumps(response))  # noqa: S301 - our own bytes
    assert again.on_first_token is None
    assert again.chunk_times_ns == [3]
    assert again.text == "x"


def test_answer_text_leaves_out_a_reasoning_models_reasoning() -> None:
    from gaugellm.backend.schemas import GenerationResponse

    plain = GenerationResponse("a")
    plain.record_chunk("Hello")
    plain.record_chunk(" there")
    assert plain.answer_text == plain.text == "Hello there"
    reasoning = GenerationResponse("b")
    reasoning.record_chunk("Let me think.", reasoning=True)
    reasoning.record_chunk(" Yes.", reasoning=True)
    reasoning.record_chunk("Four.")
    assert reasoning.text == "Let me think. Yes.Four."
    assert reasoning.answer_text == "Four."
    thinking_only = GenerationResponse("c")
    thinking_only.record_chunk("Hmm", reasoning=True)
    assert thinking_only.answer_text == ""
