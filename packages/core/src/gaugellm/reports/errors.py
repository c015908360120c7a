"""The one error type of the reports package (a :class:`GaugeError`: one readable line, exit status 2)."""

from __future__ import annotations

from gaugellm.errors import GaugeError

__all__ = ["ReportError"]


class ReportError(GaugeError):
    """A report cannot be read or written: a missing or malformed file, a newer version, an unknown format."""
