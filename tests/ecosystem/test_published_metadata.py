"""Our wheels as a package index would show them: licence inside, complete metadata, one version, READMEs that render.

Built from the working tree with uv, like every ecosystem test; ``hatch run release:check`` adds ``twine check`` on
the same wheels and the sdists.
"""

from __future__ import annotations

import email
import re
import zipfile
from email.message import Message
from pathlib import Path

import pytest

from .conftest import REPO, Wheelhouse

pytestmark = [pytest.mark.ecosystem, pytest.mark.slow]

OURS = {
    "gaugellm": "gaugellm/__about__.py",
    "gaugellm-backend-openai": "gaugellm_openai/__init__.py",
    "gaugellm-backend-vllm": "gaugellm_vllm/__init__.py",
    "gaugellm-collector-prometheus": "gaugellm_prometheus/__init__.py",
    "gaugellm-executor-ray": "gaugellm_ray/__init__.py",
}
URL_LABELS = {"Homepage", "Documentation", "Source", "Issues"}


def metadata_of(wheel: Path) -> tuple[Message, set[str], zipfile.ZipFile]:
    archive = zipfile.ZipFile(wheel)
    (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    return email.message_from_bytes(archive.read(name)), set(archive.namelist()), archive


@pytest.mark.parametrize("project", sorted(OURS))
def test_each_wheel_is_ready_for_an_index(project: str, wheelhouse: Wheelhouse) -> None:
    meta, names, archive = metadata_of(wheelhouse.build(project))
    with archive:
        licence = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
        assert archive.read(licence) == (REPO / "LICENSE").read_bytes()
        version_text = archive.read(OURS[project]).decode()
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["License-File"] == "LICENSE"
    # one source for the version: what the wheel says is what the package itself says at runtime
    match = re.search(r'^__version__ = "([^"]+)"', version_text, re.M)
    assert match is not None
    assert meta["Version"] == match.group(1)
    assert {url.split(",")[0] for url in meta.get_all("Project-URL") or []} >= URL_LABELS
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert any(c.startswith("Programming Language :: Python :: 3.1") for c in classifiers)
    assert meta["Description-Content-Type"] == "text/markdown"
    readme = meta.get_payload()
    assert isinstance(readme, str)
    assert readme.strip()
    relative = re.findall(r"\]\((?!https?://)([^)]+)\)", readme)
    assert not relative, f"{project}'s README links to paths an index cannot follow: {relative}"


def test_every_package_holds_the_same_licence_as_the_repository() -> None:
    licence = (REPO / "LICENSE").read_bytes()
    for pyproject in (REPO / "packages").glob("*/pyproject.toml"):
        assert (pyproject.parent / "LICENSE").read_bytes() == licence, pyproject.parent
