"""The vllm backend's reasoning split against a real engine and vLLM's own reasoning parsers, on CPU.

The engine serves the reasoning variant of the tiny model (``<think>`` / ``</think>`` in its vocabulary, a chat
template that opens the reasoning). Its weights are random, so the tests script where the markers appear with a
logits processor inside the engine (:mod:`scripted_tokens`); every other token is sampled by the engine, and the
outputs are parsed by vLLM's ``deepseek_r1`` (and ``qwen3``) parsers, unmocked. One engine serves the module; other
settings share it through :func:`sibling`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from tiny_reasoning_model import THINK_END, THINK_START, build_tiny_reasoning_model
from vllm_env import CPU_ENGINE_CONFIG
from vllm_processes import descendants, kill, wait_gone

from gaugellm import GenerationRequest, GenerationResponse, create_backend
from gaugellm.errors import BackendArgsError, BackendUnavailableError
from gaugellm_vllm.args import VLLMBackendArgs
from gaugellm_vllm.backend import VLLMBackend
from gaugellm_vllm.reasoning import load_reasoning_parser

pytestmark = [pytest.mark.vllm, pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

MESSAGES = [{"role": "user", "content": "Why measure time to first token?"}]


@pytest.fixture(scope="module")
def reasoning_model_dir(tmp_path_factory: pytest.TempPathFactory, vllm_root: Path) -> Path:
    return build_tiny_reasoning_model(tmp_path_factory.mktemp("tiny-reasoning-model"), seed=0, dtype="float32")


@pytest.fixture(scope="module")
def markers(reasoning_model_dir: Path) -> dict[str, int]:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(reasoning_model_dir)
    ids = {marker: tokenizer.convert_tokens_to_ids(marker) for marker in (THINK_START, THINK_END)}
    assert all(tokenizer.encode(marker, add_special_tokens=False) == [ids[marker]] for marker in ids)
    return ids


def engine_args(model_dir: Path, **changes: Any) -> VLLMBackendArgs:
    config = {**CPU_ENGINE_CONFIG, "logits_processors": ["scripted_tokens:ScriptedTokens"]}
    fields: dict[str, Any] = {"ignore_eos": True, "seed": 0, "reasoning_parser": "deepseek_r1", **changes}
    return VLLMBackendArgs(model=str(model_dir), vllm_config=config, **fields)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def backend(reasoning_model_dir: Path, vllm_timings: dict[str, float]) -> AsyncIterator[VLLMBackend]:
    started_backend = create_backend(engine_args(reasoning_model_dir))
    assert isinstance(started_backend, VLLMBackend)
    before = {process.pid for process in descendants()}
    started = time.perf_counter()
    await started_backend.process_startup()
    vllm_timings["reasoning engine start"] = time.perf_counter() - started
    spawned = [process for process in descendants() if process.pid not in before]
    try:
        await started_backend.validate()
        yield started_backend
    finally:
        await started_backend.process_shutdown()
        left = wait_gone(spawned)
        kill(left)
        assert not left, f"engine processes still running after shutdown: {[p.pid for p in left]}"


def sibling(backend: VLLMBackend, reasoning: Any = "same", **changes: Any) -> VLLMBackend:
    """A backend with other settings on ``backend``'s running engine; ``reasoning`` replaces its parser setup."""
    other = VLLMBackend(backend.args.model_copy(update=changes))
    other._api, other._engine, other._tokenizer = backend._api, backend._engine, backend._tokenizer
    other._reasoning = backend._reasoning if reasoning == "same" else reasoning
    return other


def scripted(request_id: str, script: dict[int, int], max_tokens: int, chat: bool = True) -> GenerationRequest:
    params = {"extra_args": {"scripted_tokens": {str(position): token for position, token in script.items()}}}
    if chat:
        return GenerationRequest(request_id, messages=MESSAGES, max_tokens=max_tokens, params=params)
    return GenerationRequest(request_id, prompt="def measure(latency):", max_tokens=max_tokens, params=params)


async def resolve(backend: VLLMBackend, request: GenerationRequest) -> GenerationResponse:
    response = GenerationResponse(request.request_id)
    response.scheduled_ns = time.perf_counter_ns()
    response.mark_dispatched()
    await asyncio.wait_for(backend.resolve(request, response), 60)
    assert response.ok, response.error
    return response


def parts(response: GenerationResponse) -> tuple[str, str]:
    """The reasoning text and the answer text: the chunks before the first answer chunk, and the rest.

    A delta holding both parts becomes two chunks with one timestamp, the reasoning first: the first answer chunk is
    the last chunk stamped ``first_answer_ns``.
    """
    if response.first_answer_ns is None:
        return response.text, ""
    first = max(i for i, at in enumerate(response.chunk_times_ns) if at == response.first_answer_ns)
    return "".join(response.text_parts[:first]), "".join(response.text_parts[first:])


# -- start-up checks ------------------------------------------------------------------------------------------------


