"""The ``ray`` executor's own errors: each ends ``gaugellm run`` with one line and exit status 2."""

from __future__ import annotations

from gaugellm.errors import GaugeError

__all__ = ["ClockUncertaintyError", "RayPlacementError", "RayUnavailableError"]


class RayUnavailableError(GaugeError):
    """The Ray cluster at ``address`` cannot be reached (or Ray is not installed)."""


class RayPlacementError(GaugeError):
    """The cluster has no room for the workers asked for, under the placement options given."""


class ClockUncertaintyError(GaugeError):
    """A worker's clock offset to the runner is known less precisely than ``max_clock_uncertainty_ms`` allows."""
