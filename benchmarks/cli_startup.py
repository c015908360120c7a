"""Start-up time of the CLI: `gaugellm --help` and `gaugellm backends list` (target: median <= 150 ms each).

Run: hatch run python benchmarks/cli_startup.py [--runs 30]
Measures wall time of complete processes (interpreter start included), after two warm-up runs that fill the OS
page cache, with stdout to a pipe as a script would use it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_MS = 150.0
COMMANDS = (["--help"], ["backends", "list"], ["backends", "list", "--json"])


def wall_ms(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    executable = Path(sys.executable).parent / "gaugellm"
    failed = False
    for arguments in COMMANDS:
        command = [str(executable), *arguments]
        for _ in range(2):
            wall_ms(command)
        samples = sorted(wall_ms(command) for _ in range(options.runs))
        median = statistics.median(samples)
        p90 = samples[int(0.9 * (len(samples) - 1))]
        verdict = "PASS" if median <= TARGET_MS else "FAIL"
        failed |= verdict == "FAIL"
        print(
            f"gaugellm {' '.join(arguments):<22} median {median:6.1f} ms  p90 {p90:6.1f} ms  "
            f"min {samples[0]:6.1f} ms  ({options.runs} runs)  target <= {TARGET_MS:.0f} ms  {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
