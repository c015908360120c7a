"""``RayExecutorArgs``: where the workers run on a Ray cluster, and how sure their clocks must be.

Cheap to import (pydantic only, no Ray): ``gaugellm plugins show --kind executor ray`` reads this class alone.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gaugellm.runner.executor.args import ExecutorArgs

__all__ = ["RayExecutorArgs"]


class RayExecutorArgs(ExecutorArgs):
    """Workers as Ray actors spread over a cluster's nodes, dispatching on the runner's timeline."""

    type: Literal["ray"] = "ray"
    address: str | None = Field(
        default="auto",
        description=(
            "The cluster to join, as ray.init takes it: 'auto' (the cluster this machine belongs to), "
            "'HOST:PORT' (its GCS), or null to start a one-node Ray on this machine for the run."
        ),
    )
    namespace: str | None = Field(default=None, description="The Ray namespace the workers' actors live in.")
    placement: Literal["spread", "pack"] = Field(
        default="spread",
        description="'spread': one worker per node in turn; 'pack': fill a node (up to workers_per_node) first.",
    )
    workers_per_node: int | None = Field(
        default=None, ge=1, description="At most this many workers on one node; null: as many as its CPUs allow."
    )
    node_resource: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "Only nodes that declare this custom resource (`ray start --resources '{\"NAME\": 1}'`) host workers."
        ),
    )
    num_cpus: float = Field(default=1.0, ge=0, description="CPUs each worker reserves on its node.")
    max_clock_uncertainty_ms: float = Field(
        default=5.0,
        gt=0,
        description="Refuse to start when a worker's clock offset to the runner is known less well than this.",
    )
    clock_probes: int = Field(
        default=16,
        ge=1,
        le=1000,
        description="Round trips per worker to measure its clock offset (the tightest counts).",
    )
    start_timeout_s: float = Field(
        default=120.0, gt=0, description="How long workers may take to be placed, start and validate their backend."
    )
    liveness_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="A worker that does not answer its event poll for this long is declared lost (and killed).",
    )
