"""Requests read from a JSONL, JSON, CSV or TSV file, or (extra ``datasets``) a saved, Parquet or Hub dataset."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gaugellm.backend.schemas import GenerationRequest
from gaugellm.data.conversations import ConversationFileDataset, has_conversations, to_conversation
from gaugellm.data.dataset import Dataset
from gaugellm.data.distributions import TokenDistribution
from gaugellm.data.readers import Row, read_rows
from gaugellm.data.records import PromptRecord, to_record
from gaugellm.data.rng import RequestRandom
from gaugellm.data.spec import History
from gaugellm.data.think import ThinkTime
from gaugellm.data.tokens import TokenCounter
from gaugellm.errors import DataError

__all__ = ["FileDataset", "load_file_dataset"]


class FileDataset(Dataset):
    """The requests of a data file, checked when loaded and kept as compact records.

    ``chat`` True turns plain prompts into one user message each; False refuses files with chat messages (a plain
    completion endpoint cannot take them); None sends each row as the file gives it. Rows without an output length
    take one from ``output_tokens`` (sampled per index from the seed) or leave it to the server.
    """

    def __init__(
        self,
        path: Path,
        records: list[PromptRecord],
        counter: TokenCounter,
        *,
        file_format: str,
        checksum: str,
        seed: int,
        chat: bool | None,
        output_tokens: TokenDistribution | None = None,
        shown: str | None = None,
    ) -> None:
        super().__init__(counter)
        self.path = path
        self.records = records
        self.seed = seed
        self.chat = chat
        self.output_tokens = output_tokens
        self._format = file_format
        self._checksum = checksum
        self._shown = shown if shown is not None else str(path)
        self._prompt_tokens: list[int | None] = [None] * len(records)

    def __len__(self) -> int:
        return len(self.records)

    def request(self, index: int) -> GenerationRequest:
        self._check_index(index)
        record = self.records[index]
        max_tokens = record.max_tokens
        if max_tokens is None and self.output_tokens is not None:
            max_tokens = self.output_tokens.sample(RequestRandom(self.seed, index, "file-output"))
        request_id = record.request_id or f"{self.path.name}:{record.where.split()[-1].strip('()')}"
        prompt_tokens = self.prompt_tokens(index)
        params = dict(record.params)
        if record.messages is not None:
            messages = [dict(message) for message in record.messages]
            return GenerationRequest(
                request_id=request_id,
                messages=messages,
                max_tokens=max_tokens,
                params=params,
                prompt_tokens=prompt_tokens,
            )
        assert record.prompt is not None
        if self.chat:
            return GenerationRequest(
                request_id=request_id,
                messages=[{"role": "user", "content": record.prompt}],
                max_tokens=max_tokens,
                params=params,
                prompt_tokens=prompt_tokens,
            )
        return GenerationRequest(
            request_id=request_id,
            prompt=record.prompt,
            max_tokens=max_tokens,
            params=params,
            prompt_tokens=prompt_tokens,
        )

    def prompt_tokens(self, index: int) -> int:
        """Tokens in request ``index``'s prompt (message contents only, no chat template), counted once."""
        count = self._prompt_tokens[index]
        if count is None:
            count = self.token_counter.count(self.records[index].text())
            self._prompt_tokens[index] = count
        return count

    @property
    def description(self) -> dict[str, Any]:
        chats = sum(1 for record in self.records if record.messages is not None)
        if chats == 0:
            content = "prompts"
        elif chats == len(self.records):
            content = "messages"
        else:
            content = "mixed"
        return {
            "kind": "file",
            "path": self._shown,
            "format": self._format,
            "sha256": self._checksum,
            "requests": len(self.records),
            "content": content,
            "chat": self.chat,
            "seed": self.seed,
            "output_tokens": None if self.output_tokens is None else self.output_tokens.describe(),
            **self.token_counter.describe(),
        }


def load_file_dataset(
    path: Path,
    counter: TokenCounter,
    *,
    seed: int,
    chat: bool | None,
    output_tokens: TokenDistribution | None = None,
    samples: int | None = None,
    split: str | None = None,
    columns: Mapping[str, str] | None = None,
    think: ThinkTime | None = None,
    history: History = "real",
) -> Dataset:
    """Read and check every row of ``path``; ``samples`` keeps only the first that many requests.

    ``columns`` maps our field names to the data's own (``{"prompt": "question"}``); ``split`` picks one split of a
    dataset that has several (see :mod:`gaugellm.data.hf_datasets`). Rows of ShareGPT-style ``conversations`` make a
    data set of conversations (:mod:`gaugellm.data.conversations`), sent with ``think`` time and ``history``.
    """
    from gaugellm.data.hf_datasets import is_datasets_source

    shown = str(path)
    mapping = dict(columns or {})
    if is_datasets_source(path):
        from gaugellm.data.hf_datasets import read_dataset_rows

        file_format, rows, checksum = read_dataset_rows(path, shown, split=split, columns=mapping)
    else:
        if split is not None:
            raise DataError(f"--data: split={split} applies to a saved or Hub dataset, not to {shown}")
        file_format, rows, data = read_rows(path, shown)
        rows = _renamed(rows, mapping, shown)
        checksum = hashlib.sha256(data).hexdigest()
    if has_conversations(rows):
        if chat is False:
            raise DataError(f"{shown}: holds conversations, which are chat messages, but chat=false asks for prompts")
        found = [to_conversation(row, shown) for row in rows]
        conversations = [record for record in found if record is not None]
        if not conversations:
            raise DataError(f"{shown}: no conversation has a user message")
        description = {
            "kind": "file",
            "path": shown,
            "format": file_format,
            "sha256": checksum,
            "content": "conversations",
            "skipped": len(found) - len(conversations),
            "seed": seed,
        }
        return ConversationFileDataset(
            conversations[:samples] if samples is not None else conversations,
            counter,
            name=path.name,
            description=description,
            seed=seed,
            think=think or ThinkTime(),
            history=history,
            output_tokens=output_tokens,
        )
    if think is not None and think != ThinkTime():
        raise DataError(f"--data: think_s applies to conversations, and {shown} holds single requests")
    records = [to_record(row, shown) for row in rows]
    if chat is False:
        for record in records:
            if record.messages is not None:
                raise DataError(f"{shown} {record.where}: has chat messages, but chat=false asks for plain prompts")
    if samples is not None:
        records = records[:samples]
    return FileDataset(
        path,
        records,
        counter,
        file_format=file_format,
        checksum=checksum,
        seed=seed,
        chat=chat,
        output_tokens=output_tokens,
        shown=shown,
    )


def _renamed(rows: list[Row], columns: Mapping[str, str], shown: str) -> list[Row]:
    """Rows with the data's columns renamed to our fields; a mapped column that no row has is an error."""
    if not columns:
        return rows
    for ours, theirs in columns.items():
        if not any(theirs in row.fields for row in rows):
            raise DataError(f"{shown}: no row has the column {theirs!r} that column.{ours} names")
    renamed = []
    for row in rows:
        fields = dict(row.fields)
        for ours, theirs in columns.items():
            if theirs in fields:
                fields[ours] = fields.pop(theirs)
        renamed.append(Row(row.where, row.line, fields, row.from_text))
    return renamed
