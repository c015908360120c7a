"""The vllm backend against a real engine on CPU: one engine for the whole module, shut down by the last test.

The module's tests run in order on one ``AsyncLLM`` (starting one costs about 25 s); the last test shuts it down and
proves that its processes and IPC sockets are gone.
"""

from __future__ import annotations

import asyncio
import gc
import pickle
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from vllm_env import CPU_ENGINE_CONFIG
from vllm_processes import descendants, kill, wait_gone

from gaugellm import ErrorKind, GenerationRequest, GenerationResponse, create_backend
from gaugellm_vllm.args import VLLMBackendArgs
from gaugellm_vllm.backend import VLLMBackend
from gaugellm_vllm.prompts import flatten_messages

pytestmark = [pytest.mark.vllm, pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Describe a load test."}]
PROMPT = "def measure(latency, throughput):"


@dataclass
class RunningEngine:
    backend: VLLMBackend
    processes: list[Any]  # psutil.Process: what the engine spawned (engine core and its worker)
    tmpdir: Path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(
    vllm_root: Path, tiny_model_dir: Path, vllm_timings: dict[str, float]
) -> AsyncIterator[RunningEngine]:
    args = VLLMBackendArgs(model=str(tiny_model_dir), vllm_config=dict(CPU_ENGINE_CONFIG), ignore_eos=True, seed=0)
    backend = create_backend(args)
    assert isinstance(backend, VLLMBackend)
    before = {process.pid for process in descendants()}
    started = time.perf_counter()
    await backend.process_startup()
    vllm_timings["engine start"] = time.perf_counter() - started
    spawned = [process for process in descendants() if process.pid not in before]
    try:
        await backend.validate()
        yield RunningEngine(backend, spawned, vllm_root / "tmp")
    finally:
        await backend.process_shutdown()
        left = wait_gone(spawned)
        kill(left)  # never leave an engine behind, even when a test failed
        assert not left, f"engine processes still running after shutdown: {[p.pid for p in left]}"


def sibling(backend: VLLMBackend, **changes: Any) -> VLLMBackend:
    """A backend with other request settings that shares ``backend``'s running engine (no second engine start)."""
    other = VLLMBackend(backend.args.model_copy(update=changes))
    other._api, other._engine, other._tokenizer = backend._api, backend._engine, backend._tokenizer
    return other


async def resolve(backend: VLLMBackend, request: GenerationRequest, **response_kwargs: Any) -> GenerationResponse:
    response = GenerationResponse(request.request_id, **response_kwargs)
    response.scheduled_ns = time.perf_counter_ns()
    response.mark_dispatched()
    await asyncio.wait_for(backend.resolve(request, response), 60)
    return response


# -- streaming, timing, token counts ------------------------------------------------------------------------------


async def test_engine_runs_in_its_own_processes(running: RunningEngine) -> None:
    assert running.backend.engine is not None
    assert running.processes, "AsyncLLM runs its engine core in a separate process"
    assert running.backend.info["vllm_version"]


async def test_startup_heap_is_frozen_out_of_garbage_collection(running: RunningEngine) -> None:
    # Like vLLM's own server: a full collection of vLLM's and torch's objects would stall requests for ~300 ms.
    assert gc.get_freeze_count() > 10_000


async def test_streams_every_token_as_it_arrives(running: RunningEngine) -> None:
    response = await resolve(running.backend, GenerationRequest("stream", prompt=PROMPT, max_tokens=32))
    assert response.ok, response.error
    assert response.finish_reason == "length"
    assert len(response.chunk_times_ns) > 1, "DELTA outputs arrive token by token"
    assert response.chunk_times_ns == sorted(response.chunk_times_ns)
    assert response.dispatched_ns is not None
    assert response.first_token_ns is not None
    assert response.dispatched_ns <= response.first_token_ns == response.chunk_times_ns[0]
    assert response.last_token_ns == response.chunk_times_ns[-1] <= (response.ended_ns or 0)
    assert response.text == "".join(response.text_parts)
    assert all(gap >= 0 for gap in response.inter_chunk_gaps_ns())


async def test_output_tokens_are_exact(running: RunningEngine, tiny_tokenizer: Any) -> None:
    response = await resolve(running.backend, GenerationRequest("count", prompt=PROMPT, max_tokens=40))
    assert response.ok, response.error
    assert response.output_tokens == 40 == response.streamed_tokens
    assert response.output_tokens_source == "engine"
    assert response.prompt_tokens == len(tiny_tokenizer.encode(PROMPT))
    assert response.prompt_tokens_source == "engine"


async def test_engine_timing_is_recorded_in_our_clock(running: RunningEngine) -> None:
    response = await resolve(running.backend, GenerationRequest("timing", prompt=PROMPT, max_tokens=8))
    extras = response.extras["vllm"]
    timing = extras["engine_timing"]
    assert timing["num_generation_tokens"] == 8
    assert timing["first_token_latency"] > 0
    # The engine core stamps its first token before this process receives it, on the same monotonic clock.
    assert response.dispatched_ns is not None
    assert response.first_token_ns is not None
    assert response.dispatched_ns <= timing["first_token_ts_ns"] <= response.first_token_ns
    assert timing["first_token_ts_ns"] <= timing["last_token_ts_ns"] <= (response.last_token_ns or 0)
    assert extras["request_id"].startswith("timing-")


async def test_without_ignore_eos_the_budget_is_an_upper_bound(running: RunningEngine) -> None:
    backend = sibling(running.backend, ignore_eos=False)
    response = await resolve(backend, GenerationRequest("eos", prompt=PROMPT, max_tokens=24))
    assert response.ok, response.error
    assert response.output_tokens is not None
    assert 1 <= response.output_tokens <= 24
    assert response.finish_reason in ("length", "stop")


async def test_without_streaming_the_output_arrives_whole(running: RunningEngine) -> None:
    backend = sibling(running.backend, stream=False)
    response = await resolve(backend, GenerationRequest("whole", prompt=PROMPT, max_tokens=16))
    assert response.ok, response.error
    assert response.chunk_tokens == [16]
    assert response.output_tokens == 16


async def test_same_seed_same_text(running: RunningEngine) -> None:
    first = await resolve(running.backend, GenerationRequest("seed-a", prompt=PROMPT, max_tokens=12))
    second = await resolve(running.backend, GenerationRequest("seed-b", prompt=PROMPT, max_tokens=12))
    assert first.text == second.text


# -- request formats ----------------------------------------------------------------------------------------------


async def test_chat_messages_go_through_the_chat_template(running: RunningEngine, tiny_tokenizer: Any) -> None:
    response = await resolve(running.backend, GenerationRequest("chat", messages=MESSAGES, max_tokens=8))
    assert response.ok, response.error
    assert response.extras["vllm"]["chat_template"] is True
    rendered = tiny_tokenizer.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    assert "<|im_start|>assistant" in rendered
    assert response.prompt_tokens == len(tiny_tokenizer.encode(rendered, add_special_tokens=False))
    assert response.output_tokens == 8


async def test_plain_format_flattens_chat_messages(running: RunningEngine, tiny_tokenizer: Any) -> None:
    backend = sibling(running.backend, request_format="plain")
    response = await resolve(backend, GenerationRequest("flat", messages=MESSAGES, max_tokens=8))
    assert response.ok, response.error
    assert response.extras["vllm"]["chat_template"] is False
    assert response.prompt_tokens == len(tiny_tokenizer.encode(flatten_messages(MESSAGES)))


async def test_chat_template_format_wraps_plain_prompts(running: RunningEngine, tiny_tokenizer: Any) -> None:
    backend = sibling(running.backend, request_format="chat_template")
    response = await resolve(backend, GenerationRequest("wrapped", prompt=PROMPT, max_tokens=8))
    assert response.ok, response.error
    rendered = tiny_tokenizer.apply_chat_template(
        [{"role": "user", "content": PROMPT}], tokenize=False, add_generation_prompt=True
    )
    assert response.prompt_tokens == len(tiny_tokenizer.encode(rendered, add_special_tokens=False))


# -- concurrency and cancellation ---------------------------------------------------------------------------------


async def test_eight_requests_at_once_are_batched(running: RunningEngine) -> None:
    requests = [GenerationRequest(f"many-{i}", prompt=f"{PROMPT} # {i}", max_tokens=32) for i in range(8)]
    responses = await asyncio.gather(*(resolve(running.backend, request) for request in requests))
    assert [r.error for r in responses if not r.ok] == []
    assert [r.output_tokens for r in responses] == [32] * 8
    # They streamed side by side: every request had its first token before any request had its last.
    assert max(r.first_token_ns or 0 for r in responses) < min(r.last_token_ns or 0 for r in responses)


async def test_cancelling_aborts_the_request_in_the_engine(running: RunningEngine) -> None:
    engine = running.backend.engine
    first_token = asyncio.Event()
    response = GenerationResponse("cancel", on_first_token=lambda _: first_token.set())
    response.mark_dispatched()
    request = GenerationRequest("cancel", prompt=PROMPT, max_tokens=450)
    task = asyncio.ensure_future(running.backend.resolve(request, response))
    await asyncio.wait_for(first_token.wait(), 60)
    assert engine.get_num_unfinished_requests() == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert engine.get_num_unfinished_requests() == 0, "the engine still holds the cancelled request"
    assert response.streamed_tokens < 450
    # The engine-core process stops stepping the request: nothing more arrives, and the engine serves on.
    tokens_at_cancel = response.streamed_tokens
    after = await resolve(running.backend, GenerationRequest("after-cancel", prompt=PROMPT, max_tokens=4))
    assert after.ok
    assert after.output_tokens == 4
    assert response.streamed_tokens == tokens_at_cancel


# -- failures are records ------------------------------------------------------------------------------------------


async def test_prompt_longer_than_the_model_is_a_failed_record(running: RunningEngine) -> None:
    response = await resolve(running.backend, GenerationRequest("long", prompt="word " * 2000, max_tokens=4))
    assert response.error is not None
    assert response.error.kind is ErrorKind.BACKEND
    assert "512" in response.error.message or "length" in response.error.message.lower()
    assert response.ended_ns is not None


async def test_bad_sampling_params_are_a_failed_record(running: RunningEngine) -> None:
    bad = GenerationRequest("bad-temp", prompt=PROMPT, params={"temperature": -1.0})
    response = await resolve(running.backend, bad)
    assert response.error is not None
    assert response.error.kind is ErrorKind.BACKEND
    assert "temperature" in response.error.message
    unknown = await resolve(running.backend, GenerationRequest("bad-key", prompt=PROMPT, params={"tempreture": 1}))
    assert unknown.error is not None
    assert "tempreture" in unknown.error.message
    # and the engine is unharmed
    ok = await resolve(running.backend, GenerationRequest("ok", prompt=PROMPT, max_tokens=2))
    assert ok.ok, ok.error


async def test_started_backend_pickles_without_its_engine(running: RunningEngine) -> None:
    again = pickle.loads(pickle.dumps(running.backend))  # noqa: S301 - our own bytes
    assert again.args == running.backend.args
    assert again.engine is None


# -- last: shutdown ------------------------------------------------------------------------------------------------


async def test_shutdown_leaves_no_process_and_no_socket(running: RunningEngine) -> None:
    backend = running.backend
    await backend.process_shutdown()
    await backend.process_shutdown()  # twice is fine
    assert backend.engine is None
    assert gc.get_freeze_count() == 0, "unfrozen again, so that the engine's cycles are collected"
    assert wait_gone(running.processes) == []
    sockets = [path for path in running.tmpdir.rglob("*") if path.is_socket()]
    assert sockets == []
    response = await resolve(backend, GenerationRequest("late", prompt=PROMPT))
    assert response.error is not None
    assert "not started" in response.error.message
