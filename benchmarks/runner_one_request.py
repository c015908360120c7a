"""Benchmark (c): one request end to end, from a cold ``gaugellm run`` to its report on disk.

The simulated server is already up (its start is not counted). Measured: the wall time of the whole ``gaugellm``
process (interpreter start, imports, config, data, worker start-up, the request, shutdown, report written) and the
peak of the summed resident memory of gaugellm and all its worker processes (sampled every 5 ms from /proc).
Targets: at most 1.5 s and 250 MB.

    hatch run python benchmarks/runner_one_request.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from runner_support import conditions, load_json, run_cli, verdict

from gaugellm_openai.mock import MockServerConfig, mock_server

WALL_TARGET_S = 1.5
MEMORY_TARGET_MB = 250.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    walls, peaks = [], []
    with tempfile.TemporaryDirectory() as folder, mock_server(MockServerConfig(output_tokens="64")) as server:
        for attempt in range(options.repeat):
            out = Path(folder) / f"run{attempt}.json"
            args = ["run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url})]
            args += ["--max-requests", "1", "-q", "-o", str(out)]
            result = run_cli(args)
            if result.returncode != 0 or not out.exists():
                raise SystemExit(f"FAIL: gaugellm exited with {result.returncode}: {result.stderr.strip()}")
            report = load_json(out)
            assert report["benchmarks"][0]["metrics"]["requests"]["successful"] == 1
            walls.append(result.wall_s)
            peaks.append(result.peak_rss_mb)
            print(
                f"run {attempt + 1}: {result.wall_s:.3f} s wall, {result.cpu_s:.3f} s CPU, "
                f"peak {result.peak_rss_mb:.0f} MB "
                f"({result.samples} samples), workers {report['environment']['executor']['workers']}"
            )
    print(f"conditions: {conditions()}")
    wall, peak = statistics.median(walls), max(peaks)
    print(f"median wall {wall:.3f} s (min {min(walls):.3f}, max {max(walls):.3f}); peak memory {peak:.0f} MB")
    verdict(wall <= WALL_TARGET_S, f"median wall {wall:.3f} s (target <= {WALL_TARGET_S} s)")
    verdict(
        peak <= MEMORY_TARGET_MB, f"peak memory of all processes {peak:.0f} MB (target <= {MEMORY_TARGET_MB:.0f} MB)"
    )


if __name__ == "__main__":
    main()
