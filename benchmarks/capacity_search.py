"""Benchmark: the capacity search against simulated servers whose capacity is known in closed form.

For each serving model below the simulated server runs in a child process (``--max-streams`` slots, FIFO queue) and
``gaugellm run -p capacity --slo ...`` searches it; the found capacity is compared with
``gaugellm_openai.mock.closed_form_capacity``. Targets per configuration: within 5 % of the truth, at most 10 probes,
under 3 minutes of wall time.

    hatch run python benchmarks/capacity_search.py [--probe-seconds 10] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from runner_support import conditions, load_json, run_cli, verdict

from gaugellm_openai.mock import MockServerConfig, closed_form_capacity, mock_server

#: name -> (server config, SLO). Capacities from tens to hundreds of requests per second; one with ITL growing with
#: the batch, one where the SLO sits on TPOT instead of TTFT.
CONFIGS: dict[str, tuple[dict[str, Any], str]] = {
    "32 slots, fixed ITL": (
        {"max_streams": 32, "ttft_ms": 20.0, "itl_ms": 2.0, "output_tokens": "64"},
        "ttft<=250ms",
    ),
    "16 slots, ITL grows with the batch": (
        {"max_streams": 16, "ttft_ms": 30.0, "itl_ms": 3.0, "itl_growth_ms": 0.2, "output_tokens": "64"},
        "ttft<=500ms,tpot<=20ms",
    ),
    "8 slots, slow decode": (
        {"max_streams": 8, "ttft_ms": 50.0, "itl_ms": 5.0, "output_tokens": "64"},
        "latency_from_schedule<=2s",
    ),
}
MAX_ERROR = 0.05
MAX_PROBES = 10
MAX_WALL_S = 180.0


def search(name: str, server: dict[str, Any], slo: str, probe_seconds: float) -> bool:
    config = MockServerConfig(**server)
    truth = closed_form_capacity(config)
    with tempfile.TemporaryDirectory() as folder, mock_server(config, in_process=False) as running:
        out = Path(folder) / "capacity.json"
        args = ["run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": running.url}), "-p", "capacity"]
        args += ["--slo", slo, "-t", str(probe_seconds), "--no-records", "-q", "-o", str(out)]
        args += ["--data", f"prompt_tokens=32,output_tokens={config.output_range[0]}"]
        result = run_cli(args, sampling=False)
        if result.returncode != 0:
            raise SystemExit(f"FAIL: gaugellm exited with {result.returncode}: {result.stderr.strip()}")
        capacity = load_json(out)["capacity"]
    found = capacity["capacity"] or 0.0
    error = found / truth - 1
    probes = len(capacity["probes"])
    print(f"\n{name}: {server}, SLO {slo}")
    print(
        f"  truth {truth:.2f} req/s; found {found:.2f} (bracket {found:.2f} .. {capacity['upper'] or 0:.2f}, "
        f"status {capacity['status']}); error {error:+.2%}; {probes} probes; {result.wall_s:.0f} s wall"
    )
    for probe in capacity["probes"]:
        stage, verdict_text, decided = probe["benchmark"], probe["verdict"], probe["decided_by"]
        print(f"    {stage:>14}  {verdict_text:>8}  {decided:>14}  {probe['duration_s']:.1f} s")
    ok = abs(error) <= MAX_ERROR and probes <= MAX_PROBES and result.wall_s <= MAX_WALL_S
    verdict(ok, f"{name}: within {MAX_ERROR:.0%}, at most {MAX_PROBES} probes, under {MAX_WALL_S:.0f} s")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--probe-seconds", type=float, default=10.0, help="--max-seconds of each probe")
    parser.add_argument("--only", choices=sorted(CONFIGS), help="run one configuration")
    options = parser.parse_args()
    print(f"conditions: {conditions()}; probes at most {options.probe_seconds:g} s")
    results = [
        search(name, server, slo, options.probe_seconds)
        for name, (server, slo) in CONFIGS.items()
        if options.only in (None, name)
    ]
    verdict(all(results), f"{sum(results)}/{len(results)} configurations")


if __name__ == "__main__":
    main()
