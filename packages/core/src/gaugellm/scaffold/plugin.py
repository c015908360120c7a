"""Render a plugin template (``scaffold/template/<kind>/*.tmpl``) into a new package folder.

The templates are plain ``string.Template`` text: no templating dependency, and what is generated is readable in the
source tree exactly as the author will see it. ``template/shared`` holds what every kind writes alike (the
``pyproject.toml`` with the kind's two entry-point groups, the package's ``__init__``); ``template/<kind>`` holds the
args, the implementation, the conformance test and the README of one kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from gaugellm.__about__ import __version__
from gaugellm.errors import GaugeError
from gaugellm.plugins.kinds import KINDS, PluginKind
from gaugellm.plugins.metadata import NAME_PATTERN

__all__ = ["PluginNames", "write_plugin_package"]


@dataclass(frozen=True)
class PluginNames:
    """Every name the template needs, derived from the plugin's name and kind."""

    name: str
    kind: PluginKind = KINDS["backend"]

    @property
    def distribution(self) -> str:
        return self.kind.distribution_for(self.name)

    @property
    def package(self) -> str:
        return "gaugellm_" + self.name

    @property
    def class_stem(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def impl_module(self) -> str:
        """The module the implementation lives in: ``backend``, ``executor`` or ``collector``."""
        return self.kind.name

    def substitutions(self) -> dict[str, str]:
        major = int(__version__.split(".")[0])
        suffix = self.kind.name.capitalize()
        impl_class = f"{self.class_stem}{suffix}"
        return {
            "name": self.name,
            "kind": self.kind.name,
            "distribution": self.distribution,
            "package": self.package,
            "args_group": self.kind.args_group,
            "impl_group": self.kind.impl_group,
            "impl_module": self.impl_module,
            "args_class": f"{impl_class}Args",
            "impl_class": impl_class,
            "backend_class": impl_class,  # the backend template's name for impl_class, kept as it was
            "core_major": str(major),
            "next_major": str(major + 1),
        }


#: template file (under template/) -> path in the generated package ({package} and {impl_module} are replaced);
#: {kind} in a template path is the plugin's kind.
LAYOUT = {
    "shared/pyproject.toml.tmpl": "pyproject.toml",
    "shared/__init__.py.tmpl": "src/{package}/__init__.py",
    "{kind}/README.md.tmpl": "README.md",
    "{kind}/args.py.tmpl": "src/{package}/args.py",
    "{kind}/{kind}.py.tmpl": "src/{package}/{impl_module}.py",
    "{kind}/test_conformance.py.tmpl": "tests/test_conformance.py",
}


def write_plugin_package(name: str, parent: Path, *, kind: str = "backend") -> Path:
    """Write a new plugin package for the ``kind`` plugin ``name`` under ``parent``; returns its folder."""
    if kind not in KINDS:
        raise GaugeError(f"no template for {kind} plugins; kinds: {', '.join(KINDS)}")
    if not NAME_PATTERN.fullmatch(name) or name[0].isdigit():
        raise GaugeError(
            f"{kind} names are lowercase letters, digits and underscores, starting with a letter: {name!r}"
        )
    names = PluginNames(name, KINDS[kind])
    target = parent / names.distribution
    if target.exists():
        raise GaugeError(f"{target} already exists; choose another --path or remove it")
    values = names.substitutions()
    templates = resources.files("gaugellm.scaffold") / "template"
    for template_name, relative in LAYOUT.items():
        source = templates.joinpath(*template_name.format(kind=kind).split("/"))
        text = Template(source.read_text(encoding="utf-8")).substitute(values)
        path = target / relative.format(package=names.package, impl_module=names.impl_module)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (target / "src" / names.package / "py.typed").write_text("")
    return target
