"""The errors of a comparison: a user error (exit status 2) and a regression beyond the gate (exit status 3)."""

from __future__ import annotations

from gaugellm.errors import GaugeError
from gaugellm.reports.checks import CHECKS_FAILED_EXIT

__all__ = ["CompareError", "RegressionError"]


class CompareError(GaugeError):
    """The reports cannot be compared: too few, or no benchmark in common."""


class RegressionError(GaugeError):
    """A metric got worse by more than ``--fail-on-regression`` allows; every output was written first.

    The same exit status as a failed check: a pipeline reads "the build got slower" the same way from both.
    """

    exit_code = CHECKS_FAILED_EXIT
