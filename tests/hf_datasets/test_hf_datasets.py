"""``--data`` from Hugging Face datasets: saved folders, Parquet, column mapping, splits, and the Hub only when named.

The datasets are made here with the real ``datasets`` library (``save_to_disk``, ``to_parquet``); nothing is
downloaded. A Hub name on this machine, which cannot reach the Hub, must end in one clear error within seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

datasets = pytest.importorskip(
    "datasets", reason="the datasets extra is not installed here; run these tests with `hatch run datasets:test`"
)

from gaugellm.data import load_dataset  # noqa: E402
from gaugellm.errors import DataError  # noqa: E402

QUESTIONS = ["What is a KV cache?", "Why is TTFT longer for long prompts?", "Explain goodput in one line."]


def saved_dataset(tmp_path: Path) -> Path:
    table = datasets.Dataset.from_dict(
        {"question": QUESTIONS, "answer_len": [16, 32, 8], "topic": ["serving", "latency", "slo"]}
    )
    folder = tmp_path / "qa"
    table.save_to_disk(str(folder))
    return folder


def test_a_saved_dataset_with_a_column_mapping_becomes_requests(tmp_path: Path) -> None:
    folder = saved_dataset(tmp_path)
    data = load_dataset(f"path={folder},column.prompt=question,column.output_tokens=answer_len")
    assert len(data) == 3
    requests = [data.request(i) for i in range(3)]
    assert [r.prompt for r in requests] == QUESTIONS
    assert [r.max_tokens for r in requests] == [16, 32, 8]
    description = data.description
    assert description["format"] == "saved dataset"
    assert description["requests"] == 3
    assert len(description["sha256"]) == 64


def test_a_parquet_file_and_a_dataset_with_splits(tmp_path: Path) -> None:
    parquet = tmp_path / "qa.parquet"
    datasets.Dataset.from_dict({"text": QUESTIONS}).to_parquet(str(parquet))
    assert [load_dataset(str(parquet)).request(i).prompt for i in range(3)] == QUESTIONS

    splits = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"prompt": QUESTIONS}),
            "test": datasets.Dataset.from_dict({"prompt": ["only this one"]}),
        }
    )
    folder = tmp_path / "splits"
    splits.save_to_disk(str(folder))
    assert load_dataset(f"path={folder},split=test").request(0).prompt == "only this one"
    with pytest.raises(DataError, match="choose one with split=NAME"):
        load_dataset(str(folder))
    with pytest.raises(DataError, match="has no split 'dev'; it has train, test"):
        load_dataset(f"path={folder},split=dev")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("path={folder},column.prompt=nope", "no column 'nope' to map; its columns are question, answer_len, topic"),
        ("path={folder},column.promt=question", "did you mean 'prompt'?"),
        ("path={folder}", "needs a 'prompt' (or 'text') or 'messages' field"),
        ("path={folder},column.prompt=answer_len", "'prompt' must be a string"),
    ],
)
def test_bad_mappings_name_the_problem(tmp_path: Path, spec: str, message: str) -> None:
    folder = saved_dataset(tmp_path)
    with pytest.raises(DataError) as caught:
        load_dataset(spec.format(folder=folder))
    assert message in str(caught.value)


def test_a_hub_dataset_on_an_offline_machine_is_one_clear_error_not_a_hang(tmp_path: Path) -> None:
    """This machine cannot reach the Hub: the real command says so in one line, in seconds, with exit status 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GAUGELLM_", "HF_"))}
    env["HF_HOME"] = str(tmp_path / "hf-home")  # an empty cache: nothing to fall back on
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "gaugellm", "run", "--target", "http://127.0.0.1:9", "-q", "-n", "1",
         "--data", "hf:org/none"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert time.monotonic() - started < 30
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no retry chatter from the Hub client
    assert lines[0].startswith("error: cannot load 'org/none' from the Hugging Face Hub")
    assert "save_to_disk" in lines[0]


def test_a_run_on_a_saved_dataset_against_the_simulated_server(tmp_path: Path) -> None:
    from gaugellm_openai.mock import MockServerConfig, mock_server

    folder = saved_dataset(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAUGELLM_")}
    with mock_server(MockServerConfig(output_tokens="8"), in_process=True) as server:
        result = subprocess.run(
            [
                sys.executable, "-m", "gaugellm", "run", "--target", server.url, "-q", "-n", "6",
                "--data", f"path={folder},column.prompt=question,column.output_tokens=answer_len", "-o", "run.json",
            ],
            capture_output=True, text=True, timeout=180, cwd=tmp_path, env=env, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "run.json").read_text())
    (benchmark,) = report["benchmarks"]
    assert benchmark["metrics"]["requests"]["successful"] == 6
    assert report["config"]["data_description"]["format"] == "saved dataset"
