"""A real two-node Ray cluster on 127.0.0.1 (one for the whole session: starting one costs seconds), the driver
joined to it, and the simulated server. Every node is removed at the end, whatever happened."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = str(Path(__file__).parent)
if HERE not in sys.path:  # the tests' helpers (runs.py) import by name, as --import-mode=importlib does not
    sys.path.insert(0, HERE)

RAY_MISSING_REASON = (
    "tests/ray: Ray and gaugellm-executor-ray are not installed in this environment (the default one stays light); "
    "run them with `hatch run ray:test`"
)


def ray_installed() -> bool:
    return importlib.util.find_spec("ray") is not None and importlib.util.find_spec("gaugellm_ray") is not None


# Not collected where they cannot run: the default environment has neither Ray nor the plugin.
collect_ignore_glob = [] if ray_installed() else ["test_*.py"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ray_installed():
        terminalreporter.write_line(f"skipped {RAY_MISSING_REASON}")


os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
# Ray swaps 127.0.0.1 for the machine's outward address when it connects; this keeps every node on the loopback.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ.setdefault("RAY_DEDUP_LOGS", "0")

#: Small nodes: two CPUs each (two workers per node), a small object store, no dashboard.
NODE_ARGS: dict[str, Any] = {
    "num_cpus": 2,
    "object_store_memory": 100 * 1024 * 1024,
    "node_ip_address": "127.0.0.1",
}


@pytest.fixture(scope="session")
def cluster() -> Iterator[Any]:
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={
            **NODE_ARGS,
            "include_dashboard": False,
            "resources": {"loadgen": 1},
            # a node that disappears is declared dead within seconds, not half a minute
            "_system_config": {"health_check_period_ms": 500, "health_check_failure_threshold": 3},
        },
    )
    try:
        cluster.add_node(**NODE_ARGS, resources={"loadgen": 1})
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, logging_level="WARNING", log_to_driver=False)
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.fixture(scope="session")
def server() -> Iterator[Any]:
    """The simulated server in its own process, answering quickly with 8-token streams."""
    from gaugellm_openai.mock import MockServerConfig, mock_server

    with mock_server(MockServerConfig(ttft_ms=20, itl_ms=2, output_tokens="8"), in_process=False) as running:
        yield running


@pytest.fixture
def leftovers(cluster: Any) -> Iterator[None]:
    """After the test: no actor of ours alive and no placement group left on the cluster."""
    yield
    assert not alive_actors(), "actors left alive"
    assert not live_placement_groups(), "placement groups left"


def alive_actors() -> list[dict[str, Any]]:
    """Our workers' actors that are not dead, as the GCS tells (``ray.util.state`` would need the dashboard)."""
    from ray._private.state import actors

    return [
        actor
        for actor in actors().values()
        if actor["State"] != "DEAD" and "RayWorker" in str(actor.get("ActorClassName", ""))
    ]


def live_placement_groups() -> list[Any]:
    import ray

    return [group for group in ray.util.placement_group_table().values() if group["state"] != "REMOVED"]
