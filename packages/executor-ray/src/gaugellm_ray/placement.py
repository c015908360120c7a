"""Which node each worker runs on: a plain function of the cluster's nodes and the placement options (no Ray here).

Workers are pinned to nodes chosen here (Ray's node-affinity scheduling, not soft) rather than left to Ray's
scheduler, so that the spread is exactly what was asked for and the same for the same cluster: a load test whose
workers crowd onto one node by chance measures that node's network, not the server.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from gaugellm_ray.errors import RayPlacementError

__all__ = ["Node", "assign", "nodes_from_ray"]


@dataclass(frozen=True)
class Node:
    """One alive node of the cluster, as placement sees it."""

    node_id: str
    address: str
    hostname: str
    cpus: float
    resources: dict[str, float] = field(default_factory=dict)


def nodes_from_ray(described: Sequence[dict[str, Any]]) -> list[Node]:
    """The alive nodes out of ``ray.nodes()``, in a stable order (address, then id)."""
    nodes = [
        Node(
            node_id=str(entry["NodeID"]),
            address=str(entry.get("NodeManagerAddress", "")),
            hostname=str(entry.get("NodeManagerHostname", "")),
            cpus=float(entry.get("Resources", {}).get("CPU", 0.0)),
            resources={str(k): float(v) for k, v in entry.get("Resources", {}).items()},
        )
        for entry in described
        if entry.get("Alive")
    ]
    return sorted(nodes, key=lambda node: (node.address, node.node_id))


def _capacity(node: Node, num_cpus: float, workers_per_node: int | None) -> float:
    by_cpu = math.floor(node.cpus / num_cpus + 1e-9) if num_cpus > 0 else math.inf
    return min(by_cpu, workers_per_node if workers_per_node is not None else math.inf)


def assign(
    nodes: Sequence[Node],
    count: int,
    *,
    placement: Literal["spread", "pack"],
    workers_per_node: int | None,
    num_cpus: float,
    node_resource: str | None,
) -> list[Node]:
    """The node of each of ``count`` workers; :class:`RayPlacementError` when the eligible nodes cannot hold them."""
    eligible = [node for node in nodes if node_resource is None or node.resources.get(node_resource, 0.0) > 0]
    if not eligible:
        label = f" with the resource {node_resource!r}" if node_resource else ""
        raise RayPlacementError(f"the Ray cluster has no alive node{label} to run workers on")
    room = {node.node_id: _capacity(node, num_cpus, workers_per_node) for node in eligible}
    total = sum(room.values())
    if total < count:
        raise RayPlacementError(
            f"{count} workers do not fit on the {len(eligible)} eligible Ray node(s): room for {total:g} "
            f"(num_cpus={num_cpus:g} each, workers_per_node={workers_per_node}); ask for fewer --workers, "
            "or lower num_cpus / raise workers_per_node in --executor-kwargs"
        )
    chosen: list[Node] = []
    if placement == "pack":
        for node in eligible:
            take = int(min(room[node.node_id], count - len(chosen)))
            chosen.extend([node] * take)
            if len(chosen) == count:
                break
        return chosen
    while len(chosen) < count:
        for node in eligible:
            if room[node.node_id] >= 1 and len(chosen) < count:
                room[node.node_id] -= 1
                chosen.append(node)
    return chosen
