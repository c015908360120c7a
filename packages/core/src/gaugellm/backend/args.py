"""``BackendArgs``: the complete, serialisable configuration of one backend.

Args are what cross process (and later machine) boundaries: a worker receives args and builds its backend itself.
So they must be cheap to import (pydantic and gaugellm only), JSON round-trippable, and safe to print: secrets are
``SecretStr`` and are masked in every dump, ``repr`` and validation error.

Validating against the base class is polymorphic: ``BackendArgs.model_validate({"type": "openai_http", ...})``
loads only the ``openai_http`` plugin's args class (never a union of everything installed) and returns an instance
of it. The same happens when ``BackendArgs`` is a field of another model.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, SecretBytes, SecretStr, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import to_jsonable_python

from gaugellm.errors import BackendArgsError, validation_problems

__all__ = ["BackendArgs", "describe_validation_error"]


class BackendArgs(BaseModel):
    """Base class of every backend's arguments.

    A subclass narrows ``type`` to a ``Literal`` equal to its entry-point name::

        class MyArgs(BackendArgs):
            type: Literal["my_backend"] = "my_backend"
            target: str
            api_key: SecretStr | None = None
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="forbid",  # a misspelt option is an error, not silently ignored
        hide_input_in_errors=True,  # a bad value might be a secret: errors name the field, never the value
        polymorphic_serialization=True,  # a field typed BackendArgs dumps the subclass's fields
        validate_default=True,
        allow_inf_nan=False,  # no backend means a timeout or a temperature of nan or inf: refuse it in one line
    )

    type: str = Field(description="The backend's name, as registered in the entry points.")

    @model_validator(mode="wrap")
    @classmethod
    def _dispatch_on_type(cls, data: Any, handler: ModelWrapValidatorHandler[BackendArgs]) -> BackendArgs:
        if cls is not BackendArgs or isinstance(data, BackendArgs):
            return handler(data)
        if isinstance(data, str | bytes):
            data = json.loads(data)
        if not isinstance(data, Mapping):
            raise ValueError("backend arguments must be a JSON object with a 'type' field")
        name = data.get("type")
        if not isinstance(name, str) or not name:
            raise ValueError("backend arguments need a 'type' field naming the backend")
        from gaugellm.plugins.registry import load_args_class  # late: the registry imports this module

        return load_args_class(name).model_validate(dict(data))

    @classmethod
    def backend_name(cls) -> str | None:
        """The name this class declares through its ``type`` Literal, or ``None`` for an abstract base."""
        annotation = cls.model_fields["type"].annotation
        if typing.get_origin(annotation) is Literal:
            values = typing.get_args(annotation)
            if len(values) == 1 and isinstance(values[0], str):
                return values[0]
        return None

    @classmethod
    def parse(cls, data: Mapping[str, Any] | str | bytes) -> BackendArgs:
        """Validate a dict or JSON text into args; pydantic's error becomes a readable :class:`BackendArgsError`."""
        try:
            if isinstance(data, str | bytes):
                data = json.loads(data)
            return cls.model_validate(data)
        except json.JSONDecodeError as exc:
            raise BackendArgsError(f"backend arguments are not valid JSON: {exc.msg} at position {exc.pos}") from None
        except PydanticValidationError as exc:
            name = data.get("type") if isinstance(data, Mapping) else None
            subject = f"backend {name!r}" if isinstance(name, str) else exc.title
            raise BackendArgsError(describe_validation_error(exc, subject)) from None

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
