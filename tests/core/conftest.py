"""Fixtures for core tests: real distributions (dist-info folders) put on ``sys.path`` for the test's duration.

``importlib.metadata`` reads these exactly as it reads a pip-installed package, so discovery is tested against real
metadata without building wheels (the ecosystem tests do that, slower, in fresh virtual environments).
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from gaugellm.plugins import registry


class PluginSite:
    """A folder on ``sys.path`` into which tests write distributions and their modules."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def add_distribution(
        self,
        name: str,
        version: str = "1.0.0",
        *,
        entry_points: dict[str, dict[str, str]] | None = None,
        requires: list[str] | None = None,
        modules: dict[str, str] | None = None,
    ) -> None:
        dist_info = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        dist_info.mkdir()
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        lines += [f"Requires-Dist: {requirement}" for requirement in requires or []]
        (dist_info / "METADATA").write_text("\n".join(lines) + "\n")
        if entry_points:
            text = ""
            for group, names in entry_points.items():
                text += f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in names.items()) + "\n"
            (dist_info / "entry_points.txt").write_text(text)
        for module, source in (modules or {}).items():
            path = self.root / (module.replace(".", "/") + ".py")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))
        registry.refresh()

    def add_echo_plugin(
        self,
        dist: str,
        name: str,
        *,
        module: str | None = None,
        version: str = "1.0.0",
        requires: tuple[str, ...] = ("gaugellm>=1,<2",),
        extra_source: str = "",
    ) -> str:
        """Install a small but complete backend plugin; returns its module name."""
        module = module or f"{name}_plugin_{dist.replace('-', '_')}"
        self.add_distribution(
            dist,
            version,
            entry_points={
                "gaugellm.backend_args": {name: f"{module}:EchoArgs"},
                "gaugellm.backends": {name: f"{module}:EchoBackend"},
            },
            requires=list(requires),
            modules={module: ECHO_PLUGIN.replace("{name}", name) + extra_source},
        )
        return module


@pytest.fixture
def plugin_site(tmp_path: Path) -> Iterator[PluginSite]:
    root = tmp_path / "site"
    root.mkdir()
    modules_before = set(sys.modules)
    sys.path.insert(0, str(root))
    registry.refresh()
    try:
        yield PluginSite(root)
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - modules_before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(str(root)):
                del sys.modules[name]
        registry.refresh()


ECHO_PLUGIN = '''
from typing import Literal
from pydantic import Field, SecretStr
from gaugellm import Backend, BackendArgs, GenerationRequest, GenerationResponse

class EchoArgs(BackendArgs):
    """Echoes the prompt back, one word per chunk."""
    type: Literal["{name}"] = "{name}"
    words: int = Field(default=3, description="How many words to echo.")
    api_key: SecretStr | None = Field(default=None, description="Not used; proves redaction.")

class EchoBackend(Backend[EchoArgs]):
    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        text = request.prompt or ""
        for word in text.split()[: self.args.words]:
            response.record_chunk(word + " ")
        response.set_usage(len(text.split()), len(response.chunk_times_ns), "estimate")
        response.finish("stop")
'''
