"""``BackendArgs``: the complete, serialisable configuration of one backend (see :mod:`gaugellm.plugin_args`).

A worker receives its backend's args and builds the backend itself, so everything a backend needs to know is here.
Validating ``{"type": "openai_http", ...}`` into the right subclass is the plugin layer's job
(:func:`gaugellm.plugins.resolve.parse_args`): this module imports nothing from discovery.
"""

from __future__ import annotations

import builtins
from typing import ClassVar

from pydantic import Field

from gaugellm.errors import BackendArgsError, PluginArgsError
from gaugellm.plugin_args import PluginArgs, describe_validation_error

__all__ = ["BackendArgs", "describe_validation_error"]


class BackendArgs(PluginArgs):
    """Base class of every backend's arguments.

    A subclass narrows ``type`` to a ``Literal`` equal to its entry-point name::

        class MyArgs(BackendArgs):
            type: Literal["my_backend"] = "my_backend"
            target: str
            api_key: SecretStr | None = None
    """

    plugin_kind: ClassVar[str] = "backend"
    args_error: ClassVar[builtins.type[PluginArgsError]] = BackendArgsError

    type: str = Field(description="The backend's name, as registered in the entry points.")

    @classmethod
    def backend_name(cls) -> str | None:
        """The name this class declares through its ``type`` Literal (:meth:`plugin_name`)."""
        return cls.plugin_name()
