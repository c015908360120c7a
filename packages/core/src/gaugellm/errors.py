"""The errors a user can cause, each with one readable message that says what to do.

Every :class:`GaugeError` ends the CLI with its message on one line and exit status 2 (no traceback unless
``--debug``). Anything else escaping the CLI is a bug in gaugellm or in a plugin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation: this module stays free of pydantic
    from pydantic import ValidationError

__all__ = [
    "BackendArgsError",
    "BackendError",
    "BackendLoadError",
    "BackendUnavailableError",
    "DataError",
    "DisabledBackendError",
    "DuplicateBackendError",
    "GaugeError",
    "IncompatibleBackendError",
    "RunConfigError",
    "UnknownBackendError",
    "validation_problems",
]


class GaugeError(Exception):
    """A problem the user can fix. ``exit_code`` is what the CLI exits with."""

    exit_code: int = 2


class BackendError(GaugeError):
    """A problem with one named backend."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _pip_name(name: str) -> str:
    return "gaugellm-backend-" + name.replace("_", "-")


def _names(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none"


class UnknownBackendError(BackendError):
    """No installed distribution (and no in-process registration) provides the name."""

    def __init__(self, name: str, installed: Iterable[str]) -> None:
        self.installed = sorted(installed)
        super().__init__(
            name,
            f"backend {name!r} is not installed; installed: {_names(self.installed)}; "
            f"try `pip install {_pip_name(name)}` or see `gaugellm backends list`",
        )


class BackendLoadError(BackendError):
    """The plugin is installed but importing it (or checking what it exports) failed."""

    def __init__(self, name: str, distribution: str | None, cause: str) -> None:
        self.distribution = distribution
        self.cause = cause
        where = f" (from {distribution})" if distribution else ""
        fix = (
            f"reinstall or upgrade it (`pip install -U {distribution}`), or remove it (`pip uninstall {distribution}`)"
            if distribution
            else "fix the registration"
        )
        super().__init__(name, f"backend {name!r}{where} failed to load: {cause}; {fix}")


class IncompatibleBackendError(BackendError):
    """The plugin's requirement on ``gaugellm`` excludes the installed core, so it is never imported."""

    def __init__(self, name: str, distribution: str, requirement: str, core_version: str) -> None:
        self.distribution = distribution
        self.requirement = requirement
        super().__init__(
            name,
            f"backend {name!r} (from {distribution}) requires {requirement}, but gaugellm {core_version} is installed; "
            f"install a version of {distribution} built for gaugellm {core_version.split('.')[0]}.x "
            f"(`pip install -U {distribution}`) or a matching gaugellm",
        )


class DuplicateBackendError(BackendError):
    """Two or more distributions claim the same backend name."""

    def __init__(self, name: str, distributions: Iterable[str]) -> None:
        self.distributions = sorted(distributions)
        super().__init__(
            name,
            f"backend name {name!r} is claimed by several distributions: {' and '.join(self.distributions)}; "
            "uninstall all but one of them",
        )


class DisabledBackendError(BackendError):
    """The user disabled the backend through ``GAUGELLM_DISABLED_BACKENDS``."""

    def __init__(self, name: str, variable: str) -> None:
        super().__init__(name, f"backend {name!r} is disabled by the environment variable {variable}")


class BackendArgsError(GaugeError):
    """Arguments for a backend do not validate. The message lists every bad field, never a secret's value."""


class BackendUnavailableError(GaugeError):
    """The backend started but cannot serve: its target is unreachable, the model is missing, and so on."""


class DataError(GaugeError):
    """A data file or synthetic data spec cannot be used. The message names the file and line."""


class RunConfigError(GaugeError):
    """A run's options contradict each other or are out of range (e.g. a rate of zero)."""


def validation_problems(
    exc: ValidationError, *, skip_loc: int = 0, limit: int | None = None, whole: str = "(arguments)"
) -> str:
    """pydantic's errors as one line, ``field: problem; ...``, never showing a value (it may be a secret).

    ``skip_loc`` drops leading parts of each field's path (e.g. the ``backend`` of ``backend.target``); ``limit`` keeps
    the first errors and says how many more there were; ``whole`` names an error about the whole object.
    """
    errors = exc.errors(include_input=False, include_url=False)
    shown = errors if limit is None else errors[:limit]
    problems = []
    for error in shown:
        where = ".".join(str(part) for part in error["loc"][skip_loc:]) or whole
        problems.append(f"{where}: {error['msg']}")
    more = f" (and {len(errors) - len(shown)} more)" if len(shown) < len(errors) else ""
    return "; ".join(problems) + more
