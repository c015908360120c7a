"""The kinds of plugin gaugellm knows: what each is for, where it is declared and what it must subclass.

Every kind has the same two-part shape as backends always had: an *args* class (a pydantic model, cheap to import,
JSON round-trippable, the thing that crosses to a worker) and an *implementation* class built from it, each declared
in its own entry-point group so that ``plugins show`` can describe a plugin's options by importing the args class
alone. This module names classes by import path and imports nothing, so listing stays free of pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["KINDS", "KIND_NAMES", "PluginKind", "PluginKindName", "kind"]

PluginKindName = Literal["backend", "executor", "collector"]


@dataclass(frozen=True)
class PluginKind:
    """One kind of plugin."""

    name: PluginKindName
    plural: str
    #: What the kind is for, in a few words (``plugins list`` shows it).
    purpose: str
    args_group: str
    impl_group: str
    #: Import paths of the classes a plugin of this kind must subclass.
    args_base: str
    impl_base: str
    #: Comma- or space-separated names in this variable are disabled.
    disabled_env: str
    #: How a distribution providing plugin ``x`` of this kind is conventionally named.
    distribution_prefix: str

    def distribution_for(self, name: str) -> str:
        """The conventional distribution name for plugin ``name`` (a hint, not a promise that it exists)."""
        return self.distribution_prefix + name.replace("_", "-")


KINDS: dict[str, PluginKind] = {
    "backend": PluginKind(
        name="backend",
        plural="backends",
        purpose="what requests are sent to (a server, an engine in process)",
        args_group="gaugellm.backend_args",
        impl_group="gaugellm.backends",
        args_base="gaugellm.backend.args:BackendArgs",
        impl_base="gaugellm.backend.base:Backend",
        disabled_env="GAUGELLM_DISABLED_BACKENDS",
        distribution_prefix="gaugellm-backend-",
    ),
    "executor": PluginKind(
        name="executor",
        plural="executors",
        purpose="where the workers that send requests run",
        args_group="gaugellm.executor_args",
        impl_group="gaugellm.executors",
        args_base="gaugellm.runner.executor.args:ExecutorArgs",
        impl_base="gaugellm.runner.executor.base:Executor",
        disabled_env="GAUGELLM_DISABLED_EXECUTORS",
        distribution_prefix="gaugellm-executor-",
    ),
    "collector": PluginKind(
        name="collector",
        plural="collectors",
        purpose="what is sampled beside the load (server metrics, telemetry)",
        args_group="gaugellm.collector_args",
        impl_group="gaugellm.collectors",
        args_base="gaugellm.collector.args:CollectorArgs",
        impl_base="gaugellm.collector.base:Collector",
        disabled_env="GAUGELLM_DISABLED_COLLECTORS",
        distribution_prefix="gaugellm-collector-",
    ),
}

KIND_NAMES: tuple[str, ...] = tuple(KINDS)


def kind(name: str) -> PluginKind:
    """The kind called ``name``; ``ValueError`` for another name (a programming error, not a user's)."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown plugin kind {name!r}; kinds: {', '.join(KINDS)}") from None
