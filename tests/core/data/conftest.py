"""Fixtures for the data tests: real tokenizers, trained here on the standard library's own source (no download)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

_TRAINING_FILES = ("argparse.py", "textwrap.py", "csv.py", "random.py", "json/decoder.py")


def _training_files() -> list[str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [stdlib / name for name in _TRAINING_FILES]
    return [str(path) for path in files if path.is_file()]


@pytest.fixture(scope="session")
def bpe_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A byte-level BPE (the GPT-2 / Llama 3 family), saved as a bare tokenizer.json file."""
    tokenizers = pytest.importorskip("tokenizers")
    tokenizer = tokenizers.Tokenizer(tokenizers.models.BPE())
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=1500,
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<bos>"],
        show_progress=False,
    )
    tokenizer.train(_training_files(), trainer)
    path = tmp_path_factory.mktemp("bpe") / "tokenizer.json"
    tokenizer.save(str(path))
    return path


@pytest.fixture(scope="session")
def metaspace_model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SentencePiece-style unigram tokenizer that adds a BOS token, in a model folder (as ``--tokenizer`` gets it).

    It differs from the BPE one in each way that matters to counting: spaces become part of the next word, the model
    is not BPE, and a post-processor adds a special token that a prompt's content count must leave out.
    """
    tokenizers = pytest.importorskip("tokenizers")
    tokenizer = tokenizers.Tokenizer(tokenizers.models.Unigram())
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Metaspace()
    tokenizer.decoder = tokenizers.decoders.Metaspace()
    trainer = tokenizers.trainers.UnigramTrainer(
        vocab_size=800, special_tokens=["<s>", "<unk>"], unk_token="<unk>", show_progress=False
    )
    tokenizer.train(_training_files(), trainer)
    tokenizer.post_processor = tokenizers.processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", tokenizer.token_to_id("<s>"))]
    )
    folder = tmp_path_factory.mktemp("model")
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "config.json").write_text("{}")
    return folder
