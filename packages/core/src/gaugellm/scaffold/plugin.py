"""Render the plugin template (``scaffold/template/*.tmpl``) into a new package folder.

The template is plain ``string.Template`` text: no templating dependency, and what is generated is readable in the
source tree exactly as the author will see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from gaugellm.__about__ import __version__
from gaugellm.errors import GaugeError
from gaugellm.plugins.metadata import NAME_PATTERN

__all__ = ["PluginNames", "write_plugin_package"]


@dataclass(frozen=True)
class PluginNames:
    """Every name the template needs, derived from the backend name."""

    name: str

    @property
    def distribution(self) -> str:
        return "gaugellm-backend-" + self.name.replace("_", "-")

    @property
    def package(self) -> str:
        return "gaugellm_" + self.name

    @property
    def class_stem(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))

    def substitutions(self) -> dict[str, str]:
        major = int(__version__.split(".")[0])
        return {
            "name": self.name,
            "distribution": self.distribution,
            "package": self.package,
            "args_class": f"{self.class_stem}BackendArgs",
            "backend_class": f"{self.class_stem}Backend",
            "core_major": str(major),
            "next_major": str(major + 1),
        }


#: template file -> path in the generated package ({package} is replaced)
LAYOUT = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "__init__.py.tmpl": "src/{package}/__init__.py",
    "args.py.tmpl": "src/{package}/args.py",
    "backend.py.tmpl": "src/{package}/backend.py",
    "test_conformance.py.tmpl": "tests/test_conformance.py",
}


def write_plugin_package(name: str, parent: Path, *, kind: str = "backend") -> Path:
    """Write a new plugin package for the ``kind`` plugin ``name`` under ``parent``; returns its folder."""
    if kind != "backend":
        raise GaugeError(f"no template for {kind} plugins yet; see docs/plugins.md")
    if not NAME_PATTERN.fullmatch(name) or name[0].isdigit():
        raise GaugeError(
            f"backend names are lowercase letters, digits and underscores, starting with a letter: {name!r}"
        )
    names = PluginNames(name)
    target = parent / names.distribution
    if target.exists():
        raise GaugeError(f"{target} already exists; choose another --path or remove it")
    values = names.substitutions()
    templates = resources.files("gaugellm.scaffold") / "template"
    for template_name, relative in LAYOUT.items():
        text = Template((templates / template_name).read_text(encoding="utf-8")).substitute(values)
        path = target / relative.format(package=names.package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (target / "src" / names.package / "py.typed").write_text("")
    return target