async def test_an_unknown_parser_name_fails_before_any_engine_starts(reasoning_model_dir: Path) -> None:
    misspelt = VLLMBackend(engine_args(reasoning_model_dir, reasoning_parser="deepseek-r1"))
    before = {process.pid for process in descendants()}
    with pytest.raises(BackendArgsError, match=r"'deepseek-r1' is not a reasoning parser .*did you mean 'deepseek_r1'"):
        await misspelt.process_startup()
    assert misspelt.engine is None
    assert {process.pid for process in descendants()} <= before


async def test_a_parser_whose_tokens_the_tokenizer_lacks_is_refused(backend: VLLMBackend) -> None:
    with pytest.raises(
        BackendUnavailableError, match=r"reasoning_parser 'mistral' cannot be used with model .*could not locate"
    ):
        load_reasoning_parser("mistral", backend.engine, backend.args.model)


# -- the split ------------------------------------------------------------------------------------------------------


async def test_reasoning_then_answer_timed_and_counted(backend: VLLMBackend, markers: dict[str, int]) -> None:
    # The template opened the reasoning; </think> is the 5th output token: 4 tokens of reasoning, the marker, 7 more.
    response = await resolve(backend, scripted("r1", {4: markers[THINK_END]}, max_tokens=12))
    assert response.output_tokens == 12
    assert response.output_tokens_source == "engine"
    assert sum(response.chunk_tokens) == 12
    assert response.reasoning_tokens == 5  # the reasoning and its closing marker
    assert response.first_reasoning_ns is not None
    assert response.first_answer_ns is not None
    assert response.first_token_ns == response.first_reasoning_ns < response.first_answer_ns
    assert 0 < response.time_to_first_reasoning_token_ns < response.time_to_first_answer_token_ns  # type: ignore[operator]
    assert response.extras["vllm"]["reasoning_parser"] == "deepseek_r1"
    reasoning, answer = parts(response)
    assert reasoning
    assert answer
    assert THINK_END not in response.text
    assert THINK_START not in response.text

    # The same request (same seed, same script) without a parser: the raw text, marker included, splits the same.
    raw = await resolve(
        sibling(backend, reasoning=None, reasoning_parser=None), scripted("raw", {4: markers[THINK_END]}, 12)
    )
    assert raw.reasoning_tokens is None
    assert raw.first_reasoning_ns is None
    assert raw.text == f"{reasoning}{THINK_END}{answer}"


async def test_reasoning_that_never_ends_has_no_answer(backend: VLLMBackend, markers: dict[str, int]) -> None:
    # The marker is scripted past the budget: never emitted, and banned from the 8 tokens that are.
    response = await resolve(backend, scripted("open", {100: markers[THINK_END]}, max_tokens=8))
    assert response.reasoning_tokens == 8 == response.output_tokens
    assert response.first_answer_ns is None
    assert response.first_reasoning_ns == response.first_token_ns


async def test_a_model_that_opens_its_own_reasoning(backend: VLLMBackend, markers: dict[str, int]) -> None:
    # A plain prompt (no template): the model emits <think> itself, two tokens of reasoning, </think>, the answer.
    script = {0: markers[THINK_START], 3: markers[THINK_END]}
    response = await resolve(backend, scripted("own", script, max_tokens=8, chat=False))
    assert response.reasoning_tokens == 4  # both markers and the two tokens between them
    assert response.output_tokens == 8 == sum(response.chunk_tokens)
    assert response.first_token_ns == response.first_reasoning_ns < response.first_answer_ns  # type: ignore[operator]
    assert THINK_START not in response.text
    assert THINK_END not in response.text


async def test_concurrent_requests_keep_their_own_parser_state(backend: VLLMBackend, markers: dict[str, int]) -> None:
    ends = [1, 3, 6, 9]
    requests = [scripted(f"c{end}", {end: markers[THINK_END]}, max_tokens=12) for end in ends]
    responses = await asyncio.gather(*(resolve(backend, request) for request in requests))
    assert [response.reasoning_tokens for response in responses] == [end + 1 for end in ends]
    assert all(response.output_tokens == 12 == sum(response.chunk_tokens) for response in responses)


async def test_whole_output_without_streaming(backend: VLLMBackend, markers: dict[str, int]) -> None:
    response = await resolve(sibling(backend, stream=False), scripted("whole", {4: markers[THINK_END]}, max_tokens=12))
    assert response.reasoning_tokens == 5
    assert response.output_tokens == 12 == sum(response.chunk_tokens)
    assert response.first_reasoning_ns == response.first_answer_ns  # one output: both parts arrive together
    reasoning, answer = parts(response)
    assert reasoning
    assert answer
    assert THINK_END not in response.text


async def test_the_qwen3_parser_splits_the_same_output(backend: VLLMBackend, markers: dict[str, int]) -> None:
    qwen3 = sibling(backend, reasoning=load_reasoning_parser("qwen3", backend.engine, backend.args.model))
    response = await resolve(qwen3, scripted("q", {4: markers[THINK_END]}, max_tokens=12))
    deepseek = await resolve(backend, scripted("d", {4: markers[THINK_END]}, max_tokens=12))
    assert response.reasoning_tokens == 5 == deepseek.reasoning_tokens
    assert parts(response) == parts(deepseek)
