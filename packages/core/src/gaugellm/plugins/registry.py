"""Find, load and check plugins of every kind: installed ones (through stevedore) and in-process registrations.

Loading imports exactly one plugin. The decision of *what* to import is taken from fresh ``importlib.metadata``
(see :mod:`gaugellm.plugins.metadata`), and stevedore is handed exactly that entry point through its class-level
``ExtensionManager.ENTRY_POINT_CACHE``. That sidesteps stevedore's on-disk cache, whose key packs file mtimes as
float32 (about two minutes of granularity) and so can return stale names right after a plugin is reinstalled.

Every function takes the plugin's ``kind`` (``backend`` unless said otherwise, the only kind there once was); a
broken plugin of one kind is never even looked at when another kind is loaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, cast

from gaugellm.errors import (
    DisabledPluginError,
    DuplicatePluginError,
    IncompatiblePluginError,
    PluginLoadError,
    UnknownPluginError,
)
from gaugellm.import_paths import import_path, resolve_path
from gaugellm.plugins.kinds import KINDS, PluginKind
from gaugellm.plugins.kinds import kind as kind_named
from gaugellm.plugins.metadata import (
    CORE_VERSION,
    NAME_PATTERN,
    PluginEntry,
    disabled_names,
    scan_installed,
)

__all__ = [
    "REGISTERED_DISTRIBUTION",
    "CheckResult",
    "check_backend",
    "check_plugin",
    "get_entry",
    "import_path",
    "list_backends",
    "list_plugins",
    "load_args_class",
    "load_backend_class",
    "load_impl_class",
    "refresh",
    "register_backend",
    "register_plugin",
    "resolve_path",
    "unregister_backend",
    "unregister_plugin",
]

REGISTERED_DISTRIBUTION = "(registered in process)"


@dataclass(frozen=True)
class _Registration:
    args_cls: type[Any]
    impl_cls: type[Any]


_lock = threading.Lock()
_registered: dict[tuple[str, str], _Registration] = {}
_entry_points: Any = None  # importlib.metadata.entry_points(): one scan of every distribution
_installed: dict[str, dict[str, PluginEntry]] = {}
_loaded: dict[tuple[str, str, str], Any] = {}


def refresh() -> None:
    """Forget what was scanned and loaded, so that newly (un)installed plugins are seen. Tests call this."""
    global _entry_points
    with _lock:
        _entry_points = None
        _installed.clear()
        _loaded.clear()
    try:
        from stevedore import ExtensionManager
    except ImportError:  # pragma: no cover - stevedore is a dependency
        return
    for plugin_kind in KINDS.values():
        ExtensionManager.ENTRY_POINT_CACHE.pop(plugin_kind.args_group, None)
        ExtensionManager.ENTRY_POINT_CACHE.pop(plugin_kind.impl_group, None)


def _installed_entries(plugin_kind: PluginKind) -> dict[str, PluginEntry]:
    global _entry_points
    with _lock:
        entries = _installed.get(plugin_kind.name)
        if entries is None:
            if _entry_points is None:
                _entry_points = metadata.entry_points()  # one scan of every distribution serves every kind
            entries = _installed[plugin_kind.name] = scan_installed(plugin_kind, _entry_points)
        return entries


def register_plugin(
    name: str, args_cls: type[Any], impl_cls: type[Any], *, kind: str = "backend", replace: bool = False
) -> None:
    """Register a plugin in this process only (notebooks, tests), without packaging it.

    A registered name shadows an installed plugin of the same name only with ``replace=True``.
    """
    plugin_kind = kind_named(kind)
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"{kind} names must match [a-z0-9_]+, got {name!r}")
    _check_classes(plugin_kind, name, args_cls, impl_cls)
    if not replace:
        if (kind, name) in _registered:
            raise DuplicatePluginError(name, [REGISTERED_DISTRIBUTION, REGISTERED_DISTRIBUTION], kind=kind)
        installed = _installed_entries(plugin_kind).get(name)
        if installed is not None:
            raise DuplicatePluginError(name, [*installed.claimants, REGISTERED_DISTRIBUTION], kind=kind)
    _registered[(kind, name)] = _Registration(args_cls, impl_cls)


def unregister_plugin(name: str, *, kind: str = "backend") -> None:
    """Undo :func:`register_plugin`; unknown names are ignored."""
    _registered.pop((kind, name), None)


def list_plugins(kind: str = "backend") -> list[PluginEntry]:
    """Every known plugin of ``kind``, installed or registered, sorted by name. Imports no plugin."""
    plugin_kind = kind_named(kind)
    entries = dict(_installed_entries(plugin_kind))
    disabled = disabled_names(plugin_kind)
    for registered_kind, name in _registered:
        if registered_kind != kind:
            continue
        entries[name] = PluginEntry(
            name=name,
            distribution=REGISTERED_DISTRIBUTION,
            version=None,
            status="disabled" if name in disabled else "ok",
            reason=f"disabled by {plugin_kind.disabled_env}" if name in disabled else None,
            kind=kind,
        )
    return [entries[name] for name in sorted(entries)]


def get_entry(name: str, *, kind: str = "backend") -> PluginEntry:
    """The entry for ``name``; raises a :class:`~gaugellm.errors.PluginError` saying why it cannot be used."""
    plugin_kind = kind_named(kind)
    if (kind, name) in _registered:
        if name in disabled_names(plugin_kind):
            raise DisabledPluginError(name, plugin_kind.disabled_env, kind=kind)
        return next(entry for entry in list_plugins(kind) if entry.name == name)
    entry = _installed_entries(plugin_kind).get(name)
    if entry is None:
        usable = [known.name for known in list_plugins(kind) if known.status == "ok"]
        raise UnknownPluginError(name, usable, kind=kind)
    if entry.status == "duplicate":
        raise DuplicatePluginError(name, entry.claimants, kind=kind)
    if entry.status == "disabled":
        raise DisabledPluginError(name, plugin_kind.disabled_env, kind=kind)
    if entry.status == "incompatible":
        raise IncompatiblePluginError(
            name, entry.distribution or "?", entry.requires_core or "?", CORE_VERSION, kind=kind
        )
    if entry.status != "ok":
        raise PluginLoadError(name, entry.distribution, entry.reason or entry.status, kind=kind)
    return entry


def load_args_class(name: str, *, kind: str = "backend") -> type[Any]:
    """Import the args class of plugin ``name`` (and nothing else)."""
    if (kind, name) in _registered:
        get_entry(name, kind=kind)  # honours the kind's GAUGELLM_DISABLED_... variable
        return _registered[(kind, name)].args_cls
    loaded: type[Any] = _load(get_entry(name, kind=kind), args=True)
    return loaded


def load_impl_class(name: str, *, kind: str = "backend") -> type[Any]:
    """Import the implementation class of plugin ``name``."""
    if (kind, name) in _registered:
        get_entry(name, kind=kind)
        return _registered[(kind, name)].impl_cls
    loaded: type[Any] = _load(get_entry(name, kind=kind), args=False)
    return loaded


def _load(entry: PluginEntry, *, args: bool) -> Any:
    plugin_kind = kind_named(entry.kind)
    group = plugin_kind.args_group if args else plugin_kind.impl_group
    key = (entry.kind, entry.name, group)
    if key in _loaded:
        return _loaded[key]
    entry_point = entry.args_entry_point if args else entry.impl_entry_point
    assert entry_point is not None  # get_entry() only returns complete entries
    loaded = _load_entry_point(entry, group, entry_point)
    if args:
        _check_classes(plugin_kind, entry.name, loaded, None, distribution=entry.distribution)
    else:
        _check_classes(plugin_kind, entry.name, None, loaded, distribution=entry.distribution)
    _loaded[key] = loaded
    return loaded


def _load_entry_point(entry: PluginEntry, group: str, entry_point: metadata.EntryPoint) -> Any:
    from stevedore import DriverManager, ExtensionManager

    ExtensionManager.ENTRY_POINT_CACHE[group] = [entry_point]
    try:
        manager: DriverManager[Any] = DriverManager(namespace=group, name=entry.name)
    except Exception as exc:  # anything the plugin's import raises
        raise PluginLoadError(entry.name, entry.distribution, f"{type(exc).__name__}: {exc}", kind=entry.kind) from exc
    return manager.driver if manager.driver is not None else manager.extensions[0].plugin


def _check_classes(
    plugin_kind: PluginKind,
    name: str,
    args_cls: Any,
    impl_cls: Any,
    *,
    distribution: str | None = None,
) -> None:
    """Reject exports that are not what the kind's contract says, with the reason."""
    kind = plugin_kind.name
    if args_cls is not None:
        args_base: Any = resolve_path(plugin_kind.args_base)
        if not (isinstance(args_cls, type) and issubclass(args_cls, args_base)):
            raise PluginLoadError(
                name, distribution, f"{args_cls!r} is not a subclass of gaugellm.{args_base.__name__}", kind=kind
            )
        declared = cast(Any, args_cls).plugin_name()
        if declared != name:
            raise PluginLoadError(
                name,
                distribution,
                f"{args_cls.__qualname__}.type must be Literal[{name!r}], found {declared!r}",
                kind=kind,
            )
    if impl_cls is not None:
        impl_base = resolve_path(plugin_kind.impl_base)
        if not (isinstance(impl_cls, type) and issubclass(impl_cls, impl_base)):
            raise PluginLoadError(
                name, distribution, f"{impl_cls!r} is not a subclass of gaugellm.{impl_base.__name__}", kind=kind
            )


