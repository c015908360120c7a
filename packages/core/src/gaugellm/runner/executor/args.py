"""``ExecutorArgs``: the configuration of one executor (see :mod:`gaugellm.plugin_args`)."""

from __future__ import annotations

import builtins
from typing import ClassVar, Literal

from pydantic import Field

from gaugellm.errors import PluginArgsError, RunConfigError
from gaugellm.plugin_args import PluginArgs

__all__ = ["ExecutorArgs", "ExecutorArgsError", "LocalExecutorArgs"]


class ExecutorArgsError(PluginArgsError, RunConfigError):
    """Arguments for an executor do not validate."""


class ExecutorArgs(PluginArgs):
    """Base class of every executor's arguments; a subclass narrows ``type`` to its entry-point name."""

    plugin_kind: ClassVar[str] = "executor"
    args_error: ClassVar[builtins.type[PluginArgsError]] = ExecutorArgsError

    type: str = Field(description="The executor's name, as registered in the entry points.")


class LocalExecutorArgs(ExecutorArgs):
    """Worker processes on this machine."""

    type: Literal["local"] = "local"
    uvloop: bool | None = Field(
        default=None,
        description="Run workers on uvloop (needs the uvloop extra); null: only when GAUGELLM_UVLOOP=1 asks for it.",
    )
