"""A run resolves each plugin once, in the runner's process; workers import the backend by path and never touch
discovery (no registry, no metadata scan, no stevedore), whether the plugin is installed or registered in process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import GAUGELLM

from gaugellm.plugins import registry
from gaugellm.runner.config import RunConfig
from gaugellm.runner.session import execute_run


async def test_workers_of_a_registered_backend_import_no_discovery(fake_backend: str, tmp_path: Path) -> None:
    config = RunConfig.parse({"backend": {"type": fake_backend}, "max_requests": 4, "workers": 2})
    result = await execute_run(config, handle_signals=False)
    assert result.report.backend["discovery_modules"] == []
    assert result.report.benchmarks[0].metrics.requests.successful == 4


async def test_the_runner_scans_metadata_once_per_run(fake_backend: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    scans: list[int] = []
    real = registry.metadata.entry_points

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        scans.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(registry.metadata, "entry_points", counted)
    registry.refresh()
    config = RunConfig.parse(
        {"backend": {"type": fake_backend}, "collectors": [{"type": "client"}], "max_requests": 2, "workers": 1}
    )
    await execute_run(config, handle_signals=False)
    assert len(scans) == 1  # backend, executor and collector found from one scan


def test_workers_of_an_installed_backend_import_no_discovery(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = subprocess.run(
        [*GAUGELLM, "run", "-b", "runner_fake", "-n", "4", "-w", "2", "-q", "-o", str(out)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["backend"]["discovery_modules"] == []
    assert report["backend"]["type"] == "runner_fake"
