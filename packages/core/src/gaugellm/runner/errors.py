"""The runner's own errors, beside :mod:`gaugellm.errors`: each ends ``gaugellm run`` with one readable line.

A run that measured something but did not finish (a dead target, a killed worker, too many errors, Ctrl-C) still
writes its report, marked incomplete, and *then* raises one of these, so the exit status says it did not finish.
"""

from __future__ import annotations

from gaugellm.errors import GaugeError

__all__ = [
    "BackendStartupError",
    "ReportWriteError",
    "RunIncompleteError",
    "RunInterruptedError",
    "StartupTimeoutError",
]


class BackendStartupError(GaugeError):
    """The backend could not start in a worker (and the worker's own error could not be carried over as it was)."""

    def __init__(self, message: str, *, traceback: str = "") -> None:
        super().__init__(message)
        self.traceback = traceback


class RunIncompleteError(GaugeError):
    """The run stopped before its plan was done: a worker died, the target stopped answering, too many errors."""

    exit_code = 1


class RunInterruptedError(GaugeError):
    """The user interrupted the run (Ctrl-C, SIGTERM); what was measured was written."""

    exit_code = 130


class StartupTimeoutError(BackendStartupError):
    """The workers did not start, or the backend did not pass its readiness check, within ``--startup-timeout``."""


class ReportWriteError(GaugeError):
    """The run measured something but a report file could not be written at the end; the JSON went elsewhere."""

    exit_code = 1
