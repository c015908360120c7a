"""Multi-turn conversations and shared-prefix groups against vLLM's own OpenAI server (the tiny model, on CPU).

The server runs with ``--enable-prompt-tokens-details``, so its usage says how many prompt tokens its prefix cache
served (``prompt_tokens_details.cached_tokens``), and the report must show the cache at work: a conversation's later
turns find their history cached, and requests of a few prefix groups find their group's prefix cached, where
requests without a shared prefix find next to nothing.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vllm_cli import gaugellm_run

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


@pytest.fixture(scope="module")
def caching_server(vllm_root: Path, tiny_model_dir: Path) -> Iterator[Any]:
    from vllm_openai_server import serve_openai

    extra = ("--enforce-eager", "--max-model-len", "512", "--dtype", "float32", "--enable-prompt-tokens-details")
    with serve_openai(tiny_model_dir, vllm_root / "caching-server", extra_args=extra) as server:
        yield server


def _run(server: Any, model_dir: Path, folder: Path, *args: str) -> dict[str, Any]:
    kwargs = json.dumps({"target": server.base_url, "ignore_eos": True})
    command = ["--backend", "openai_http", "--backend-kwargs", kwargs, "--tokenizer", str(model_dir), *args]
    with gaugellm_run(command, folder) as running:
        result = running.wait(timeout=180)
    assert result.returncode == 0, result.describe()
    assert result.report is not None, result.describe()
    report: dict[str, Any] = result.report
    return report


def test_conversation_turns_find_their_history_cached(
    caching_server: Any, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    report = _run(
        caching_server, tiny_model_dir, tmp_path_factory.mktemp("conversations"),
        "-p", "concurrent", "-c", "2", "-n", "16",
        "--data", "turns=4,prompt_tokens=24,output_tokens=16,system_tokens=128,think_s=0.05",
    )  # fmt: skip
    [benchmark] = report["benchmarks"]
    assert benchmark["metrics"]["requests"]["successful"] == 16
    turns = benchmark["turns"]
    assert list(turns) == ["1", "2", "3", "4"]
    assert all(turns[k]["requests"]["successful"] == 4 for k in turns)
    # the server's own prompt counts grow by a turn's message and the answer before it, turn after turn
    prompts = [turns[k]["prompt_length"]["mean"] for k in turns]
    for earlier, later in itertools.pairwise(prompts):
        assert later >= earlier + 24 + 16, prompts
    # the prefix cache at work, in the server's own counts. vLLM caches whole blocks (128 tokens on CPU), so: a first
    # turn finds the shared system prompt's block (all but the very first conversation), every later turn at least
    # that, and the last turns also the history beyond it
    cached = [turns[k]["tokens"]["cached_prompt_tokens"] / turns[k]["requests"]["successful"] for k in turns]
    assert cached[0] > 0, cached
    assert all(mean >= 0.9 * 128 for mean in cached[1:]), cached
    assert cached[-1] > cached[0] + 100, cached
    assert report["token_counting"]["prompt"] == "server"


def test_prefix_groups_are_served_from_the_cache(
    caching_server: Any, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shared = _run(
        caching_server, tiny_model_dir, tmp_path_factory.mktemp("groups"),
        "-p", "synchronous", "-n", "12",
        "--data", "prompt_tokens=200,prefix_tokens=160,prefix_groups=2,output_tokens=4",
    )  # fmt: skip
    distinct = _run(
        caching_server, tiny_model_dir, tmp_path_factory.mktemp("distinct"),
        "-p", "synchronous", "-n", "12", "--data", "prompt_tokens=200,output_tokens=4,seed=7",
    )  # fmt: skip
    shared_tokens = shared["benchmarks"][0]["metrics"]["tokens"]
    distinct_tokens = distinct["benchmarks"][0]["metrics"]["tokens"]
    # two groups of 160-token prefixes: all but each group's first request find the prefix cached
    assert shared_tokens["cached_prompt_tokens"] >= 0.5 * 10 * 160, shared_tokens
    assert (distinct_tokens["cached_prompt_tokens"] or 0) < 0.2 * shared_tokens["cached_prompt_tokens"], distinct_tokens
