"""Token counting with a real tokenizer (trained in conftest.py): exact prompt lengths, clear errors."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pytest

from gaugellm.data import TokenizerCounter, load_dataset, load_token_counter
from gaugellm.errors import DataError

tokenizers = pytest.importorskip("tokenizers")


def content_tokens(path: Path, text: str) -> int:
    file = path / "tokenizer.json" if path.is_dir() else path
    tokenizer = tokenizers.Tokenizer.from_file(str(file))
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


@pytest.fixture(params=["bpe", "metaspace"])
def tokenizer_path(request: pytest.FixtureRequest, bpe_tokenizer: Path, metaspace_model_folder: Path) -> Path:
    return bpe_tokenizer if request.param == "bpe" else metaspace_model_folder


@pytest.mark.parametrize(
    "spec",
    [
        "prompt_tokens=1-400,samples=150",
        "prompt_tokens=64,prompt_tokens_stdev=20,samples=100,chat=true",
        "prompt_tokens=30-90,prefix_tokens=25,samples=100",
        "prompt_tokens=1|2|3,samples=60",
    ],
)
def test_prompt_lengths_are_exact(tokenizer_path: Path, spec: str) -> None:
    dataset = load_dataset(spec, tokenizer=str(tokenizer_path))
    assert dataset.token_counting == "tokenizer"
    seen: set[str] = set()
    for request in dataset:
        text = request.prompt if request.prompt is not None else request.messages[0]["content"]  # type: ignore[index]
        assert request.prompt_tokens is not None
        assert content_tokens(tokenizer_path, text) == request.prompt_tokens, text
        seen.add(text)
    if "1|2|3" not in spec:  # a few tokens cannot all differ
        assert len(seen) == len(dataset)


def test_prefix_is_shared_with_a_tokenizer(bpe_tokenizer: Path) -> None:
    dataset = load_dataset("prompt_tokens=60,prefix_tokens=40,samples=20", tokenizer=str(bpe_tokenizer))
    prefix = dataset.prefix  # type: ignore[attr-defined]
    assert content_tokens(bpe_tokenizer, prefix) == 40
    assert all((request.prompt or "").startswith(prefix + " ") for request in dataset)


def test_same_seed_same_requests_with_a_tokenizer(bpe_tokenizer: Path) -> None:
    first = load_dataset("prompt_tokens=10-200,samples=30", tokenizer=bpe_tokenizer, seed=5)
    second = load_dataset("prompt_tokens=10-200,samples=30", tokenizer=bpe_tokenizer, seed=5)
    assert list(first) == list(second)


def test_description_names_the_tokenizer(bpe_tokenizer: Path) -> None:
    description = load_dataset("samples=2", tokenizer=str(bpe_tokenizer)).description
    assert description["token_counting"] == "tokenizer"
    assert description["tokenizer"] == str(bpe_tokenizer)


def test_counter_pickles_as_its_path(bpe_tokenizer: Path) -> None:
    counter = load_token_counter(bpe_tokenizer)
    assert isinstance(counter, TokenizerCounter)
    copy = pickle.loads(pickle.dumps(counter))  # noqa: S301 - our own bytes
    assert copy.count("hello there, general reader") == counter.count("hello there, general reader")
    dataset = load_dataset("samples=3", tokenizer=bpe_tokenizer)
    assert list(pickle.loads(pickle.dumps(dataset))) == list(dataset)  # noqa: S301 - our own bytes


def test_counts_leave_out_special_tokens(metaspace_model_folder: Path) -> None:
    counter = load_token_counter(metaspace_model_folder)
    tokenizer = tokenizers.Tokenizer.from_file(str(metaspace_model_folder / "tokenizer.json"))
    text = "The river runs past the village."
    assert tokenizer.encode(text).tokens[0] == "<s>"
    assert counter.count(text) == len(tokenizer.encode(text).ids) - 1


def test_truncation_in_the_file_is_ignored(bpe_tokenizer: Path, tmp_path: Path) -> None:
    tokenizer = tokenizers.Tokenizer.from_file(str(bpe_tokenizer))
    tokenizer.enable_truncation(max_length=16)
    path = tmp_path / "tokenizer.json"
    tokenizer.save(str(path))
    request = load_dataset("prompt_tokens=100,samples=1", tokenizer=path).request(0)
    assert content_tokens(bpe_tokenizer, request.prompt or "") == 100


def test_missing_tokenizer(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"tokenizer not found: .*nope.*does not download"):
        load_dataset(None, tokenizer=str(tmp_path / "nope"))
    with pytest.raises(DataError, match=r"tokenizer not found: meta-llama/Llama-3\.1-8B"):
        load_dataset(None, tokenizer="meta-llama/Llama-3.1-8B")


def test_folder_without_tokenizer_json(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"holds no tokenizer\.json"):
        load_dataset(None, tokenizer=str(tmp_path))


def test_broken_tokenizer_file(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    path.write_text('{"not": "a tokenizer"}')
    with pytest.raises(DataError, match=r"tokenizer .*tokenizer.json could not be loaded"):
        load_dataset(None, tokenizer=str(path))


def test_missing_extra_names_the_pip_command(bpe_tokenizer: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tokenizers", None)  # what an environment without the package looks like
    with pytest.raises(DataError, match=r"pip install gaugellm\[tokenizers\]"):
        load_dataset(None, tokenizer=str(bpe_tokenizer))


def test_file_prompts_are_counted_with_the_tokenizer(bpe_tokenizer: Path, tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(
        '{"prompt": "Count these words, please."}\n'
        '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}]}\n'
    )
    dataset = load_dataset(str(path), tokenizer=str(bpe_tokenizer))
    assert dataset.token_counting == "tokenizer"
    assert dataset.request(0).prompt_tokens == content_tokens(bpe_tokenizer, "Count these words, please.")
    assert dataset.request(1).prompt_tokens == content_tokens(bpe_tokenizer, "Be brief.\nHi there")
