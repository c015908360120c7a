"""Start-up time of the CLI: `gaugellm --help`, `backends list` and `plugins list` (target: median <= 150 ms each).

Run: hatch run python benchmarks/cli_startup.py [--runs 30] [--baseline OTHER_CHECKOUT]
Measures wall time of complete processes (interpreter start included), after two warm-up runs that fill the OS
page cache, with stdout to a pipe as a script would use it. ``--baseline`` also times another checkout's core (its
``packages/core/src`` put first on ``PYTHONPATH``), alternating the two run by run so that a noisy machine weighs on
both alike: the way to show that a change did not slow start-up down.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_MS = 150.0
COMMANDS = (
    ["--help"],
    ["backends", "list"],
    ["backends", "list", "--json"],
    ["plugins", "list"],
    ["plugins", "list", "--json"],
)


def wall_ms(command: list[str], env: dict[str, str] | None) -> float | None:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=env, check=False)
    if result.returncode != 0:
        return None  # e.g. a command the baseline does not have
    return (time.perf_counter() - started) * 1000


def summary(samples: list[float]) -> str:
    samples = sorted(samples)
    p90 = samples[int(0.9 * (len(samples) - 1))]
    return f"median {statistics.median(samples):6.1f} ms  p90 {p90:6.1f} ms  min {samples[0]:6.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline", type=Path, help="Another checkout of this repository to compare with.")
    options = parser.parse_args()
    executable = str(Path(sys.executable).parent / "gaugellm")
    baseline_env = None
    if options.baseline is not None:
        source = options.baseline.resolve() / "packages" / "core" / "src"
        baseline_env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")])),
        }
    failed = False
    for arguments in COMMANDS:
        command = [executable, *arguments]
        variants = {"this": None} | ({"baseline": baseline_env} if baseline_env is not None else {})
        for env in variants.values():
            for _ in range(2):
                wall_ms(command, env)
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(options.runs):
            for name, env in variants.items():
                elapsed = wall_ms(command, env)
                if elapsed is not None:
                    samples[name].append(elapsed)
        this = samples["this"]
        verdict = "PASS" if statistics.median(this) <= TARGET_MS else "FAIL"
        failed |= verdict == "FAIL"
        line = (
            f"gaugellm {' '.join(arguments):<22} {summary(this)}  ({options.runs} runs)  "
            f"target <= {TARGET_MS:.0f} ms  {verdict}"
        )
        if baseline_env is not None:
            base = samples["baseline"]
            line += f"\n  baseline {'':<21}{summary(base) if base else 'n/a (no such command)'}"
        print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
