"""Streaming and whole responses over real loopback HTTP, against the simulated server, in every shape it can send."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from gaugellm import GenerationRequest, GenerationResponse
from gaugellm_openai.mock.content import token_text

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, StartServer


CHAT = "/v1/chat/completions"
COMPLETIONS = "/v1/completions"


def expected_text(n: int) -> str:
    return "".join(token_text(i) for i in range(n))


@pytest.mark.parametrize("request_format", [CHAT, COMPLETIONS])
async def test_stream_records_every_token(harness: Harness, start_server: StartServer, request_format: str) -> None:
    server = start_server(output_tokens="8")
    backend = await harness.backend(server.url, request_format=request_format)
    response = await harness.run(backend)
    assert response.ok, response.error
    assert response.text == expected_text(8)
    assert len(response.chunk_times_ns) == 8  # the chat role chunk (empty content) is not a token
    assert response.chunk_tokens == [1] * 8
    assert response.finish_reason == "stop"
    assert (response.output_tokens, response.output_tokens_source) == (8, "server")
    assert response.prompt_tokens_source == "server"
    assert response.first_token_ns is not None
    assert response.dispatched_ns is not None
    assert response.dispatched_ns <= response.first_token_ns <= response.last_token_ns <= response.ended_ns  # type: ignore[operator]


async def test_chat_messages_and_plain_prompt_both_work(harness: Harness, server: object) -> None:
    backend = await harness.backend(server.url)  # type: ignore[attr-defined]
    chat = await harness.run(backend, GenerationRequest("c", messages=[{"role": "user", "content": "hi"}]))
    plain = await harness.run(backend, GenerationRequest("p", prompt="hi"))
    assert chat.ok
    assert plain.ok
    assert chat.text == plain.text


async def test_messages_to_completions_endpoint_are_flattened(harness: Harness, server: object) -> None:
    backend = await harness.backend(server.url, request_format="completions")  # type: ignore[attr-defined]
    response = await harness.run(backend, GenerationRequest("c", messages=[{"role": "user", "content": "hi"}]))
    assert response.ok
    assert response.text == expected_text(8)


async def test_max_tokens_caps_the_output_with_finish_length(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="20")
    backend = await harness.backend(server.url)
    response = await harness.run(backend, max_tokens=5)
    assert response.text == expected_text(5)
    assert response.finish_reason == "length"
    assert response.output_tokens == 5


async def test_args_max_tokens_and_ignore_eos(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="4")
    backend = await harness.backend(server.url, max_tokens=12, ignore_eos=True)
    response = await harness.run(backend)
    assert response.output_tokens == 12
    assert response.finish_reason == "length"
    own_budget = await harness.run(backend, max_tokens=3)  # the request's budget wins over the args'
    assert own_budget.output_tokens == 3


async def test_several_tokens_per_chunk(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="10", tokens_per_chunk=4)
    backend = await harness.backend(server.url)
    response = await harness.run(backend)
    assert response.text == expected_text(10)
    assert len(response.chunk_times_ns) == 3
    assert response.chunk_tokens == [1, 1, 1]  # unknown per chunk without continuous usage ...
    assert (response.output_tokens, response.output_tokens_source) == (10, "server")  # ... the total is exact


async def test_continuous_usage_counts_tokens_per_chunk(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="10", tokens_per_chunk=4)
    backend = await harness.backend(server.url, continuous_usage=True)
    response = await harness.run(backend)
    assert response.chunk_tokens == [4, 4, 2]
    assert response.output_tokens == 10


@pytest.mark.parametrize("request_format", [CHAT, COMPLETIONS])
async def test_keepalive_comments_multiline_data_and_separate_finish_chunk(
    harness: Harness, start_server: StartServer, request_format: str
) -> None:
    server = start_server(output_tokens="9", keepalive_every=2, multiline_data=True, finish_chunk="separate")
    backend = await harness.backend(server.url, request_format=request_format)
    response = await harness.run(backend)
    assert response.ok, response.error
    assert response.text == expected_text(9)
    assert len(response.chunk_times_ns) == 9
    assert response.finish_reason == "stop"


@pytest.mark.parametrize("request_format", [CHAT, COMPLETIONS])
async def test_without_server_usage_counts_are_estimates(
    harness: Harness, start_server: StartServer, request_format: str
) -> None:
    server = start_server(output_tokens="6", usage=False)
    backend = await harness.backend(server.url, request_format=request_format)
    response = await harness.run(backend, prompt="x" * 40)
    assert (response.output_tokens, response.output_tokens_source) == (6, "estimate")  # one per content chunk
    assert (response.prompt_tokens, response.prompt_tokens_source) == (10, "estimate")  # 40 characters / 4


async def test_known_prompt_size_is_preferred_over_the_estimate(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="3", usage=False)
    backend = await harness.backend(server.url)
    response = await harness.run(backend, prompt="x" * 40, prompt_tokens=17)
    assert (response.prompt_tokens, response.prompt_tokens_source) == (17, "tokenizer")


@pytest.mark.parametrize("request_format", [CHAT, COMPLETIONS])
async def test_non_streaming(harness: Harness, start_server: StartServer, request_format: str) -> None:
    server = start_server(output_tokens="7")
    backend = await harness.backend(server.url, request_format=request_format, stream=False)
    response = await harness.run(backend)
    assert response.ok, response.error
    assert response.text == expected_text(7)
    assert response.chunk_tokens == [7]  # one chunk: the whole body, with the server's count
    assert (response.output_tokens, response.output_tokens_source) == (7, "server")
    assert response.finish_reason == "stop"


async def test_non_streaming_without_usage_estimates_from_text(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="5", usage=False)
    backend = await harness.backend(server.url, stream=False)
    response = await harness.run(backend)
    assert response.output_tokens_source == "estimate"
    assert response.output_tokens == -(-len(expected_text(5)) // 4)


async def test_paced_stream_still_records_everything(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="5", ttft_ms=5, itl_ms=1)
    backend = await harness.backend(server.url)
    response = await harness.run(backend)
    assert response.ok
    assert len(response.chunk_times_ns) == 5
    assert len(response.inter_chunk_gaps_ns()) == 4


async def test_many_concurrent_streams_share_one_client(harness: Harness, start_server: StartServer) -> None:
    import asyncio

    server = start_server(output_tokens="4-12", seed=3, itl_ms=0.2)
    backend = await harness.backend(server.url)
    responses = await asyncio.gather(*(harness.run(backend, request_id=str(i)) for i in range(60)))
    assert all(response.ok for response in responses)
    assert all(response.output_tokens == len(response.chunk_times_ns) for response in responses)
    assert {response.output_tokens for response in responses} != {responses[0].output_tokens}  # the range is drawn
    assert server.stats()["completed"] == 60


async def test_extra_body_and_request_params_reach_the_server(harness: Harness, start_server: StartServer) -> None:
    server = start_server(output_tokens="30")
    # the server honours max_tokens: extra_body sets it, request params override extra_body
    backend = await harness.backend(server.url, extra_body={"max_tokens": 4})
    assert (await harness.run(backend)).output_tokens == 4
    assert (await harness.run(backend, params={"max_tokens": 2})).output_tokens == 2


async def test_default_model_is_the_first_listed(harness: Harness, start_server: StartServer) -> None:
    server = start_server(model="my-model")
    backend = await harness.backend(server.url)
    assert await backend.default_model() == "my-model"
    assert backend.info["model"] == "my-model"
    response = await harness.run(backend)
    assert response.ok


async def test_model_found_lazily_when_validate_is_skipped(harness: Harness, start_server: StartServer) -> None:
    server = start_server(model="lazy-model", output_tokens="2")
    backend = await harness.backend(server.url, validate=False)
    response = await harness.run(backend)
    assert response.ok
    assert backend.info["model"] == "lazy-model"


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
async def test_target_forms(harness: Harness, server: object, suffix: str) -> None:
    backend = await harness.backend(server.url + suffix)  # type: ignore[attr-defined]
    assert (await harness.run(backend)).ok


async def test_api_routes_override(harness: Harness, server: object) -> None:
    # a route that does not exist proves the override is used: the request fails with the server's 404
    backend = await harness.backend(server.url, api_routes={"chat_completions": "/v2/chat"})  # type: ignore[attr-defined]
    response = await harness.run(backend)
    assert response.error is not None
    assert response.error.status_code == 404


async def test_dispatch_is_restamped_when_the_request_has_left(harness: Harness, server: object) -> None:
    backend = await harness.backend(server.url)  # type: ignore[attr-defined]
    response = GenerationResponse("d")
    response.mark_dispatched(at_ns=1)  # as a runner would, earlier
    await backend.resolve(GenerationRequest("d", prompt="hi"), response)
    assert response.ok
    assert response.dispatched_ns is not None
    assert 1 < response.dispatched_ns <= response.first_token_ns


async def test_request_params_may_switch_streaming(harness: Harness, server: object) -> None:
    backend = await harness.backend(server.url)  # type: ignore[attr-defined]
    whole = await harness.run(backend, params={"stream": False})
    assert whole.ok
    assert whole.chunk_tokens == [8]  # one chunk: the whole body
    streamed = await harness.run(await harness.backend(server.url, stream=False), params={"stream": True})  # type: ignore[attr-defined]
    assert streamed.ok
    assert len(streamed.chunk_times_ns) == 8


@pytest.mark.parametrize("tokens_per_chunk", [1, 3])
@pytest.mark.parametrize("finish_chunk", ["last_token", "separate"])
async def test_streams_of_many_lengths_share_rendered_chunks(
    harness: Harness, start_server: StartServer, tokens_per_chunk: int, finish_chunk: str
) -> None:
    server = start_server(output_tokens="300", tokens_per_chunk=tokens_per_chunk, finish_chunk=finish_chunk)
    backend = await harness.backend(server.url)
    for n in (1, 2, 3, 64, 200, 65, 4, 300):  # growing, then shorter again: the shared chunks are sliced
        response = await harness.run(backend, max_tokens=n)
        assert response.ok, response.error
        assert response.text == expected_text(n)
        assert len(response.chunk_times_ns) == -(-n // tokens_per_chunk)
        assert response.output_tokens == n
        assert response.finish_reason == "length"  # the budget was reached (300 = max_tokens counts too)
