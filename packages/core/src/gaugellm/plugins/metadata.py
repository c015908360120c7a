"""Installed backends, read from distribution metadata only: nothing here imports a plugin.

Everything a listing needs (name, distribution, version, the plugin's requirement on ``gaugellm``, clashes) is in
``importlib.metadata``. Deciding *before* importing is what keeps a broken or incompatible plugin from breaking the
listing, ``--help``, or the other backends.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

from gaugellm.__about__ import __version__

__all__ = [
    "ARGS_GROUP",
    "BACKENDS_GROUP",
    "CLI_GROUP",
    "CORE_VERSION",
    "DISABLED_ENV",
    "BackendEntry",
    "BackendStatus",
    "disabled_names",
    "scan_installed",
]

ARGS_GROUP = "gaugellm.backend_args"
BACKENDS_GROUP = "gaugellm.backends"
CLI_GROUP = "gaugellm.cli"
DISABLED_ENV = "GAUGELLM_DISABLED_BACKENDS"
CORE_VERSION = __version__
NAME_PATTERN = re.compile(r"[a-z0-9_]+")

#: ``ok``: loadable. ``incompatible``: requires another major version of gaugellm (never imported).
#: ``duplicate``: several distributions claim the name. ``incomplete``: only one of the two entry points exists.
#: ``invalid``: the name is not ``[a-z0-9_]+``. ``disabled``: named in ``GAUGELLM_DISABLED_BACKENDS``.
#: ``broken``: only set by ``backends check``, after an import failed.
BackendStatus = Literal["ok", "incompatible", "duplicate", "incomplete", "invalid", "disabled", "broken"]


@dataclass(frozen=True)
class BackendEntry:
    """One backend name as the installed metadata (or an in-process registration) describes it."""

    name: str
    distribution: str | None
    version: str | None
    status: BackendStatus
    reason: str | None = None
    args_entry_point: metadata.EntryPoint | None = field(default=None, repr=False, compare=False)
    backend_entry_point: metadata.EntryPoint | None = field(default=None, repr=False, compare=False)
    requires_core: str | None = None
    claimants: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "reason": self.reason,
            "requires_core": self.requires_core,
            "args": self.args_entry_point.value if self.args_entry_point else None,
            "backend": self.backend_entry_point.value if self.backend_entry_point else None,
        }


def disabled_names() -> frozenset[str]:
    """Names listed (comma or space separated) in ``GAUGELLM_DISABLED_BACKENDS``."""
    raw = os.environ.get(DISABLED_ENV, "")
    return frozenset(part for part in re.split(r"[,\s]+", raw.strip()) if part)


@dataclass
class _Claim:
    distribution: str
    version: str
    requires: list[str] | None
    args: metadata.EntryPoint | None = None
    backend: metadata.EntryPoint | None = None


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


def scan_installed() -> dict[str, BackendEntry]:
    """Every backend name that installed distributions declare, with its status, keyed by name."""
    claims: dict[str, dict[str, _Claim]] = {}
    installed = metadata.entry_points()  # one scan of every distribution, then two cheap selections
    for group in (ARGS_GROUP, BACKENDS_GROUP):
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
            if group == ARGS_GROUP and claim.args is None:
                claim.args = entry_point
            elif group == BACKENDS_GROUP and claim.backend is None:
                claim.backend = entry_point
    disabled = disabled_names()
    return {name: _entry_for(name, list(per_name.values()), disabled) for name, per_name in sorted(claims.items())}


def _entry_for(name: str, claims: list[_Claim], disabled: frozenset[str]) -> BackendEntry:
    distributions = tuple(sorted(claim.distribution for claim in claims))
    first = claims[0]
    requirement, compatible = _core_requirement(first.requires)
    status: BackendStatus = "ok"
    reason: str | None = None
    if len(claims) > 1:
        status, reason = "duplicate", f"claimed by {' and '.join(distributions)}"
    elif not NAME_PATTERN.fullmatch(name):
        status, reason = "invalid", "backend names must be lowercase letters, digits and underscores"
    elif name in disabled:
        status, reason = "disabled", f"disabled by {DISABLED_ENV}"
    elif not compatible:
        status, reason = "incompatible", f"requires {requirement}; installed gaugellm is {CORE_VERSION}"
    elif first.args is None or first.backend is None:
        missing = ARGS_GROUP if first.args is None else BACKENDS_GROUP
        status, reason = "incomplete", f"no entry point in {missing}"
    return BackendEntry(
        name=name,
        distribution=", ".join(distributions) if len(claims) > 1 else first.distribution,
        version=first.version if len(claims) == 1 else None,
        status=status,
        reason=reason,
        args_entry_point=first.args,
        backend_entry_point=first.backend,
        requires_core=requirement,
        claimants=distributions,
    )
