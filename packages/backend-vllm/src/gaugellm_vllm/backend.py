"""The ``vllm`` backend: a vLLM ``AsyncLLM`` engine inside the worker process.

Measuring an engine in-process, without an HTTP server in front of it, shows what the engine itself delivers; the
gap to the same model behind vLLM's OpenAI server is what the server and the network cost.

vLLM is imported only in :meth:`VLLMBackend.process_startup` (through :mod:`gaugellm_vllm.engine`), so creating,
pickling and describing this backend costs nothing where vLLM is missing. Outputs are requested in DELTA mode: each
engine output carries only its new tokens, and is recorded the moment it reaches this coroutine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from typing import Any

from gaugellm import Backend, ErrorKind, GenerationRequest, GenerationResponse
from gaugellm.errors import BackendUnavailableError
from gaugellm_vllm.args import VLLMBackendArgs
from gaugellm_vllm.engine import VLLMApi, build_engine_args, load_vllm, start_engine
from gaugellm_vllm.prompts import render_prompt
from gaugellm_vllm.reasoning import (
    ReasoningParserSetup,
    ReasoningSplit,
    check_reasoning_parser_name,
    load_reasoning_parser,
)
from gaugellm_vllm.runtime_dir import RuntimeDir
from gaugellm_vllm.sampling import sampling_kwargs
from gaugellm_vllm.timing import engine_timing

__all__ = ["VLLMBackend"]


class VLLMBackend(Backend[VLLMBackendArgs]):
    """Generate with a vLLM engine owned by this process (one engine per process: it owns the device)."""

    def __init__(self, args: VLLMBackendArgs) -> None:
        super().__init__(args)
        self._api: VLLMApi | None = None
        self._engine: Any = None
        self._tokenizer: Any = None
        self._reasoning: ReasoningParserSetup | None = None
        self._runtime_dir = RuntimeDir()
        self._requests_started = 0
        self._gc_frozen = False

    # An engine lives in one process; a pickled backend carries only its args and starts its own engine.
    def __getstate__(self) -> dict[str, Any]:
        return {"args": self.args}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["args"])  # type: ignore[misc]

    @property
    def processes_limit(self) -> int | None:
        return 1

    @property
    def info(self) -> dict[str, Any]:
        info = super().info
        info.update(
            model=self.args.model,
            task=self.args.task,
            request_format=self.args.request_format,
            stream=self.args.stream,
            reasoning_parser=self.args.reasoning_parser,
            vllm_config=self.args.model_dump(mode="json")["vllm_config"],  # secrets masked
        )
        if self._api is not None:
            info["vllm_version"] = self._api.version
        return info

    @property
    def engine(self) -> Any:
        """The running ``AsyncLLM`` (``None`` before start-up and after shutdown); for tests and diagnostics."""
        return self._engine

    # -- lifecycle ----------------------------------------------------------------------------------------------

    async def process_startup(self) -> None:
        if self._engine is not None:
            return
        api = load_vllm()
        engine_args = build_engine_args(api, self.args.model, self.args.engine_kwargs())
        if self.args.reasoning_parser is not None:
            check_reasoning_parser_name(self.args.reasoning_parser, api.version)
        self._runtime_dir.enter()
        try:
            # The engine is only ever held by ``self``, never by a local: vLLM leaves frames alive (caches, logging)
            # whose ``f_back`` chain reaches this one, and a local here would keep the engine alive past shutdown.
            self._engine = start_engine(api, engine_args)
        except BaseException:
            self._runtime_dir.exit()
            raise
        self._api = api
        self._tokenizer = _tokenizer_of(self._engine)
        if self.args.reasoning_parser is not None:
            try:
                self._reasoning = load_reasoning_parser(self.args.reasoning_parser, self._engine, self.args.model)
            except BaseException:
                await self.process_shutdown()  # an engine nobody can use must not outlive a failed start-up
                raise
        # vLLM, torch and the engine leave hundreds of thousands of long-lived objects in this process; a full
        # collection of them stalls the event loop for a few hundred ms (seen: ~280 ms, 8 requests' TTFT at once).
        # vLLM's own server freezes its start-up heap for the same reason (freeze_gc_heap): do the same, so that
        # in-process and server numbers compare like for like. Undone at shutdown, so that the engine is collected.
        gc.collect()
        gc.freeze()
        self._gc_frozen = True

    async def validate(self) -> None:
        engine = self._engine
        if engine is None or self._api is None:
            raise BackendUnavailableError("the vllm backend is not started: process_startup did not run or failed")
        if self.args.request_format == "chat_template" and not getattr(self._tokenizer, "chat_template", None):
            raise BackendUnavailableError(
                f"request_format is 'chat_template' but the tokenizer of {self.args.model!r} has no chat template"
            )
        try:
            await engine.check_health()
            request_id = self._next_request_id("validate")
            if self.args.task == "embed":
                async for _ in engine.encode({"prompt": "ping"}, self._api.PoolingParams(task="embed"), request_id):
                    pass
            else:
                params = self._api.SamplingParams(max_tokens=1, output_kind=self._api.RequestOutputKind.FINAL_ONLY)
                async for _ in engine.generate({"prompt": "ping"}, params, request_id):
                    pass
        except Exception as exc:
            verb = "embed" if self.args.task == "embed" else "generate"
            raise BackendUnavailableError(
                f"the vLLM engine for {self.args.model!r} cannot {verb}: {type(exc).__name__}: {exc}"
            ) from exc

    async def default_model(self) -> str | None:
        return self.args.model

    async def process_shutdown(self) -> None:
        engine, self._engine = self._engine, None
        self._tokenizer = None
        self._reasoning = None
        if self._gc_frozen:
            gc.unfreeze()
            self._gc_frozen = False
        if engine is not None:
            _shutdown_engine(engine)
            # vLLM asks (thread-safely) for its output-handler task to be cancelled; let that happen on this loop.
            handler = getattr(engine, "output_handler", None)
            if isinstance(handler, asyncio.Task) and not handler.done():
                await asyncio.wait([handler], timeout=5)
            del engine, handler
            # The engine sits in reference cycles: collect it now, while vLLM's modules are intact.
            gc.collect()
        self._runtime_dir.exit()

    # -- requests -----------------------------------------------------------------------------------------------

    def _next_request_id(self, request_id: str) -> str:
        # The runner's ids may repeat (warm-up, retries); the engine's must not while a request is in flight.
        self._requests_started += 1
        return f"{request_id}-{self._requests_started}"

    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        engine, api = self._engine, self._api
        if engine is None or api is None:
            response.fail(ErrorKind.BACKEND, "the vllm backend is not started: process_startup did not run or failed")
            response.finish()
            return
        engine_request_id = self._next_request_id(request.request_id)
        if self.args.task == "embed":
            await self._embed(engine, api, request, response, engine_request_id)
            return
        try:
            prompt = render_prompt(request, self.args.request_format, self._tokenizer)
            output_kind = api.RequestOutputKind.DELTA if self.args.stream else api.RequestOutputKind.FINAL_ONLY
            params = api.SamplingParams(**sampling_kwargs(self.args, request), output_kind=output_kind)
        except Exception as exc:  # bad params or a missing chat template: this request fails, the run goes on
            response.fail(ErrorKind.BACKEND, f"invalid request for vLLM: {type(exc).__name__}: {exc}")
            response.finish()
            return

        output_tokens = 0
        finish_reason: str | None = None
        last: Any = None
        split = ReasoningSplit(self._reasoning) if self._reasoning is not None else None
        try:
            async for out in engine.generate(
                prompt.prompt, params, engine_request_id, tokenization_kwargs=prompt.tokenization_kwargs
            ):
                if out.outputs:
                    completion = out.outputs[0]
                    new_tokens = len(completion.token_ids)
                    if split is not None:
                        at_ns = time.perf_counter_ns()  # when the output arrived, not when it was parsed
                        finished = completion.finish_reason is not None
                        pieces = split.split(
                            completion.text, list(completion.token_ids), out.prompt_token_ids, finished
                        )
                        for text, tokens, reasoning in pieces:
                            response.record_chunk(text, tokens, at_ns, reasoning=reasoning)
                    elif new_tokens:
                        response.record_chunk(completion.text, tokens=new_tokens)
                    output_tokens += new_tokens
                    finish_reason = completion.finish_reason or finish_reason
                last = out
        except asyncio.CancelledError:
            # vLLM aborts on cancellation too, but only from inside its generator; aborting here as well makes sure
            # the engine stops spending steps on a request nobody reads, whichever await the cancel hit.
            with contextlib.suppress(Exception):  # a dead engine has nothing left to abort
                await engine.abort(engine_request_id)
            raise
        except Exception as exc:
            response.fail(ErrorKind.BACKEND, f"vLLM failed the request: {type(exc).__name__}: {exc}")
            response.finish(finish_reason)
            return

        if last is None or not last.finished:
            response.fail(ErrorKind.INCOMPLETE, "the engine ended the stream before the request finished")
        prompt_tokens = len(last.prompt_token_ids) if last is not None and last.prompt_token_ids is not None else None
        response.set_usage(prompt_tokens, output_tokens, "engine")
        response.extras["vllm"] = {
            "request_id": engine_request_id,
            "chat_template": prompt.used_chat_template,
            "num_cached_tokens": getattr(last, "num_cached_tokens", None),
            "engine_timing": engine_timing(getattr(last, "metrics", None)),
        }
        if self._reasoning is not None:
            response.extras["vllm"]["reasoning_parser"] = self._reasoning.name
        response.finish(finish_reason)

    async def _embed(
        self, engine: Any, api: Any, request: GenerationRequest, response: GenerationResponse, request_id: str
    ) -> None:
        """One embedding: the prompt through the pooling model, timed from dispatch to the vector (no tokens)."""
        try:
            prompt = render_prompt(request, self.args.request_format, self._tokenizer)
            params = api.PoolingParams(task="embed")
        except Exception as exc:
            response.fail(ErrorKind.BACKEND, f"invalid request for vLLM: {type(exc).__name__}: {exc}")
            response.finish()
            return
        last: Any = None
        try:
            async for out in engine.encode(
                prompt.prompt, params, request_id, tokenization_kwargs=prompt.tokenization_kwargs
            ):
                last = out
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await engine.abort(request_id)
            raise
        except Exception as exc:
            response.fail(ErrorKind.BACKEND, f"vLLM failed the embedding: {type(exc).__name__}: {exc}")
            response.finish()
            return
        if last is None or not last.finished:
            response.fail(ErrorKind.INCOMPLETE, "the engine ended the request before its embedding")
        prompt_tokens = len(last.prompt_token_ids) if last is not None and last.prompt_token_ids is not None else None
        response.set_usage(prompt_tokens, None, "engine")
        data = getattr(getattr(last, "outputs", None), "data", None)
        response.extras["vllm"] = {
            "request_id": request_id,
            "dimensions": None if data is None else len(data),
        }
        response.finish("stop")


def _tokenizer_of(engine: Any) -> Any:
    """The engine's tokenizer, or ``None`` when the engine runs without one (``skip_tokenizer_init``)."""
    try:
        return engine.get_tokenizer()
    except Exception:  # plain prompts still work without it; chat templates do not
        return None


def _shutdown_engine(engine: Any) -> None:
    """Stop the engine (synchronous in vLLM: ends the engine-core process, closes its sockets) exactly once.

    ``AsyncLLM.__del__`` calls ``shutdown`` again whenever the object is finally collected; if that happens at
    interpreter exit, vLLM's module globals are already gone and it prints a ``TypeError``. Everything is released
    here, so the instance's later ``shutdown`` calls are made no-ops.
    """
    try:
        engine.shutdown()
    finally:
        engine.shutdown = _already_shut_down


def _already_shut_down(*args: Any, **kwargs: Any) -> None:
    """Stands in for ``AsyncLLM.shutdown`` once the backend has shut the engine down."""
