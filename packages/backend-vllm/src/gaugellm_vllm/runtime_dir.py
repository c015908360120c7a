"""A private folder for the engine's IPC sockets, removed at shutdown.

vLLM's engine talks to its engine-core process over ZeroMQ ``ipc://`` sockets that it creates under
``VLLM_RPC_BASE_PATH`` (by default the system temp folder) and never unlinks: every engine start leaves a handful of
socket files in ``/tmp``. A load generator starts engines again and again, so the backend points that variable at a
folder of its own for the engine's lifetime and deletes the folder afterwards. A value the user set is left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile

__all__ = ["RPC_PATH_ENV", "RuntimeDir"]

RPC_PATH_ENV = "VLLM_RPC_BASE_PATH"


class RuntimeDir:
    """Owns ``VLLM_RPC_BASE_PATH`` between :meth:`enter` and :meth:`exit` (the environment is per process, and so is
    the engine: the backend's ``processes_limit`` is 1)."""

    def __init__(self) -> None:
        self.path: str | None = None
        self._previous: str | None = None

    def enter(self) -> None:
        """Create the folder and point vLLM at it, unless the user chose a folder already."""
        if self.path is not None or os.environ.get(RPC_PATH_ENV):
            return
        self.path = tempfile.mkdtemp(prefix="gaugellm-vllm-")
        self._previous = os.environ.get(RPC_PATH_ENV)
        os.environ[RPC_PATH_ENV] = self.path

    def exit(self) -> None:
        """Remove the folder and restore the environment. Safe to call twice, or without :meth:`enter`."""
        path, self.path = self.path, None
        if path is None:
            return
        if os.environ.get(RPC_PATH_ENV) == path:
            if self._previous is None:
                os.environ.pop(RPC_PATH_ENV, None)
            else:
                os.environ[RPC_PATH_ENV] = self._previous
        shutil.rmtree(path, ignore_errors=True)
