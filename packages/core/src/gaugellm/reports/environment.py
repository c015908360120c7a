"""Where a run happened: enough to tell two reports' machines and versions apart, nothing identifying.

No host name, user name or environment variables: a report is meant to be shared.
"""

from __future__ import annotations

import os
import platform
from typing import Any

from gaugellm.__about__ import __version__

__all__ = ["collect_environment"]


def _plugins() -> dict[str, str]:
    """Installed plugin distributions of every kind and their versions, from metadata (imports no plugin).

    The registry's scan is the one the run already made to resolve its plugins.
    """
    try:
        from gaugellm.plugins.kinds import KIND_NAMES
        from gaugellm.plugins.registry import REGISTERED_DISTRIBUTION, list_plugins

        entries = [entry for kind in KIND_NAMES for entry in list_plugins(kind)]
    except Exception:  # a broken metadata entry must not cost the run its report
        return {}
    return {
        entry.distribution: entry.version or ""
        for entry in entries
        if entry.distribution
        and entry.distribution not in ("gaugellm", REGISTERED_DISTRIBUTION)
        and len(entry.claimants) <= 1
    }


def collect_environment() -> dict[str, Any]:
    """Python, platform, CPU count, gaugellm and backend plugin versions."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": _affinity(),
        "gaugellm": __version__,
        "plugins": dict(sorted(_plugins().items())),
    }


def _affinity() -> int | None:
    """CPUs this process may run on (fewer than ``cpu_count`` in a container or under taskset)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
