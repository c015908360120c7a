"""Multi-turn conversations end to end against the simulated server, checked on what the server received.

The server records every request it gets (``record_requests``). Its answers are the same words for the same length,
so each turn's history can be checked against the answer the server gave to the turn before (the length is in the
record), and the arrival times show the think time and how many conversations ran at once.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from gaugellm_openai.mock.content import token_text

from .conftest import StartServer

ENV = {k: v for k, v in os.environ.items() if not k.startswith("GAUGELLM_")}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gaugellm", "run", "-q", *args],
        capture_output=True, text=True, timeout=180, cwd=tmp_path, env=ENV, check=False,
    )  # fmt: skip


def received(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def answer(tokens: int) -> str:
    return "".join(token_text(i) for i in range(tokens))


def conversations(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The received requests grouped by conversation (its first user message), each in arrival order."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r["arrived_s"]):
        users = [m["content"] for m in record["payload"]["messages"] if m["role"] == "user"]
        grouped[users[0]].append(record)
    return list(grouped.values())


def check_history(conversation: list[dict[str, Any]], think_s: float) -> None:
    """Turn k+1 holds turn k's messages, the answer the server gave to turn k, then one new user message."""
    for earlier, later in itertools.pairwise(conversation):
        before, after = earlier["payload"]["messages"], later["payload"]["messages"]
        assert after[: len(before)] == before
        assert after[len(before)] == {"role": "assistant", "content": answer(earlier["output_tokens"])}
        assert [m["role"] for m in after[len(before) + 1 :]] == ["user"]
        assert later["arrived_s"] - earlier["arrived_s"] >= think_s


def most_at_once(groups: list[list[dict[str, Any]]]) -> int:
    spans = sorted((group[0]["arrived_s"], group[-1]["arrived_s"]) for group in groups)
    return max(sum(1 for start, end in spans if start <= at <= end) for at, _ in spans)


