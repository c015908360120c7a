"""``CollectorArgs``: the configuration of one collector (see :mod:`gaugellm.plugin_args`)."""

from __future__ import annotations

import builtins
from typing import ClassVar

from pydantic import Field

from gaugellm import bounds
from gaugellm.errors import PluginArgsError, RunConfigError
from gaugellm.plugin_args import PluginArgs

__all__ = ["CollectorArgs", "CollectorArgsError"]


class CollectorArgsError(PluginArgsError, RunConfigError):
    """Arguments for a collector do not validate."""


class CollectorArgs(PluginArgs):
    """Base class of every collector's arguments; a subclass narrows ``type`` to its entry-point name."""

    plugin_kind: ClassVar[str] = "collector"
    args_error: ClassVar[builtins.type[PluginArgsError]] = CollectorArgsError

    type: str = Field(description="The collector's name, as registered in the entry points.")
    interval_s: float = Field(
        default=1.0, ge=bounds.MIN_COLLECTOR_INTERVAL_S, le=bounds.MAX_SECONDS, description="Seconds between samples."
    )
