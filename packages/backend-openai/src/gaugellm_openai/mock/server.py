"""Run the simulated server on an asyncio loop: in the foreground (CLI, child process) or as a task of a loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable

from gaugellm_openai.mock.config import MockServerConfig
from gaugellm_openai.mock.protocol import MockHTTPProtocol, ServerState

__all__ = ["serve", "serve_forever", "url_of"]


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(
    config: MockServerConfig,
    stop: asyncio.Event,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Listen until ``stop`` is set, then close the listener and every connection (streams in flight are cut)."""
    loop = asyncio.get_running_loop()
    state = ServerState(config, loop)
    server = await loop.create_server(
        lambda: MockHTTPProtocol(state), host=config.host, port=config.port, reuse_address=True, backlog=1024
    )
    try:
        port = server.sockets[0].getsockname()[1]
        if on_ready is not None:
            on_ready(url_of(config.host, port))
        await stop.wait()
    finally:
        server.close()
        state.pacer.close()
        for connection in list(state.connections):
            connection.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout=2)


def serve_forever(
    config: MockServerConfig,
    on_ready: Callable[[str], None] | None = None,
    cpus: set[int] | None = None,
) -> None:
    """Run in the foreground until SIGINT or SIGTERM (what the CLI and the child process of ``mock_server`` do)."""
    if cpus:
        os.sched_setaffinity(0, cpus)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve(config, stop, on_ready)

    asyncio.run(main())
