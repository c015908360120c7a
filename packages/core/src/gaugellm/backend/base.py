"""``Backend``: what a plugin implements to generate text for the runner.

Lifecycle in a worker process::

    backend = MyBackend(args)           # cheap: no I/O, no heavy imports; the instance must pickle
    await backend.process_startup()     # open clients, load engines, import heavy libraries (here, not at module top)
    await backend.validate()            # prove the target serves; raise BackendUnavailableError if not
    await backend.resolve(request, response)   # many at once, on one event loop
    await backend.process_shutdown()    # release everything; must be safe to call twice

``resolve`` fills a :class:`~gaugellm.backend.schemas.GenerationResponse` the runner created, instead of returning
one, for two reasons: the backend stamps each chunk where its data arrives (``response.record_chunk``), and the runner
sees the first token the moment it happens (``response.on_first_token``) and can cancel the task at any point while
keeping what was recorded so far.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from gaugellm.backend.args import BackendArgs
from gaugellm.backend.schemas import GenerationRequest, GenerationResponse

__all__ = ["Backend"]

ArgsT = TypeVar("ArgsT", bound=BackendArgs)


class Backend(ABC, Generic[ArgsT]):
    """Base class of every backend. Only :meth:`resolve` is required; the rest have sensible defaults."""

    def __init__(self, args: ArgsT) -> None:
        self.args = args

    @classmethod
    def create(cls, args: BackendArgs) -> Backend[Any]:
        """Build this backend class from ``args``.

        Building the backend that ``args.type`` names is the plugin layer's job (``gaugellm.create_backend``):
        this contract module knows nothing of discovery.
        """
        if cls is Backend:
            raise TypeError(
                "Backend is the base class; build a named backend with gaugellm.create_backend(args), "
                "or call create() on the backend's own class"
            )
        return cls(args)  # type: ignore[arg-type]  # a subclass's own args class, checked by the plugin layer

    # -- limits the runner must respect -------------------------------------------------------------------------

    @property
    def processes_limit(self) -> int | None:
        """How many worker processes may each hold one instance; ``None`` means no limit (an engine that owns a
        device says 1)."""
        return None

    @property
    def requests_limit(self) -> int | None:
        """How many requests one instance may have in flight at once; ``None`` means no limit."""
        return None

    @property
    def info(self) -> dict[str, Any]:
        """What the report should say about this backend (JSON-safe, no secrets). Subclasses extend it."""
        return {"type": self.args.type, "class": f"{type(self).__module__}.{type(self).__qualname__}"}

    # -- lifecycle ----------------------------------------------------------------------------------------------

    async def process_startup(self) -> None:
        """Acquire per-process resources (clients, engines). Called once per worker, before anything else."""

    async def validate(self) -> None:
        """Check that the backend can serve; raise :class:`gaugellm.errors.BackendUnavailableError` if not."""

    async def default_model(self) -> str | None:
        """The model to use when the args name none (e.g. the first one a server lists)."""
        return None

    @abstractmethod
    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        """Run one request, recording into ``response`` as data arrives.

        Call ``response.record_chunk(text, tokens)`` for each piece of output as it arrives, ``response.set_usage``
        for token counts, ``response.finish(reason)`` at the end. Failures become records through
        ``response.fail(kind, message, status_code)``: do not raise for a failed request. Cancellation arrives as
        ``asyncio.CancelledError``; let it propagate after closing what the request opened.
        """

    async def process_shutdown(self) -> None:
        """Release per-process resources. Must be idempotent: the runner may call it after a failed startup."""
