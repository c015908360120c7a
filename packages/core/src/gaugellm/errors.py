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
    "DisabledPluginError",
    "DuplicatePluginError",
    "IncompatiblePluginError",
    "PluginArgsError",
    "PluginError",
    "PluginLoadError",
    "UnknownPluginError",
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


class PluginError(GaugeError):
    """A problem with one named plugin of one kind (backend, executor, collector)."""

    def __init__(self, name: str, message: str, *, kind: str = "backend") -> None:
        super().__init__(message)
        self.name = name
        self.kind = kind


#: The plugins this project publishes, and the distribution that brings each: an install hint names a real package.
KNOWN_DISTRIBUTIONS: dict[tuple[str, str], str] = {
    ("backend", "openai_http"): "gaugellm-backend-openai",
    ("backend", "vllm"): "gaugellm-backend-vllm",
    ("executor", "ray"): "gaugellm-executor-ray",
    ("collector", "prometheus"): "gaugellm-collector-prometheus",
}


def _hint(kind: str, name: str, installed: list[str]) -> str:
    """``did you mean X?`` for a near miss, the distribution for one of ours, else where to look."""
    import difflib

    close = difflib.get_close_matches(name, installed, n=2, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}?"
    known = KNOWN_DISTRIBUTIONS.get((kind, name))
    if known is not None:
        return f"it comes with {known}: `pip install {known}`"
    ours = sorted(dist for (k, _), dist in KNOWN_DISTRIBUTIONS.items() if k == kind)
    others = f" ({', '.join(ours)} are ours)" if ours else ""
    return f"install the distribution that provides it{others}, or see `{_list_command(kind)}`"


def _names(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none"


def _list_command(kind: str) -> str:
    return "gaugellm backends list" if kind == "backend" else f"gaugellm plugins list --kind {kind}"


class UnknownPluginError(PluginError):
    """No installed distribution (and no in-process registration) provides the name."""

    def __init__(self, name: str, installed: Iterable[str], *, kind: str = "backend") -> None:
        self.installed = sorted(installed)
        super().__init__(
            name,
            f"{kind} {name!r} is not installed; installed: {_names(self.installed)}; "
            + _hint(kind, name, self.installed),
            kind=kind,
        )


class PluginLoadError(PluginError):
    """The plugin is installed but importing it (or checking what it exports) failed."""

    def __init__(self, name: str, distribution: str | None, cause: str, *, kind: str = "backend") -> None:
        self.distribution = distribution
        self.cause = cause
        where = f" (from {distribution})" if distribution else ""
        fix = (
            f"reinstall or upgrade it (`pip install -U {distribution}`), or remove it (`pip uninstall {distribution}`)"
            if distribution
            else "fix the registration"
        )
        super().__init__(name, f"{kind} {name!r}{where} failed to load: {cause}; {fix}", kind=kind)


class IncompatiblePluginError(PluginError):
    """The plugin's requirement on ``gaugellm`` excludes the installed core, so it is never imported."""

    def __init__(
        self, name: str, distribution: str, requirement: str, core_version: str, *, kind: str = "backend"
    ) -> None:
        self.distribution = distribution
        self.requirement = requirement
        super().__init__(
            name,
            f"{kind} {name!r} (from {distribution}) requires {requirement}, but gaugellm {core_version} is installed; "
            f"install a version of {distribution} built for gaugellm {core_version.split('.')[0]}.x "
            f"(`pip install -U {distribution}`) or a matching gaugellm",
            kind=kind,
        )


class DuplicatePluginError(PluginError):
    """Two or more distributions claim the same plugin name."""

    def __init__(self, name: str, distributions: Iterable[str], *, kind: str = "backend") -> None:
        self.distributions = sorted(distributions)
        super().__init__(
            name,
            f"{kind} name {name!r} is claimed by several distributions: {' and '.join(self.distributions)}; "
            "uninstall all but one of them",
            kind=kind,
        )


class DisabledPluginError(PluginError):
    """The user disabled the plugin through its kind's ``GAUGELLM_DISABLED_...`` variable."""

    def __init__(self, name: str, variable: str, *, kind: str = "backend") -> None:
        super().__init__(name, f"{kind} {name!r} is disabled by the environment variable {variable}", kind=kind)


# The names from when every plugin was a backend; the same classes.
BackendError = PluginError
UnknownBackendError = UnknownPluginError
BackendLoadError = PluginLoadError
IncompatibleBackendError = IncompatiblePluginError
DuplicateBackendError = DuplicatePluginError
DisabledBackendError = DisabledPluginError


class PluginArgsError(GaugeError):
    """Arguments for a plugin do not validate. The message lists every bad field, never a secret's value."""


class BackendArgsError(PluginArgsError):
    """Arguments for a backend do not validate."""


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
        message = error["msg"]
        if error["type"] == "value_error":
            message = message.removeprefix("Value error, ")  # our own validators' messages are whole sentences
        problems.append(f"{where}: {message}")
    more = f" (and {len(errors) - len(shown)} more)" if len(shown) < len(errors) else ""
    return "; ".join(problems) + more
