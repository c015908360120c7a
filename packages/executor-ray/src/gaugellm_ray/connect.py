"""Joining the Ray cluster named by ``address`` (and leaving it), with one-line errors for the user.

Ray is imported here, when a run starts, and nowhere at module level: listing or describing plugins must not pay
for it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from types import ModuleType

from gaugellm_ray.errors import RayUnavailableError

__all__ = ["connect", "disconnect", "import_ray"]

#: Seconds a ``HOST:PORT`` address gets to accept a TCP connection before the run gives up on it (Ray's own client
#: would keep retrying for much longer, which reads as a hang).
REACH_TIMEOUT_S = 5.0


def import_ray() -> ModuleType:
    """Ray itself, or :class:`RayUnavailableError` saying how to get it."""
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailableError(
            f"the ray executor needs Ray, which cannot be imported ({exc}); `pip install gaugellm-executor-ray`"
        ) from None
    return ray


def _check_reachable(address: str) -> None:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return  # not HOST:PORT ('auto', 'ray://...'): Ray resolves it and says what is wrong
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=REACH_TIMEOUT_S):
            pass
    except OSError as exc:
        raise RayUnavailableError(
            f"cannot reach the Ray cluster at {address!r}: {exc.strerror or exc}; is `ray start --head` running there?"
        ) from None


def connect(address: str | None, namespace: str | None) -> bool:
    """Join the cluster (start a one-node Ray for ``None``); ``True`` when this call did, so the run leaves it too."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    if address is not None:
        _check_reachable(address)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        ray.init(
            address=address,
            namespace=namespace,
            logging_level=logging.WARNING,
            log_to_driver=True,
            include_dashboard=False if address is None else None,
            configure_logging=True,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        with contextlib.suppress(Exception):
            ray.shutdown()
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise RayUnavailableError(f"cannot join the Ray cluster at {address!r}: {first}") from None
    return True


def disconnect() -> None:
    """Leave the cluster this process joined."""
    ray = import_ray()
    with contextlib.suppress(Exception):
        ray.shutdown()
