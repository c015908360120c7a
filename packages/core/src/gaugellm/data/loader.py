"""``load_dataset``: from what the user wrote (``--data``, ``--tokenizer``, ``--seed``) to a :class:`Dataset`."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from gaugellm.data.dataset import Dataset
from gaugellm.data.spec import FileSpec, parse_spec
from gaugellm.data.tokens import load_token_counter

__all__ = ["load_dataset", "load_mixture"]


def load_dataset(
    spec: str | Mapping[str, Any] | None,
    *,
    tokenizer: str | os.PathLike[str] | None = None,
    seed: int = 42,
    chat: bool | None = None,
) -> Dataset:
    """Build the data set that ``spec`` describes.

    ``spec`` is the ``--data`` string (a synthetic spec such as ``prompt_tokens=256,output_tokens=128``, or a path to a
    ``.jsonl``/``.json``/``.csv``/``.tsv`` file), the same keys as a dict from a run config, or None for the default
    (synthetic, 128 prompt tokens, 64 output tokens). ``tokenizer`` (a ``tokenizer.json`` or a model folder holding
    one) makes token counts exact; without it they are estimated. A ``seed`` or ``chat`` inside the spec wins over
    the arguments, since it was written for this data. Every problem raises :class:`~gaugellm.errors.DataError`.
    """
    parsed = parse_spec(spec)
    counter = load_token_counter(tokenizer)
    chosen_seed = seed if parsed.seed is None else parsed.seed
    chosen_chat = parsed.chat if parsed.chat is not None else chat
    if isinstance(parsed, FileSpec):
        from gaugellm.data.file_dataset import load_file_dataset

        return load_file_dataset(
            parsed.path,
            counter,
            seed=chosen_seed,
            chat=chosen_chat,
            output_tokens=parsed.output_tokens,
            samples=parsed.samples,
            split=parsed.split,
            columns=parsed.columns,
            think=parsed.think,
            history=parsed.history,
        )
    if parsed.turns is not None:
        from gaugellm.data.conversations import SyntheticConversations

        return SyntheticConversations(
            counter,
            seed=chosen_seed,
            samples=parsed.samples,
            turns=parsed.turns,
            prompt_tokens=parsed.prompt_tokens,
            output_tokens=parsed.output_tokens,
            system_tokens=parsed.system_tokens,
            think=parsed.think,
            source=_json_safe(spec),
        )
    from gaugellm.data.synthetic import SyntheticDataset

    return SyntheticDataset(parsed, counter, seed=chosen_seed, chat=bool(chosen_chat), source=_json_safe(spec))


def _json_safe(spec: str | Mapping[str, Any] | None) -> str | dict[str, Any] | None:
    if spec is None or isinstance(spec, str):
        return spec
    loaded: dict[str, Any] = json.loads(json.dumps(dict(spec), default=str))
    return loaded


def load_mixture(
    classes: Sequence[tuple[str, float, str | Mapping[str, Any] | None]],
    *,
    tokenizer: str | os.PathLike[str] | None = None,
    seed: int = 42,
) -> Dataset:
    """Traffic classes (``--class``): each ``(name, share, data spec)`` loaded like ``--data``, mixed by share."""
    from gaugellm.data.mixture import MixtureDataset, TrafficClassData
    from gaugellm.errors import DataError

    loaded = []
    for name, share, spec in classes:
        try:
            dataset = load_dataset(spec, tokenizer=tokenizer, seed=seed)
        except DataError as exc:
            raise DataError(f"traffic class {name!r}: {exc}") from None
        loaded.append(TrafficClassData(name, share, dataset))
    return MixtureDataset(loaded, load_token_counter(tokenizer), seed=seed)
