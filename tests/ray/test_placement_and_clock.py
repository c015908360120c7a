"""The pure parts, without a cluster: which node each worker gets, and the clock arithmetic."""

from __future__ import annotations

import pickle

import pytest

from gaugellm.backend.schemas import GenerationRequest, GenerationResponse
from gaugellm.runner.executor.messages import BeginStage, Results, Submit, WorkItem, pack_response
from gaugellm_ray.clock import ShiftedResults, estimate, shift_command, shifted
from gaugellm_ray.errors import RayPlacementError
from gaugellm_ray.placement import Node, assign, nodes_from_ray

A = Node("a" * 8, "10.0.0.1", "alpha", cpus=4, resources={"CPU": 4, "loadgen": 1})
B = Node("b" * 8, "10.0.0.2", "beta", cpus=4, resources={"CPU": 4})
C = Node("c" * 8, "10.0.0.3", "gamma", cpus=1, resources={"CPU": 1, "loadgen": 1})


def ids(nodes: list[Node]) -> str:
    return "".join(node.node_id[0] for node in nodes)


def test_spread_takes_each_node_in_turn_and_skips_full_ones() -> None:
    chosen = assign([A, B, C], 7, placement="spread", workers_per_node=None, num_cpus=1, node_resource=None)
    assert ids(chosen) == "abcabab"


def test_pack_fills_a_node_before_the_next() -> None:
    chosen = assign([A, B, C], 5, placement="pack", workers_per_node=None, num_cpus=1, node_resource=None)
    assert ids(chosen) == "aaaab"


def test_workers_per_node_and_fractional_cpus_bound_each_node() -> None:
    chosen = assign([A, B], 4, placement="pack", workers_per_node=2, num_cpus=0.5, node_resource=None)
    assert ids(chosen) == "aabb"
    assert len(assign([A], 8, placement="pack", workers_per_node=None, num_cpus=0.5, node_resource=None)) == 8
    assert len(assign([C], 50, placement="spread", workers_per_node=None, num_cpus=0, node_resource=None)) == 50


def test_a_resource_label_selects_the_nodes() -> None:
    chosen = assign([A, B, C], 3, placement="spread", workers_per_node=None, num_cpus=1, node_resource="loadgen")
    assert ids(chosen) == "aca"


def test_no_room_and_no_node_are_one_line_errors() -> None:
    with pytest.raises(RayPlacementError, match=r"3 workers do not fit on the 2 eligible Ray node\(s\): room for 2"):
        assign([C, A], 3, placement="spread", workers_per_node=1, num_cpus=1, node_resource="loadgen")
    with pytest.raises(RayPlacementError, match="no alive node with the resource 'gpu-free'"):
        assign([A, B], 1, placement="spread", workers_per_node=None, num_cpus=1, node_resource="gpu-free")


def test_nodes_from_ray_keeps_the_alive_ones_in_a_stable_order() -> None:
    described = [
        {"NodeID": "z", "Alive": True, "NodeManagerAddress": "10.0.0.9", "Resources": {"CPU": 2.0}},
        {"NodeID": "y", "Alive": False, "NodeManagerAddress": "10.0.0.1", "Resources": {"CPU": 2.0}},
        {"NodeID": "x", "Alive": True, "NodeManagerAddress": "10.0.0.2", "Resources": {"CPU": 8.0, "lg": 1.0}},
    ]
    nodes = nodes_from_ray(described)
    assert [node.node_id for node in nodes] == ["x", "z"]
    assert nodes[0].cpus == 8.0
    assert nodes[0].resources["lg"] == 1.0


def test_the_tightest_round_trip_gives_the_offset_and_half_of_it_the_uncertainty() -> None:
    # worker clock = runner clock + 1000; the slow probe would put the midpoint far off
    probes = [(0, 1000 + 50, 100), (200, 1000 + 260, 280), (400, 1000 + 900, 1400)]
    clock = estimate(probes)
    assert clock.offset_ns == 1000 + 260 - 240
    assert clock.uncertainty_ns == 40
    assert abs(clock.offset_ns - 1000) <= clock.uncertainty_ns
    assert clock.round_trips == 3
    with pytest.raises(ValueError, match="no clock probes"):
        estimate([])


def test_commands_move_to_the_workers_clock_and_responses_back() -> None:
    request = GenerationRequest("r", prompt="hi")
    moved = shift_command(Submit(1, [WorkItem(0, request, 100), WorkItem(1, request, None)]), 5)
    assert isinstance(moved, Submit)
    assert [item.scheduled_ns for item in moved.items] == [105, None]
    begin = shift_command(BeginStage(1, 10, None), -3)
    assert isinstance(begin, BeginStage)
    assert begin.start_ns == 7
    response = GenerationResponse("r", scheduled_ns=1_000, dispatched_ns=1_010, ended_ns=1_100)
    response.chunk_times_ns = [1_050, 1_060]
    results = Results(worker=0, stage_id=1, indexes=[0], packed=[pack_response(response)], dispatched=1)
    assert shifted(results, 0) is results
    back = shifted(results, -1_000)
    assert isinstance(back, ShiftedResults)
    [out] = back.responses
    assert (out.scheduled_ns, out.dispatched_ns, out.ended_ns) == (0, 10, 100)
    assert out.chunk_times_ns == [50, 60]
    assert pickle.loads(pickle.dumps(back)).responses[0].ended_ns == 100  # noqa: S301 - it still travels