def test_closed_loop_users_carry_real_history(start_server: StartServer, tmp_path: Path) -> None:
    log = tmp_path / "received.jsonl"
    server = start_server(output_tokens="4-20", ttft_ms=5, itl_ms=1, record_requests=str(log))
    result = run(
        tmp_path, "--target", server.url, "-p", "concurrent", "-c", "3", "-n", "40",
        "--data", "turns=5,prompt_tokens=16,output_tokens=30,system_tokens=60,think_s=0.05",
        "--check", "turns.5.requests.total>=8", "-o", "run.json", "-o", "run.csv", "-o", "run.html",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    groups = conversations(received(log))
    assert [len(group) for group in groups] == [5] * 8
    system = {group[0]["payload"]["messages"][0]["content"] for group in groups}
    assert len(system) == 1  # one system prompt shared by every conversation
    for group in groups:
        check_history(group, think_s=0.05)
        assert [len(r["payload"]["messages"]) for r in group] == [2, 4, 6, 8, 10]
    assert most_at_once(groups) == 3  # three users, each in one conversation at a time

    report = json.loads((tmp_path / "run.json").read_text())
    (benchmark,) = report["benchmarks"]
    assert benchmark["metrics"]["requests"]["total"] == 40
    turns = benchmark["turns"]
    assert list(turns) == ["1", "2", "3", "4", "5"]
    assert all(turns[k]["requests"]["total"] == 8 for k in turns)
    # each turn's prompt holds the history: the server counted longer prompts turn by turn
    lengths = [turns[k]["prompt_length"]["mean"] for k in turns]
    assert lengths == sorted(lengths)
    assert lengths[-1] > lengths[0] + 4 * 16
    assert report["config"]["data_description"]["kind"] == "conversations"
    assert [c["passed"] for c in report["checks"]] == [True]
    rows = list(csv.DictReader((tmp_path / "run.csv").open()))
    assert [row["turn"] for row in rows] == ["", "1", "2", "3", "4", "5"]
    assert "concurrent@3 · turn 5" in (tmp_path / "run.html").read_text()


def test_open_loop_conversations_start_at_the_rate(start_server: StartServer, tmp_path: Path) -> None:
    log = tmp_path / "received.jsonl"
    server = start_server(output_tokens="8", ttft_ms=2, itl_ms=1, record_requests=str(log))
    result = run(
        tmp_path, "--target", server.url, "-p", "constant", "-r", "20", "-n", "30",
        "--data", "turns=3,prompt_tokens=16,output_tokens=8,think_s=0.2", "-o", "run.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    groups = conversations(received(log))
    assert [len(group) for group in groups] == [3] * 10
    starts = [group[0]["arrived_s"] for group in groups]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert all(0.035 < gap < 0.065 for gap in gaps), gaps  # a new conversation every 50 ms
    for group in groups:
        check_history(group, think_s=0.2)
    # conversations overlap: the rate does not wait for one to end before the next starts
    assert most_at_once(groups) >= 5
    report = json.loads((tmp_path / "run.json").read_text())
    turns = report["benchmarks"][0]["turns"]
    assert [turns[k]["requests"]["total"] for k in ("1", "2", "3")] == [10, 10, 10]


def test_sharegpt_file_with_recorded_history(start_server: StartServer, tmp_path: Path) -> None:
    log = tmp_path / "received.jsonl"
    server = start_server(output_tokens="6", record_requests=str(log))
    chats = tmp_path / "chats.jsonl"
    rows = [
        {"conversations": [
            {"from": "human", "value": f"Question {n}?"}, {"from": "gpt", "value": f"Recorded answer {n}."},
            {"from": "human", "value": f"Follow-up {n}?"}, {"from": "gpt", "value": "Fine."},
        ]}
        for n in range(4)
    ]  # fmt: skip
    chats.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run(
        tmp_path, "--target", server.url, "-p", "synchronous", "-n", "8",
        "--data", f"path={chats},history=recorded", "-o", "run.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    groups = conversations(received(log))
    assert len(groups) == 4
    for group in groups:
        first, second = (r["payload"]["messages"] for r in group)
        number = first[0]["content"].split()[1].rstrip("?")
        assert second == [*first, {"role": "assistant", "content": f"Recorded answer {number}."},
                          {"role": "user", "content": f"Follow-up {number}?"}]  # fmt: skip
    report = json.loads((tmp_path / "run.json").read_text())
    assert report["config"]["data_description"]["history"] == "recorded"


def test_a_failed_turn_ends_its_conversation(start_server: StartServer, tmp_path: Path) -> None:
    log = tmp_path / "received.jsonl"
    server = start_server(output_tokens="4", error_rate=0.3, seed=3, record_requests=str(log))
    result = run(
        tmp_path, "--target", server.url, "-p", "concurrent", "-c", "4", "-n", "60",
        "--data", "turns=4,prompt_tokens=8,output_tokens=4", "-o", "run.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = received(log)
    report = json.loads((tmp_path / "run.json").read_text())
    requests = report["benchmarks"][0]["metrics"]["requests"]
    # the server records the requests it answers; with the ones it failed on purpose, that is all it got, and
    # all that was measured: the turns after a failed one were never sent
    assert requests["errored"] > 0
    assert requests["total"] == len(records) + requests["errored"] < 60
    for group in conversations(records):
        check_history(group, think_s=0.0)


def test_a_bad_conversation_row_is_one_line_and_exit_2(tmp_path: Path) -> None:
    chats = tmp_path / "chats.jsonl"
    chats.write_text(json.dumps({"conversations": [{"from": "human", "value": "hi"}]}) + '\n{"conversations": 3}\n')
    result = run(tmp_path, "--target", "http://127.0.0.1:9", "-n", "10", "--data", str(chats))
    assert result.returncode == 2
    assert "chats.jsonl line 2: 'conversations' must be a list" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_reasoning_models_history_carries_its_answer_not_its_reasoning(
    start_server: StartServer, tmp_path: Path
) -> None:
    log = tmp_path / "received.jsonl"
    server = start_server(output_tokens="8", reasoning_tokens=3, record_requests=str(log))
    result = run(
        tmp_path, "--target", server.url, "-p", "synchronous", "-n", "4",
        "--data", "turns=2,prompt_tokens=8,output_tokens=8", "-o", "run.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for first, second in conversations(received(log)):
        answered = second["payload"]["messages"][len(first["payload"]["messages"])]
        assert answered == {"role": "assistant", "content": "".join(token_text(i) for i in range(3, 8))}


def test_conversations_from_a_config_file(start_server: StartServer, tmp_path: Path) -> None:
    log = tmp_path / "received.jsonl"
    server = start_server(output_tokens="4", record_requests=str(log))
    (tmp_path / "run.yaml").write_text(
        f"backend: {{type: openai_http, target: '{server.url}'}}\n"
        "profile: concurrent\nconcurrency: 2\nmax_requests: 12\n"
        "data:\n  turns: {min: 2, max: 4}\n  prompt_tokens: 8\n  output_tokens: 4\n  think_s: 0.01\n"
        "checks: ['turns.2.requests.total>=1']\n"
    )
    result = run(tmp_path, "--config", "run.yaml", "-o", "run.json")
    assert result.returncode == 0, result.stderr
    groups = conversations(received(log))
    assert sum(len(group) for group in groups) == 12
    assert {len(group) for group in groups} <= {2, 3, 4}
    report = json.loads((tmp_path / "run.json").read_text())
    assert report["config"]["data_description"]["turns"] == {"distribution": "uniform", "min": 2, "max": 4}


def test_conversations_as_one_traffic_class(start_server: StartServer, tmp_path: Path) -> None:
    log = tmp_path / "received.jsonl"
    server = start_server(output_tokens="4", record_requests=str(log))
    result = run(
        tmp_path, "--target", server.url, "-p", "concurrent", "-c", "2", "-n", "40",
        "--class", "chat=1:turns=3,prompt_tokens=8,output_tokens=4",
        "--class", "single=1:prompt_tokens=8,output_tokens=5", "-o", "run.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    groups = conversations(received(log))
    chats = [group for group in groups if group[0]["payload"]["max_tokens"] == 4]
    assert [len(group) for group in chats if len(group) != 3] in ([], [1], [2])  # the last may be cut at -n
    assert chats, "some conversations ran"
    benchmark = json.loads((tmp_path / "run.json").read_text())["benchmarks"][0]
    classes, turns = benchmark["classes"], benchmark["turns"]
    # every turn of a conversation counts for its class: the single requests are the one-request groups
    assert classes["chat"]["requests"]["total"] == sum(len(group) for group in chats)
    assert classes["single"]["requests"]["total"] == len(groups) - len(chats) == 40 - sum(len(g) for g in chats)
    assert turns["2"]["requests"]["total"] == sum(1 for group in chats if len(group) >= 2)


def test_a_sweep_over_conversations_offers_conversations_the_server_can_serve(
    start_server: StartServer, tmp_path: Path
) -> None:
    """A sweep's rates are conversations begun per second: its highest is about what the throughput stage served,
    over the conversations' turns, and each rate stage achieves what it was asked for, counted the same way."""
    server = start_server(output_tokens="8", ttft_ms=5, itl_ms=1)
    result = run(
        tmp_path, "--target", server.url, "-p", "sweep", "-r", "2", "-t", "3",
        "--data", "turns=4,prompt_tokens=16,output_tokens=8", "-o", "run.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _, throughput, *rates = json.loads((tmp_path / "run.json").read_text())["benchmarks"]
    served = throughput["metrics"]["request_rate"]
    assert [stage["turns"]["1"]["requests"]["total"] > 0 for stage in rates] == [True, True]
    highest = rates[-1]["metrics"]["load"]
    assert highest["target_rate"] < served / 4 * 1.05, (highest["target_rate"], served)
    assert highest["target_rate"] > served / 4 * 0.5, (highest["target_rate"], served)
    for stage in rates:
        assert 0.7 < stage["metrics"]["load"]["achieved_ratio"] <= 1.05, stage["metrics"]["load"]
