"""The ``openai_http`` backend: any OpenAI-compatible server over HTTP (vLLM, TGI, llama.cpp, gateways, OpenAI).

This module is imported to list and check the plugin, so it imports no HTTP client: httpx arrives with
:mod:`gaugellm_openai.client`, which :meth:`OpenAIHTTPBackend.process_startup` imports in the worker.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from gaugellm import Backend, ErrorKind, GenerationRequest, GenerationResponse
from gaugellm.errors import BackendUnavailableError
from gaugellm_openai.args import POOLING_KINDS, OpenAIHTTPBackendArgs

if TYPE_CHECKING:
    from gaugellm_openai.client import OpenAIClient

__all__ = ["OpenAIHTTPBackend"]


class OpenAIHTTPBackend(Backend[OpenAIHTTPBackendArgs]):
    """Streams completions from an OpenAI-compatible server, stamping each chunk when its bytes arrive."""

    def __init__(self, args: OpenAIHTTPBackendArgs) -> None:
        super().__init__(args)
        self._client: OpenAIClient | None = None
        self._model: str | None = args.model
        self._model_lock: asyncio.Lock | None = None
        self._model_asked = False  # the default model was looked up (successfully or not): never ask again

    def __repr__(self) -> str:  # the args' repr already masks secrets; this one names only what is safe
        return f"{type(self).__name__}(target={self.args.target!r}, model={self._model!r})"

    def __getstate__(self) -> dict[str, Any]:
        # a client (sockets, an event loop's futures) belongs to one process; a pickled backend starts without one
        return {"args": self.args, "_model": self._model}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.args = state["args"]
        self._model = state["_model"]
        self._client = None
        self._model_lock = None
        self._model_asked = False

    @property
    def requests_limit(self) -> int | None:
        return self.args.max_connections  # more would queue in the client's pool and inflate TTFT

    @property
    def info(self) -> dict[str, Any]:
        info = {
            **super().info,
            "target": self.args.target,
            "model": self._model,
            "request_format": self.args.request_format,
            "stream": self.args.stream,
            "http2": self.args.http2,
        }
        if self.args.api_kind in POOLING_KINDS:
            info["stream"] = False  # these answers are never streamed, whatever the args say
            info["batch_size"] = self.args.batch_size
        return info

    # -- lifecycle --------------------------------------------------------------------------------------------

    async def process_startup(self) -> None:
        if self._client is None or self._client.closed:
            from gaugellm_openai.client import OpenAIClient  # httpx is imported here, in the worker only

            self._client = OpenAIClient(self.args)

    async def process_shutdown(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def validate(self) -> None:
        client = self._require_client()
        await client.check_ready()
        if self._model is None:
            self._model = await self.default_model()

    async def default_model(self) -> str | None:
        models = await self._require_client().list_models()
        if not models:
            raise BackendUnavailableError(f"{self.args.target} lists no models; name one with the 'model' argument")
        return models[0]

    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        client = self._client
        if client is None:  # a runner bug, but it must cost this request only
            response.fail(ErrorKind.BACKEND, "resolve() was called before process_startup()")
            response.finish()
            return
        model = self._model
        if model is None and not self._model_asked:
            model = await self._lazy_model()
        await client.resolve(request, response, model)

    # -- helpers ------------------------------------------------------------------------------------------------

    def _require_client(self) -> OpenAIClient:
        if self._client is None:
            raise RuntimeError("OpenAIHTTPBackend: call process_startup() first")
        return self._client

    async def _lazy_model(self) -> str | None:
        """The default model when ``validate`` was skipped; asked once. ``None`` lets the server pick (vLLM does)."""
        if self._model_lock is None:
            self._model_lock = asyncio.Lock()
        async with self._model_lock:
            if self._model is None and not self._model_asked:
                try:
                    self._model = await self.default_model()
                except BackendUnavailableError:
                    pass  # requests go without a model: they then fail with the server's own, precise error
                finally:
                    self._model_asked = True
        return self._model
