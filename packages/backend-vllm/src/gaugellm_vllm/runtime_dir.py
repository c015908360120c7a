"""A private folder for the engine's IPC sockets, removed at shutdown.

vLLM's engine talks to its engine-core process over ZeroMQ ``ipc://`` sockets that it creates under
``VLLM_RPC_BASE_PATH`` (by default the system temp folder) and never unlinks: every engine start leaves a handful of
socket files in ``/tmp``. A load generator starts engines again and again, so the backend points that variable at a
folder of its own for the engine's lifetime and deletes the folder afterwards. A value the user set is left alone.

A Unix socket's path holds at most 107 bytes, and vLLM names its sockets ``<folder>/<uuid4>``: under a deep temp
folder (``TMPDIR`` of a test run, a CI workspace) the engine would fail to start with ZeroMQ's "ipc path ... is longer
than 107 characters". The folder is then made in ``/tmp`` instead, and removed all the same.
"""

from __future__ import annotations

import os
import shutil
import tempfile

__all__ = ["MAX_SOCKET_PATH", "RPC_PATH_ENV", "RuntimeDir", "socket_base"]

RPC_PATH_ENV = "VLLM_RPC_BASE_PATH"

#: The longest path a Unix socket can have (``sizeof(sockaddr_un.sun_path)`` - 1 on Linux).
MAX_SOCKET_PATH = 107
_PREFIX = "gaugellm-vllm-"
# What the socket path adds to the base folder: "/gaugellm-vllm-XXXXXXXX" (mkdtemp) and "/<uuid4>" (vLLM).
_ADDED = len("/" + _PREFIX) + 8 + 1 + 36


def socket_base(temp_folder: str) -> str | None:
    """Where to make the folder: ``temp_folder`` when vLLM's socket paths fit under it, else ``/tmp``; ``None``
    (the default temp folder, and vLLM's own error) when neither fits."""
    for base in (temp_folder, "/tmp"):  # noqa: S108 - a private mkdtemp folder, removed at shutdown
        if len(os.fsencode(base)) + _ADDED <= MAX_SOCKET_PATH and os.path.isdir(base) and os.access(base, os.W_OK):
            return base
    return None


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
        self.path = tempfile.mkdtemp(prefix=_PREFIX, dir=socket_base(tempfile.gettempdir()))
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
