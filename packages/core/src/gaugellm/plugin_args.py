"""``PluginArgs``: the complete, serialisable configuration of one plugin, of any kind.

Args are what cross process (and later machine) boundaries: a worker receives args and builds its backend itself, a
run records its executor's and collectors' args in the report. So they must be cheap to import (pydantic and
gaugellm only), JSON round-trippable, and safe to print: secrets are ``SecretStr`` and are masked in every dump,
``repr`` and validation error.

This module is contract, not discovery: it imports nothing from :mod:`gaugellm.plugins`. Turning
``{"type": "openai_http", ...}`` into the right subclass (which needs the registry) is
:func:`gaugellm.plugins.resolve.parse_args`.
"""

from __future__ import annotations

import builtins
import json
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretBytes, SecretStr, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import to_jsonable_python

from gaugellm.errors import PluginArgsError, validation_problems

__all__ = ["PluginArgs", "describe_validation_error"]


class PluginArgs(BaseModel):
    """Base class of every plugin's arguments; each kind has its own subclass (``BackendArgs``, ...).

    A plugin's args class narrows ``type`` to a ``Literal`` equal to its entry-point name::

        class MyArgs(BackendArgs):
            type: Literal["my_backend"] = "my_backend"
            target: str
            api_key: SecretStr | None = None
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="forbid",  # a misspelt option is an error, not silently ignored
        hide_input_in_errors=True,  # a bad value might be a secret: errors name the field, never the value
        polymorphic_serialization=True,  # a field typed with a base class dumps the subclass's fields
        validate_default=True,
        allow_inf_nan=False,  # no plugin means a timeout or a temperature of nan or inf: refuse it in one line
    )

    #: Which kind of plugin these are the args of; each kind's base class sets it.
    plugin_kind: ClassVar[str] = "plugin"
    #: The error a failed :meth:`parse` raises.
    args_error: ClassVar[builtins.type[PluginArgsError]] = PluginArgsError

    type: str = Field(description="The plugin's name, as registered in the entry points.")

    @model_validator(mode="before")
    @classmethod
    def _refuse_abstract_base(cls, data: Any) -> Any:
        """Validating against a kind's base class cannot work (it has no plugin's fields): say what does."""
        if cls.plugin_name() is None and not isinstance(data, PluginArgs):
            raise TypeError(
                f"{cls.__name__} is the base of every {cls.plugin_kind}'s args; validate with the plugin's own args "
                f"class, or with gaugellm.parse_args(data, kind={cls.plugin_kind!r}), which picks it by 'type'"
            )
        return data

    @classmethod
    def plugin_name(cls) -> str | None:
        """The name this class declares through its ``type`` Literal, or ``None`` for an abstract base."""
        annotation = cls.model_fields["type"].annotation
        if typing.get_origin(annotation) is Literal:
            values = typing.get_args(annotation)
            if len(values) == 1 and isinstance(values[0], str):
                return values[0]
        return None

    @classmethod
    def parse(cls, data: Mapping[str, Any] | str | bytes) -> PluginArgs:
        """Validate a dict or JSON text into this class; pydantic's error becomes one readable line.

        Call it on a plugin's own args class; to pick the class from ``data["type"]`` use
        :func:`gaugellm.plugins.resolve.parse_args`.
        """
        try:
            if isinstance(data, str | bytes):
                data = json.loads(data)
            return cls.model_validate(data)
        except json.JSONDecodeError as exc:
            raise cls.args_error(
                f"{cls.plugin_kind} arguments are not valid JSON: {exc.msg} at position {exc.pos}"
            ) from None
        except PydanticValidationError as exc:
            name = data.get("type") if isinstance(data, Mapping) else None
            subject = f"{cls.plugin_kind} {name!r}" if isinstance(name, str) else exc.title
            raise cls.args_error(describe_validation_error(exc, subject)) from None

    def model_dump_revealed(self) -> dict[str, Any]:
        """A JSON-compatible dict *with secret values in clear*, for shipping args to a worker on another machine.

        Never log or report this; :meth:`model_dump` (masked) is for everything else.
        """
        revealed: dict[str, Any] = to_jsonable_python(_reveal(self.model_dump(mode="python")))
        return revealed


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr | SecretBytes):
        secret = value.get_secret_value()
        return secret.decode() if isinstance(secret, bytes) else secret
    if isinstance(value, dict):
        return {key: _reveal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(item) for item in value]
    return value


def describe_validation_error(exc: PydanticValidationError, subject: str | None = None) -> str:
    """All bad fields on one line, ``field: problem; ...``; values are never shown (they may be secrets)."""
    return f"invalid arguments for {subject or exc.title}: " + validation_problems(exc)
