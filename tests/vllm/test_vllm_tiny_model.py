"""The tiny model generator: deterministic, offline, and shaped for vLLM's CPU attention."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from tiny_model import CHAT_TEMPLATE, TinyModelSpec, build_tiny_model

pytestmark = [pytest.mark.vllm]


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


def test_same_seed_same_files(tiny_model_dir: Path, tmp_path: Path) -> None:
    again = build_tiny_model(tmp_path / "again", seed=0, dtype="float32")
    assert _digests(again) == _digests(tiny_model_dir)


def test_shapes_and_tokenizer(tiny_model_dir: Path, tiny_tokenizer: object) -> None:
    config = json.loads((tiny_model_dir / "config.json").read_text())
    assert config["hidden_size"] // config["num_attention_heads"] == 32  # a head size the CPU backend accepts
    assert config["num_hidden_layers"] == TinyModelSpec.num_hidden_layers
    assert config["vocab_size"] == len(tiny_tokenizer)  # type: ignore[arg-type]
    for token in ("bos_token", "eos_token", "pad_token", "unk_token"):
        assert getattr(tiny_tokenizer, token)
    assert tiny_tokenizer.chat_template == CHAT_TEMPLATE  # type: ignore[attr-defined]
    text = "def f(x):\n    return x + 1\n"
    assert tiny_tokenizer.decode(tiny_tokenizer.encode(text)) == text  # type: ignore[attr-defined]
