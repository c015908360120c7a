"""Resolve a plugin once; validate args into the plugin's own class; build it.

This is where dispatch on ``type`` lives: the contract modules (``gaugellm.backend``, the executor and collector
contracts, :mod:`gaugellm.plugin_args`) know nothing of discovery. A run resolves each plugin it uses exactly once
(entry found, metadata checked, both classes imported and checked) into a :class:`ResolvedPlugin`, and what crosses to
a worker names the classes by import path, so a worker imports them directly and never scans installed metadata.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from pydantic import ValidatorFunctionWrapHandler, WrapValidator

from gaugellm.errors import PluginArgsError, RunConfigError
from gaugellm.plugin_args import PluginArgs, describe_validation_error
from gaugellm.plugins.kinds import kind as kind_named
from gaugellm.plugins.registry import get_entry, import_path, load_args_class, load_impl_class, resolve_path

__all__ = ["ResolvedPlugin", "args_validator", "create_backend", "parse_args", "resolve"]


@dataclass(frozen=True)
class ResolvedPlugin:
    """One plugin, found and imported: its classes, and where they came from (for the report)."""

    kind: str
    name: str
    distribution: str | None
    version: str | None
    args_class: type[PluginArgs]
    impl_class: type[Any]

    @property
    def impl_path(self) -> str:
        """The implementation's ``module:QualName``, which a worker imports instead of scanning metadata."""
        return import_path(self.impl_class)

    def build(self, args: PluginArgs) -> Any:
        """The plugin built from ``args`` (which must be of this plugin's args class)."""
        if not isinstance(args, self.args_class):
            raise TypeError(f"{self.kind} {self.name!r} needs {self.args_class.__qualname__}, got {type(args)!r}")
        return self.impl_class(args)

    def check_importable(self) -> None:
        """Raise :class:`RunConfigError` unless another process can import both classes by path.

        Installed plugins always can; a class registered from a notebook's ``__main__`` or defined in a function
        cannot, and a worker would fail later with an obscure error.
        """
        for cls in (self.args_class, self.impl_class):
            path = import_path(cls)
            if cls.__module__ in ("__main__", "__mp_main__") or "<locals>" in cls.__qualname__:
                raise RunConfigError(
                    f"{self.kind} {self.name!r} is defined in {path}, which worker processes cannot import; "
                    "define its classes at the top level of an importable module"
                )
            if resolve_path(path) is not cls:
                raise RunConfigError(f"{self.kind} {self.name!r}: {path} does not name the class it was loaded as")


def resolve(name: str, *, kind: str = "backend") -> ResolvedPlugin:
    """Find ``name`` among the plugins of ``kind`` and import both its classes; a ``PluginError`` says why not."""
    entry = get_entry(name, kind=kind)
    return ResolvedPlugin(
        kind=kind,
        name=name,
        distribution=entry.distribution,
        version=entry.version,
        args_class=load_args_class(name, kind=kind),
        impl_class=load_impl_class(name, kind=kind),
    )


def parse_args(data: Mapping[str, Any] | str | bytes, *, kind: str = "backend") -> PluginArgs:
    """Validate ``data`` into the args class of the plugin its ``type`` names (importing only that plugin).

    Every problem is one readable line: the kind's args error for bad fields, a ``PluginError`` for a plugin that
    cannot be used.
    """
    plugin_kind = kind_named(kind)
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise _args_error(kind)(f"{kind} arguments are not valid JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(data, Mapping):
        raise _args_error(kind)(f"{kind} arguments must be a JSON object with a 'type' field")
    name = data.get("type")
    if not isinstance(name, str) or not name:
        raise _args_error(kind)(f"{kind} arguments need a 'type' field naming the {plugin_kind.name}")
    args_cls = load_args_class(name, kind=kind)
    try:
        args: PluginArgs = args_cls.model_validate(dict(data))
    except PydanticValidationError as exc:
        raise _args_error(kind)(describe_validation_error(exc, f"{kind} {name!r}")) from None
    return args


def _args_error(kind: str) -> type[PluginArgsError]:
    args_base: type[PluginArgs] = resolve_path(kind_named(kind).args_base)
    return args_base.args_error


def args_validator(kind: str) -> WrapValidator:
    """A pydantic validator for a field typed with a kind's args base class (``RunConfig.backend``, ...).

    A dict is validated by the args class its ``type`` names, so that a bad field is reported at its place
    (``backend.timeout``) among the other fields' problems; a plugin that cannot be used raises its ``PluginError``
    straight through, since no other problem matters until it is fixed.
    """

    def dispatch(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, PluginArgs):
            return handler(value)
        if isinstance(value, str | bytes):
            value = json.loads(value)
        if not isinstance(value, Mapping):
            raise ValueError(f"{kind} arguments must be a JSON object with a 'type' field")
        name = value.get("type")
        if not isinstance(name, str) or not name:
            raise ValueError(f"{kind} arguments need a 'type' field naming the {kind}")
        return load_args_class(name, kind=kind).model_validate(dict(value))

    validator: Callable[[Any, ValidatorFunctionWrapHandler], Any] = dispatch
    return WrapValidator(validator)


def create_backend(args: PluginArgs) -> Any:
    """The backend that ``args.type`` names, built from ``args`` (finding and importing that one plugin)."""
    return resolve(args.type, kind="backend").build(args)
