"""Installed plugins of every kind, read from distribution metadata only: nothing here imports a plugin.

Everything a listing needs (name, distribution, version, the plugin's requirement on ``gaugellm``, clashes) is in
``importlib.metadata``. Deciding *before* importing is what keeps a broken or incompatible plugin from breaking the
listing, ``--help``, or the other plugins. One scan of the installed distributions serves every kind.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

from gaugellm.__about__ import __version__
from gaugellm.plugins.kinds import KINDS, PluginKind

__all__ = [
    "ARGS_GROUP",
    "BACKENDS_GROUP",
    "CLI_GROUP",
    "CORE_VERSION",
    "DISABLED_ENV",
    "NAME_PATTERN",
    "BackendEntry",
    "BackendStatus",
    "PluginEntry",
    "PluginStatus",
    "disabled_names",
    "scan_installed",
]

ARGS_GROUP = KINDS["backend"].args_group
BACKENDS_GROUP = KINDS["backend"].impl_group
CLI_GROUP = "gaugellm.cli"
DISABLED_ENV = KINDS["backend"].disabled_env
CORE_VERSION = __version__
NAME_PATTERN = re.compile(r"[a-z0-9_]+")

#: ``ok``: loadable. ``incompatible``: requires another major version of gaugellm (never imported).
#: ``duplicate``: several distributions claim the name. ``incomplete``: only one of the two entry points exists.
#: ``invalid``: the name is not ``[a-z0-9_]+``. ``disabled``: named in the kind's ``GAUGELLM_DISABLED_...`` variable.
#: ``broken``: only set by ``plugins check``, after an import failed.
PluginStatus = Literal["ok", "incompatible", "duplicate", "incomplete", "invalid", "disabled", "broken"]
BackendStatus = PluginStatus


@dataclass(frozen=True)
class PluginEntry:
    """One plugin name of one kind, as the installed metadata (or an in-process registration) describes it."""

    name: str
    distribution: str | None
    version: str | None
    status: PluginStatus
    reason: str | None = None
    args_entry_point: metadata.EntryPoint | None = field(default=None, repr=False, compare=False)
    impl_entry_point: metadata.EntryPoint | None = field(default=None, repr=False, compare=False)
    requires_core: str | None = None
    claimants: tuple[str, ...] = ()
    kind: str = "backend"

    @property
    def backend_entry_point(self) -> metadata.EntryPoint | None:
        """The implementation's entry point (the name from when every plugin was a backend)."""
        return self.impl_entry_point

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "reason": self.reason,
            "requires_core": self.requires_core,
            "args": self.args_entry_point.value if self.args_entry_point else None,
            self.kind: self.impl_entry_point.value if self.impl_entry_point else None,
        }


BackendEntry = PluginEntry


def disabled_names(kind: PluginKind | None = None) -> frozenset[str]:
    """Names listed (comma or space separated) in the kind's ``GAUGELLM_DISABLED_...`` variable."""
    raw = os.environ.get((kind or KINDS["backend"]).disabled_env, "")
    return frozenset(part for part in re.split(r"[,\s]+", raw.strip()) if part)


@dataclass
class _Claim:
    distribution: str
    version: str
    requires: list[str] | None
    args: metadata.EntryPoint | None = None
    impl: metadata.EntryPoint | None = None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _core_requirement(requires: list[str] | None) -> tuple[str | None, bool]:
    """The plugin's requirement on gaugellm (as written) and whether the installed core satisfies it."""
    if not requires:
        return None, True
    from packaging.requirements import InvalidRequirement, Requirement  # only paid when a plugin is installed

    for line in requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if _canonical(requirement.name) != "gaugellm":
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # only required by one of the plugin's extras
        return str(requirement), requirement.specifier.contains(CORE_VERSION, prereleases=True)
    return None, True


def scan_installed(kind: PluginKind | None = None, installed: Any = None) -> dict[str, PluginEntry]:
    """Every plugin name of ``kind`` (default: backends) that installed distributions declare, keyed by name.

    ``installed`` is one ``importlib.metadata.entry_points()`` result, to share a scan between kinds.
    """
    kind = kind or KINDS["backend"]
    if installed is None:
        installed = metadata.entry_points()  # EntryPoints (SelectableGroups on 3.10, which also has select())
    claims: dict[str, dict[str, _Claim]] = {}
    for group in (kind.args_group, kind.impl_group):
        for entry_point in installed.select(group=group):
            dist = entry_point.dist
            dist_name = dist.metadata["Name"] if dist is not None else "(unknown distribution)"
            # The same distribution can be visible twice on sys.path (an editable install and a source checkout);
            # that is one claimant, not a clash.
            per_name = claims.setdefault(entry_point.name, {})
            claim = per_name.get(_canonical(dist_name))
            if claim is None:
                claim = _Claim(
                    distribution=dist_name,
                    version=dist.version if dist is not None else "",
                    requires=dist.requires if dist is not None else None,
                )
                per_name[_canonical(dist_name)] = claim
            if group == kind.args_group and claim.args is None:
                claim.args = entry_point
            elif group == kind.impl_group and claim.impl is None:
                claim.impl = entry_point
    disabled = disabled_names(kind)
    return {
        name: _entry_for(kind, name, list(per_name.values()), disabled) for name, per_name in sorted(claims.items())
    }


def _entry_for(kind: PluginKind, name: str, claims: list[_Claim], disabled: frozenset[str]) -> PluginEntry:
    distributions = tuple(sorted(claim.distribution for claim in claims))
    first = claims[0]
    requirement, compatible = _core_requirement(first.requires)
    status: PluginStatus = "ok"
    reason: str | None = None
    if len(claims) > 1:
        status, reason = "duplicate", f"claimed by {' and '.join(distributions)}"
    elif not NAME_PATTERN.fullmatch(name):
        status, reason = "invalid", f"{kind.name} names must be lowercase letters, digits and underscores"
    elif name in disabled:
        status, reason = "disabled", f"disabled by {kind.disabled_env}"
    elif not compatible:
        status, reason = "incompatible", f"requires {requirement}; installed gaugellm is {CORE_VERSION}"
    elif first.args is None or first.impl is None:
        missing = kind.args_group if first.args is None else kind.impl_group
        status, reason = "incomplete", f"no entry point in {missing}"
    return PluginEntry(
        name=name,
        distribution=", ".join(distributions) if len(claims) > 1 else first.distribution,
        version=first.version if len(claims) == 1 else None,
        status=status,
        reason=reason,
        args_entry_point=first.args,
        impl_entry_point=first.impl,
        requires_core=requirement,
        claimants=distributions,
        kind=kind.name,
    )
