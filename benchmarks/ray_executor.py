"""Benchmark: the ``ray`` executor against ``local`` on this machine, and many concurrent streams over two nodes.

Run on demand (it needs the hatch env ``ray``), never in the tests:

    $(hatch env find ray)/bin/python benchmarks/ray_executor.py [--seconds 10] [--workers 2] [--streams 1000,10000]

(a) **Max rate and client CPU per request**, as ``runner_max_rate.py`` measures it: the simulated server answers at
zero latency with 64-token streams (a child process), ``gaugellm run --profile throughput`` for a fixed time, the
achieved rate from the report. Client CPU for ``local`` is gaugellm's and its workers' (``wait4``); for ``ray`` the
workers are Ray's processes, not gaugellm's children, so their CPU is sampled from /proc over the cluster's process
tree: the worker actors' (``ray::RayWorker``) and the Ray daemons' (GCS, raylets, ...) counted apart.

(b) **Concurrent streams held across two nodes**: a long answer per request (the server streams slowly), ``-p
concurrent -c N`` on workers spread over the two nodes; what share of the streams completed, the peak in flight
as the server counts it, and the memory of the cluster's processes.

The cluster is two ``ray.cluster_utils`` nodes on 127.0.0.1 started by this script and removed at its end.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from runner_support import _children, conditions, load_json, run_cli

from gaugellm_openai.mock import MockServerConfig, mock_server

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # keeps Ray on the loopback address


def _stat(pid: int) -> tuple[float, int, str] | None:
    """CPU seconds (user + system), RSS in kB and command line of one process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return cpu, int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024, cmd


