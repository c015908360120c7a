"""Benchmark: how late does this machine wake a sleeping process at an exact time? The floor under dispatch lag.

A worker waits for each request's scheduled time on a timerfd; the kernel makes it readable on time, but the
process then has to get a CPU. This probe does nothing else: it arms a timerfd (``gaugellm.timerfd``) for a random
moment 0.5-2 ms ahead, sleeps in ``epoll_wait`` and records how late it returned, for ``--seconds``. With
``--under-pacing-load`` it does so while ``runner_pacing.py``'s run (constant 500 req/s against the simulated server
with TTFT 50 ms / ITL 5 ms, on this machine) is going on, so that it sees what a worker sees from the OS alone: no
event loop, no other work in the process. No client on this machine can pace more precisely than this.

    hatch run python benchmarks/os_wake_latency.py [--seconds 8] [--under-pacing-load]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import select
import tempfile
import threading
import time
from pathlib import Path

from runner_support import conditions, run_cli

from gaugellm.timerfd import open_timer


def probe(seconds: float) -> list[int]:
    """Lateness (ns) of each timerfd wake-up during ``seconds``."""
    timer = open_timer()
    if timer is None:
        raise SystemExit("no timerfd here (Linux only)")
    poller = select.epoll()
    poller.register(timer.fd, select.EPOLLIN)
    lateness = []
    end = time.perf_counter_ns() + round(seconds * 1e9)
    try:
        while time.perf_counter_ns() < end:
            target = time.perf_counter_ns() + random.randint(500_000, 2_000_000)
            timer.set_ns(target)
            poller.poll()
            lateness.append(time.perf_counter_ns() - target)
            timer.clear()
    finally:
        poller.close()
        timer.close()
    return lateness


def pacing_run(seconds: float, folder: Path, done: threading.Event) -> None:
    from gaugellm_openai.mock import MockServerConfig, mock_server

    config = MockServerConfig(ttft_ms=50, itl_ms=5, output_tokens="64")
    with mock_server(config, in_process=False) as server:
        args = ["run", "-b", "openai_http", "--backend-kwargs", json.dumps({"target": server.url})]
        args += ["-p", "constant", "-r", "500", "-t", str(seconds), "--data", "prompt_tokens=32,output_tokens=64"]
        args += ["-q", "-o", str(folder / "run.json")]
        try:
            run_cli(args, sampling=False)
        finally:
            done.set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--under-pacing-load", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        if options.under_pacing_load:
            done = threading.Event()
            load = threading.Thread(target=pacing_run, args=(options.seconds + 6, Path(folder), done), daemon=True)
            load.start()
            stack.callback(load.join)
            time.sleep(4)  # server up, workers started, past the first second of the run
            if done.is_set():
                raise SystemExit("the pacing run ended before the probe started")
        lateness = sorted(probe(options.seconds))
    print(f"conditions: {conditions()}; under pacing load: {options.under_pacing_load}")

    def at(q: float) -> float:
        return lateness[min(len(lateness) - 1, int(q * len(lateness)))] / 1e6

    print(
        f"{len(lateness)} wake-ups, lateness ms: p50 {at(0.5):.3f}, p90 {at(0.9):.3f}, p99 {at(0.99):.3f}, "
        f"p99.9 {at(0.999):.3f}, max {lateness[-1] / 1e6:.3f}"
    )


if __name__ == "__main__":
    main()