@dataclass
class CheckResult:
    """What ``gaugellm plugins check`` found for one plugin."""

    entry: PluginEntry
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**self.entry.to_dict(), "ok": self.ok, "problems": self.problems}


def check_plugin(entry: PluginEntry) -> CheckResult:
    """Import both classes of one plugin and verify the contract; never raises for a broken plugin."""
    result = CheckResult(entry)
    if entry.status != "ok":
        result.problems.append(entry.reason or entry.status)
        return result
    for loader in (load_args_class, load_impl_class):
        try:
            loader(entry.name, kind=entry.kind)
        except PluginLoadError as exc:
            result.problems.append(exc.cause)
        except Exception as exc:  # a plugin can raise anything at import time
            result.problems.append(f"{type(exc).__name__}: {exc}")
    return result


# -- the backend-only names this module had before plugins had kinds -----------------------------------------------


def register_backend(name: str, args_cls: type[Any], backend_cls: type[Any], *, replace: bool = False) -> None:
    """:func:`register_plugin` for a backend."""
    register_plugin(name, args_cls, backend_cls, kind="backend", replace=replace)


def unregister_backend(name: str) -> None:
    """:func:`unregister_plugin` for a backend."""
    unregister_plugin(name, kind="backend")


def list_backends() -> list[PluginEntry]:
    """:func:`list_plugins` of the backends."""
    return list_plugins("backend")


def load_backend_class(name: str) -> type[Any]:
    """:func:`load_impl_class` of a backend."""
    return load_impl_class(name, kind="backend")


check_backend = check_plugin
