"""Rows from Hugging Face ``datasets``: a folder saved with ``save_to_disk``, a Parquet file, or a Hub dataset.

Needs the optional extra (``pip install 'gaugellm[datasets]'``), imported only when such data is named. Nothing here
reaches the network unless the user names a Hub dataset explicitly (``--data hf:ORG/NAME``); a saved folder and a
Parquet file are read locally, and so are the Hub's own caches. A machine without network access gets one clear
error for a Hub dataset within the Hub client's timeouts, never a hang: they are set here unless the user set them.

Each row becomes a :class:`~gaugellm.data.readers.Row` like a line of a JSONL file, so the same checks apply to
every source (:mod:`gaugellm.data.records`), and a column mapping renames the dataset's columns to ours.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gaugellm.data.readers import Row
from gaugellm.errors import DataError

__all__ = ["HUB_PREFIX", "is_datasets_source", "read_dataset_rows"]

#: ``--data hf:ORG/NAME`` names a dataset on the Hugging Face Hub; nothing else ever reaches it.
HUB_PREFIX = "hf:"
#: Seconds the Hub client waits for an answer before it gives up (unless the user's environment says otherwise).
HUB_TIMEOUT_S = "10"
_INSTALL = "pip install 'gaugellm[datasets]'"


def is_datasets_source(path: Path) -> bool:
    """A Hub name, a folder saved by ``datasets``, or a Parquet file: what this module reads."""
    text = str(path)
    if text.startswith(HUB_PREFIX):
        return True
    if path.suffix.lower() == ".parquet":
        return True
    return path.is_dir() and any((path / name).is_file() for name in ("dataset_info.json", "dataset_dict.json"))


def _hub_reachable() -> bool:
    """Whether the Hub's host answers a TCP connection within the timeout (``HF_ENDPOINT`` when set)."""
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname or "", port), timeout=float(HUB_TIMEOUT_S)):
            return True
    except OSError:
        return False


def _datasets() -> Any:
    os.environ.setdefault("HF_HUB_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", HUB_TIMEOUT_S)
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", HUB_TIMEOUT_S)
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    try:
        import datasets
    except ImportError:
        raise DataError(
            f"reading Hugging Face datasets and Parquet files needs the datasets extra: {_INSTALL}"
        ) from None
    return datasets


def read_dataset_rows(
    path: Path, shown: str, *, split: str | None, columns: Mapping[str, str]
) -> tuple[str, list[Row], str]:
    """The rows of ``path`` (format name, rows, a fingerprint for the report), columns renamed by ``columns``."""
    text = str(path)
    if text.startswith(HUB_PREFIX) and "datasets" not in sys.modules and not _hub_reachable():
        # Offline: the Hub client would retry for half a minute, printing each try. In offline mode it answers at
        # once, from its cache when the dataset was downloaded before, else with an error we turn into one line.
        os.environ["HF_HUB_OFFLINE"] = "1"
    datasets = _datasets()
    if text.startswith(HUB_PREFIX):
        loaded, kind = _from_hub(datasets, text[len(HUB_PREFIX) :], shown, split), "hub"
    elif path.suffix.lower() == ".parquet":
        if not path.is_file():
            raise DataError(f"data file not found: {shown}")
        loaded, kind = _guarded(lambda: datasets.Dataset.from_parquet(str(path)), shown), "parquet"
    else:
        loaded, kind = _guarded(lambda: datasets.load_from_disk(str(path)), shown), "saved dataset"
    table = _one_split(datasets, loaded, shown, split)
    names = list(table.column_names)
    missing = [source for source in columns.values() if source not in names]
    if missing:
        raise DataError(f"{shown}: no column {missing[0]!r} to map; its columns are {', '.join(names)}")
    rows = [Row(f"row {index}", index, _renamed(item, columns)) for index, item in enumerate(_iterate(table))]
    if not rows:
        raise DataError(f"{shown} is empty: it holds no requests")
    fingerprint = str(getattr(table, "_fingerprint", "") or "")
    digest = hashlib.sha256(f"{kind}:{fingerprint}:{len(rows)}:{names}".encode()).hexdigest()
    return kind, rows, digest


def _guarded(load: Any, shown: str) -> Any:
    try:
        return load()
    except FileNotFoundError:
        raise DataError(f"data not found: {shown}") from None
    except Exception as exc:  # datasets raises many kinds for an unreadable folder or file
        raise DataError(f"{shown}: cannot read it as a dataset: {type(exc).__name__}: {exc}") from None


def _from_hub(datasets: Any, name: str, shown: str, split: str | None) -> Any:
    if not name.strip() or name.startswith("/"):
        raise DataError(f"--data {shown}: name a Hub dataset as hf:ORG/NAME")
    try:
        return datasets.load_dataset(name, split=split)
    except Exception as exc:
        offline = " (the Hub is not reachable from here)" if os.environ.get("HF_HUB_OFFLINE") == "1" else ""
        raise DataError(
            f"cannot load {name!r} from the Hugging Face Hub{offline} ({type(exc).__name__}: {_first_line(exc)}); "
            "on a machine without network access, save it elsewhere with Dataset.save_to_disk and give that folder"
        ) from None


def _one_split(datasets: Any, loaded: Any, shown: str, split: str | None) -> Any:
    if isinstance(loaded, datasets.DatasetDict):
        splits = list(loaded)
        if split is None:
            if len(splits) == 1:
                return loaded[splits[0]]
            raise DataError(f"{shown} has the splits {', '.join(splits)}: choose one with split=NAME")
        if split not in loaded:
            raise DataError(f"{shown} has no split {split!r}; it has {', '.join(splits)}")
        return loaded[split]
    if split is not None and not isinstance(loaded, datasets.Dataset):
        raise DataError(f"{shown}: split={split} does not apply to it")
    return loaded


def _iterate(table: Any) -> Iterable[dict[str, Any]]:
    rows: Iterable[dict[str, Any]] = iter(table)
    return rows


def _renamed(item: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
    fields = dict(item)
    for ours, theirs in columns.items():
        fields[ours] = fields.pop(theirs)
    return fields


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no details"
