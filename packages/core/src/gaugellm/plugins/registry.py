"""Find, load and check backends: installed plugins (through stevedore) and in-process registrations.

Loading imports exactly one plugin. The decision of *what* to import is taken from fresh ``importlib.metadata``
(see :mod:`gaugellm.plugins.metadata`), and stevedore is handed exactly that entry point through its class-level
``ExtensionManager.ENTRY_POINT_CACHE``. That sidesteps stevedore's on-disk cache, whose key packs file mtimes as
float32 (about two minutes of granularity) and so can return stale names right after a plugin is reinstalled.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

from gaugellm.errors import (
    BackendLoadError,
    DisabledBackendError,
    DuplicateBackendError,
    IncompatibleBackendError,
    UnknownBackendError,
)
from gaugellm.plugins.metadata import (
    ARGS_GROUP,
    BACKENDS_GROUP,
    CORE_VERSION,
    DISABLED_ENV,
    NAME_PATTERN,
    BackendEntry,
    disabled_names,
    scan_installed,
)

if TYPE_CHECKING:  # imported late at run time: listing must not pay for pydantic
    from gaugellm.backend.args import BackendArgs
    from gaugellm.backend.base import Backend

__all__ = [
    "CheckResult",
    "check_backend",
    "get_entry",
    "list_backends",
    "load_args_class",
    "load_backend_class",
    "refresh",
    "register_backend",
    "unregister_backend",
]

REGISTERED_DISTRIBUTION = "(registered in process)"


@dataclass(frozen=True)
class _Registration:
    args_cls: type[BackendArgs]
    backend_cls: type[Backend[Any]]


_lock = threading.Lock()
_registered: dict[str, _Registration] = {}
_installed: dict[str, BackendEntry] | None = None
_loaded: dict[tuple[str, str], Any] = {}


def refresh() -> None:
    """Forget what was scanned and loaded, so that newly (un)installed plugins are seen. Tests call this."""
    global _installed
    with _lock:
        _installed = None
        _loaded.clear()
    try:
        from stevedore import ExtensionManager
    except ImportError:  # pragma: no cover - stevedore is a dependency
        return
    ExtensionManager.ENTRY_POINT_CACHE.pop(ARGS_GROUP, None)
    ExtensionManager.ENTRY_POINT_CACHE.pop(BACKENDS_GROUP, None)


def _installed_entries() -> dict[str, BackendEntry]:
    global _installed
    with _lock:
        if _installed is None:
            _installed = scan_installed()
        return _installed


def register_backend(
    name: str,
    args_cls: type[BackendArgs],
    backend_cls: type[Backend[Any]],
    *,
    replace: bool = False,
) -> None:
    """Register a backend in this process only (notebooks, tests), without packaging it.

    A registered name shadows an installed plugin of the same name only with ``replace=True``.
    """
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"backend names must match [a-z0-9_]+, got {name!r}")
    _check_classes(name, args_cls, backend_cls)
    if not replace:
        if name in _registered:
            raise DuplicateBackendError(name, [REGISTERED_DISTRIBUTION, REGISTERED_DISTRIBUTION])
        installed = _installed_entries().get(name)
        if installed is not None:
            raise DuplicateBackendError(name, [*installed.claimants, REGISTERED_DISTRIBUTION])
    _registered[name] = _Registration(args_cls, backend_cls)


def unregister_backend(name: str) -> None:
    """Undo :func:`register_backend`; unknown names are ignored."""
    _registered.pop(name, None)


def list_backends() -> list[BackendEntry]:
    """Every known backend, installed or registered, sorted by name. Imports no plugin."""
    entries = dict(_installed_entries())
    disabled = disabled_names()
    for name in _registered:
        entries[name] = BackendEntry(
            name=name,
            distribution=REGISTERED_DISTRIBUTION,
            version=None,
            status="disabled" if name in disabled else "ok",
            reason=f"disabled by {DISABLED_ENV}" if name in disabled else None,
        )
    return [entries[name] for name in sorted(entries)]


def get_entry(name: str) -> BackendEntry:
    """The entry for ``name``; raises a :class:`~gaugellm.errors.BackendError` saying why it cannot be used."""
    if name in _registered:
        if name in disabled_names():
            raise DisabledBackendError(name, DISABLED_ENV)
        return next(entry for entry in list_backends() if entry.name == name)
    entries = _installed_entries()
    entry = entries.get(name)
    if entry is None:
        usable = [known.name for known in list_backends() if known.status == "ok"]
        raise UnknownBackendError(name, usable)
    if entry.status == "duplicate":
        raise DuplicateBackendError(name, entry.claimants)
    if entry.status == "disabled":
        raise DisabledBackendError(name, DISABLED_ENV)
    if entry.status == "incompatible":
        raise IncompatibleBackendError(name, entry.distribution or "?", entry.requires_core or "?", CORE_VERSION)
    if entry.status != "ok":
        raise BackendLoadError(name, entry.distribution, entry.reason or entry.status)
    return entry


def load_args_class(name: str) -> type[BackendArgs]:
    """Import the args class of ``name`` (and nothing else)."""
    if name in _registered:
        get_entry(name)  # honours GAUGELLM_DISABLED_BACKENDS
        return _registered[name].args_cls
    loaded: type[BackendArgs] = _load(get_entry(name), ARGS_GROUP)
    return loaded


def load_backend_class(name: str) -> type[Backend[Any]]:
    """Import the backend class of ``name``."""
    if name in _registered:
        get_entry(name)
        return _registered[name].backend_cls
    loaded: type[Backend[Any]] = _load(get_entry(name), BACKENDS_GROUP)
    return loaded


def _load(entry: BackendEntry, group: str) -> Any:
    key = (entry.name, group)
    if key in _loaded:
        return _loaded[key]
    entry_point = entry.args_entry_point if group == ARGS_GROUP else entry.backend_entry_point
    assert entry_point is not None  # get_entry() only returns complete entries
    loaded = _load_entry_point(entry, group, entry_point)
    if group == ARGS_GROUP:
        _check_classes(entry.name, loaded, None, distribution=entry.distribution)
    else:
        _check_classes(entry.name, None, loaded, distribution=entry.distribution)
    _loaded[key] = loaded
    return loaded


def _load_entry_point(entry: BackendEntry, group: str, entry_point: metadata.EntryPoint) -> Any:
    from stevedore import DriverManager, ExtensionManager

    ExtensionManager.ENTRY_POINT_CACHE[group] = [entry_point]
    try:
        manager: DriverManager[Any] = DriverManager(namespace=group, name=entry.name)
    except Exception as exc:  # anything the plugin's import raises
        raise BackendLoadError(entry.name, entry.distribution, f"{type(exc).__name__}: {exc}") from exc
    return manager.driver if manager.driver is not None else manager.extensions[0].plugin


def _check_classes(
    name: str,
    args_cls: Any,
    backend_cls: Any,
    *,
    distribution: str | None = None,
) -> None:
    """Reject exports that are not what the plugin contract says, with the reason."""
    from gaugellm.backend.args import BackendArgs
    from gaugellm.backend.base import Backend

    if args_cls is not None:
        if not (isinstance(args_cls, type) and issubclass(args_cls, BackendArgs)):
            raise BackendLoadError(name, distribution, f"{args_cls!r} is not a subclass of gaugellm.BackendArgs")
        declared = args_cls.backend_name()
        if declared != name:
            raise BackendLoadError(
                name,
                distribution,
                f"{args_cls.__qualname__}.type must be Literal[{name!r}], found {declared!r}",
            )
    if backend_cls is not None and not (isinstance(backend_cls, type) and issubclass(backend_cls, Backend)):
        raise BackendLoadError(name, distribution, f"{backend_cls!r} is not a subclass of gaugellm.Backend")


@dataclass
class CheckResult:
    """What ``gaugellm backends check`` found for one backend."""

    entry: BackendEntry
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**self.entry.to_dict(), "ok": self.ok, "problems": self.problems}


def check_backend(entry: BackendEntry) -> CheckResult:
    """Import both classes of one backend and verify the contract; never raises for a broken plugin."""
    result = CheckResult(entry)
    if entry.status != "ok":
        result.problems.append(entry.reason or entry.status)
        return result
    for loader in (load_args_class, load_backend_class):
        try:
            loader(entry.name)
        except BackendLoadError as exc:
            result.problems.append(exc.cause)
        except Exception as exc:  # a plugin can raise anything at import time
            result.problems.append(f"{type(exc).__name__}: {exc}")
    return result
