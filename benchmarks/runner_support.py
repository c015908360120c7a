"""Shared helpers of the runner benchmarks (``runner_*.py``): run the CLI, measure its processes, read its report.

Run on demand, never in the unit tests. Each benchmark prints its numbers and conditions and a PASS/FAIL line.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GAUGELLM = [sys.executable, "-m", "gaugellm"]


@dataclass
class CliRun:
    """One ``gaugellm`` subprocess: exit status, wall time, CPU time of it and its workers, peak memory."""

    returncode: int
    wall_s: float
    cpu_s: float  # user + system of gaugellm and every worker it waited for
    peak_rss_mb: float  # the largest sum of RSS over gaugellm's process tree, sampled every 5 ms
    main_cpu_s: float  # user + system of the main process alone (last sample before it exited)
    stdout: str
    stderr: str
    samples: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _own_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
        todo += _children(current)
    return total


def run_cli(
    args: list[str], *, timeout: float = 600, env: dict[str, str] | None = None, sampling: bool = True
) -> CliRun:
    """Run ``gaugellm ARGS``; CPU comes from ``wait4`` (it includes the workers gaugellm reaped).

    ``sampling``: poll the process tree's memory (and the main process's CPU) every 5 ms. That thread walks /proc and
    takes a few percent of a core; benchmarks of timing precision turn it off, so as not to disturb what they measure
    (their peak memory and main-process CPU then read 0).
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        [*GAUGELLM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or dict(os.environ)
    )
    peak = [0, 0]
    main_cpu = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(process.pid))
            peak[1] += 1
            own = _own_cpu_s(process.pid)
            if own is not None:
                main_cpu[0] = max(main_cpu[0], own)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    if sampling:
        sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [
        threading.Thread(
            target=lambda: out_chunks.append(process.stdout.read() if process.stdout else ""), daemon=True
        ),
        threading.Thread(
            target=lambda: err_chunks.append(process.stderr.read() if process.stderr else ""), daemon=True
        ),
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    if sampling:
        sampler.join()
    for reader in readers:
        reader.join(timeout)
    return CliRun(
        returncode=process.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak[0] / 1024,
        main_cpu_s=main_cpu[0],
        stdout="".join(out_chunks),
        stderr="".join(err_chunks),
        samples=peak[1],
    )


REPO = Path(__file__).resolve().parent.parent
FAKE_BACKEND_DIR = REPO / "tests" / "core" / "runner"


def fake_backend_env(folder: Path) -> dict[str, str]:
    """An environment in which the runner tests' ``runner_fake`` backend is an installed plugin.

    It streams tokens with ``asyncio.sleep`` delays inside the worker, with no network: what it measures is the
    runner alone (pacing, dispatch, collection), without any HTTP client's cost.
    """
    info = folder / "gaugellm_runner_fake-0.0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gaugellm-runner-fake\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(
        "[gaugellm.backend_args]\nrunner_fake = runner_testing_backend:FakeArgs\n\n"
        "[gaugellm.backends]\nrunner_fake = runner_testing_backend:FakeBackend\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), str(FAKE_BACKEND_DIR), env.get("PYTHONPATH")]))
    return env


def load_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def conditions() -> str:
    """What the numbers were measured on (they are only comparable on the same machine and load)."""
    try:
        load = os.getloadavg()
        load_text = f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    except OSError:
        load_text = "load average unknown"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.python_implementation()} {platform.python_version()}, {cpus} usable CPUs, {load_text}"


def verdict(ok: bool, text: str) -> None:
    print(("PASS: " if ok else "FAIL: ") + text)