class TreeSampler:
    """CPU and memory of the processes under some roots, sampled until stopped (processes that exit keep their last)."""

    def __init__(self, roots: list[int], exclude: set[int], interval_s: float = 0.1) -> None:
        self.roots, self.exclude, self.interval_s = roots, exclude, interval_s
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[float, str]] = {}
        self.peak_rss_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _pids(self) -> list[int]:
        found, todo = [], list(self.roots)
        while todo:
            pid = todo.pop()
            if pid in self.exclude:
                continue
            found.append(pid)
            todo += _children(pid)
        return found

    def sample(self, *, baseline: bool = False) -> None:
        rss = 0
        for pid in self._pids():
            stat = _stat(pid)
            if stat is None:
                continue
            cpu, kb, cmd = stat
            rss += kb
            if baseline or pid not in self.first:
                self.first.setdefault(pid, cpu if baseline else 0.0)
            self.last[pid] = (cpu, cmd)
        self.peak_rss_kb = max(self.peak_rss_kb, rss)

    def _run(self) -> None:
        while not self._done.is_set():
            self.sample()
            time.sleep(self.interval_s)

    def __enter__(self) -> TreeSampler:
        self.sample(baseline=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.sample()

    def cpu_s(self, *, workers: bool) -> float:
        return sum(
            cpu - self.first.get(pid, 0.0) for pid, (cpu, cmd) in self.last.items() if ("RayWorker" in cmd) == workers
        )


def start_cluster(cpus_per_node: int) -> Any:
    from ray.cluster_utils import Cluster

    node = {"num_cpus": cpus_per_node, "object_store_memory": 100 * 1024 * 1024, "node_ip_address": "127.0.0.1"}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    cluster.add_node(**node)
    cluster.wait_for_nodes()
    return cluster


def run_args(url: str, out: Path, executor: dict[str, Any] | None, workers: int) -> list[str]:
    backend = {"target": url, "connect_timeout": 60}
    args = ["run", "-b", "openai_http", "--backend-kwargs", json.dumps(backend), "--no-records", "-q"]
    args += ["-o", str(out), "--workers", str(workers)]
    if executor is not None:
        args += ["--executor", "ray", "--executor-kwargs", json.dumps(executor)]
    return args


def max_rate(options: argparse.Namespace, cluster: Any) -> None:
    print(f"\n(a) max rate, {options.workers} workers, throughput -c {options.concurrency}, {options.seconds:g} s")
    config = MockServerConfig(ttft_ms=0, itl_ms=0, output_tokens="64")
    with tempfile.TemporaryDirectory() as folder, mock_server(config, in_process=False) as server:
        for name in ("local", "ray", "local", "ray"):  # alternated, so that drift in the machine's load is seen
            out = Path(folder) / f"{name}.json"
            executor = {"address": cluster.address, "num_cpus": 0} if name == "ray" else None
            args = run_args(server.url, out, executor, options.workers)
            args += ["-p", "throughput", "-c", str(options.concurrency), "-t", str(options.seconds), "--warmup", "1s"]
            args += ["--data", "prompt_tokens=32,output_tokens=64"]
            with TreeSampler([os.getpid()], exclude={server.pid} if server.pid else set()) as tree:
                result = run_cli(args, sampling=False)
            if result.returncode != 0:
                print(f"  {name}: FAILED ({result.returncode}): {result.stderr.strip()[-300:]}")
                continue
            metrics = load_json(out)["benchmarks"][0]["metrics"]
            sent = metrics["requests"]["total"] / max(1e-9, 1.0 - 1.0 / options.seconds)
            workers_cpu = tree.cpu_s(workers=True) if name == "ray" else 0.0
            daemons_cpu = tree.cpu_s(workers=False) - result.cpu_s if name == "ray" else 0.0
            client = result.cpu_s + workers_cpu
            print(
                f"  {name:5}: {metrics['request_rate']:7.0f} req/s, {metrics['requests']['successful']} ok "
                f"{metrics['requests']['errored']} errors; client CPU {client:.1f} s = "
                f"{client * 1000 / max(1.0, sent):.3f} ms/request (runner {result.cpu_s:.1f} s"
                + (f", actors {workers_cpu:.1f} s; Ray daemons {daemons_cpu:.1f} s more" if name == "ray" else "")
                + f"); wall {result.wall_s:.1f} s"
            )


def streams(options: argparse.Namespace, cluster: Any, count: int) -> bool:
    hold_s = options.hold_seconds
    tokens = 20
    config = MockServerConfig(ttft_ms=500, itl_ms=int(hold_s * 1000 / tokens), output_tokens=str(tokens))
    with tempfile.TemporaryDirectory() as folder, mock_server(config, in_process=False) as server:
        out = Path(folder) / "streams.json"
        executor = {"address": cluster.address, "num_cpus": 0, "start_timeout_s": 120}
        args = run_args(server.url, out, executor, options.stream_workers)
        args += ["-p", "concurrent", "-c", str(count), "-t", str(options.stream_seconds)]
        args += ["--data", f"prompt_tokens=16,output_tokens={tokens}"]
        with TreeSampler([os.getpid()], exclude={server.pid} if server.pid else set()) as tree:
            result = run_cli(args, timeout=600, sampling=False)
        if result.returncode not in (0, 1) or not out.exists():
            print(f"  {count:6} streams: FAILED ({result.returncode}): {result.stderr.strip()[-300:]}")
            return False
        report = load_json(out)
        bench = report["benchmarks"][0]["metrics"]
        requests = bench["requests"]
        done = requests["successful"] + requests["errored"]
        ok_share = requests["successful"] / max(1, done)
        print(
            f"  {count:6} streams: {requests['successful']} ok, {requests['errored']} errors, "
            f"{requests['incomplete']} cut at the end ({ok_share:.1%} of finished ok); mean concurrency "
            f"{bench['concurrency'] or 0:.0f}; TTFT p50 {bench['ttft']['p50'] or 0:.0f} ms p99 "
            f"{bench['ttft']['p99'] or 0:.0f} ms; memory peak (runner + cluster) {tree.peak_rss_kb / 1024:.0f} MB"
        )
        return ok_share > 0.99 and (bench["concurrency"] or 0) > 0.9 * count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--streams", default="1000,2500,5000,10000", help="concurrency levels, in order")
    parser.add_argument("--stream-workers", type=int, default=4)
    parser.add_argument("--stream-seconds", type=float, default=30.0)
    parser.add_argument("--hold-seconds", type=float, default=10.0, help="how long each stream lasts")
    parser.add_argument("--skip-rate", action="store_true")
    options = parser.parse_args()
    print(f"conditions: {conditions()}")
    cluster = start_cluster(cpus_per_node=2)
    try:
        if not options.skip_rate:
            max_rate(options, cluster)
        levels = [int(level) for level in options.streams.split(",") if level]
        if levels:
            print(
                f"\n(b) concurrent streams over 2 nodes, {options.stream_workers} workers, "
                f"each ~{options.hold_seconds:g} s"
            )
        for count in levels:
            if not streams(options, cluster, count):
                break
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    main()
