"""Finding and loading a local ``tokenizer.json`` with the optional ``tokenizers`` package.

Kept apart from :mod:`gaugellm.data.tokens` so that nothing imports ``tokenizers`` (a compiled extension) unless the
user asked for a tokenizer. Nothing is downloaded: a name like ``meta-llama/Llama-3.1-8B`` that is not a local path
is an error that says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gaugellm.errors import DataError

__all__ = ["find_tokenizer_file", "load_tokenizer_file"]

_FILE_NAME = "tokenizer.json"
_INSTALL_HINT = "pip install gaugellm[tokenizers]"


def find_tokenizer_file(path: Path) -> Path:
    """The ``tokenizer.json`` that ``--tokenizer PATH`` means: the file itself, or the one inside a model folder."""
    if path.is_dir():
        candidate = path / _FILE_NAME
        if not candidate.is_file():
            raise DataError(
                f"tokenizer folder {path} holds no {_FILE_NAME}; give the path of a {_FILE_NAME} file "
                "or of a model folder that holds one"
            )
        return candidate
    if path.is_file():
        return path
    raise DataError(
        f"tokenizer not found: {path}; give a local {_FILE_NAME} file or a model folder that holds one "
        "(gaugellm does not download tokenizers)"
    )


def load_tokenizer_file(path: Path) -> Any:
    """Load a ``tokenizers.Tokenizer``, with truncation and padding off so that counts are of the whole text."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise DataError(
            f"--tokenizer needs the 'tokenizers' package, which is not installed; run `{_INSTALL_HINT}`"
        ) from None
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # the Rust side raises a plain Exception for every kind of bad file
        raise DataError(f"tokenizer {path} could not be loaded: {exc}") from None
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer
