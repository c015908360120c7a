"""Checking one row of a data file and turning it into a compact request record.

The rules are the same for every format (docs/data.md): a ``prompt`` (or ``text``) or chat ``messages``; optionally
an output length (``output_tokens`` or ``max_tokens``), an ``id``, ``tools`` (tool definitions, sent as the ``tools``
parameter) and generation ``params`` (in CSV: ``param.NAME``
columns). Other fields are ignored, so files made for other tools still load. Every problem names the file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gaugellm.data.readers import Row
from gaugellm.errors import DataError

__all__ = ["PromptRecord", "message_text", "to_record"]

_PARAM_PREFIXES = ("param.", "params.")


@dataclass(frozen=True, slots=True)
class PromptRecord:
    """One request from a file. Exactly one of ``prompt`` and ``messages`` is set."""

    where: str
    request_id: str | None
    prompt: str | None
    messages: tuple[dict[str, Any], ...] | None
    max_tokens: int | None
    params: dict[str, Any]

    def text(self) -> str:
        """The text a tokenizer counts: the prompt, or the messages' contents one after another."""
        if self.prompt is not None:
            return self.prompt
        return "\n".join(message_text(message) for message in self.messages or ())


def message_text(message: dict[str, Any]) -> str:
    """The text of a chat message: its content, or the text parts of a multi-part content."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def to_record(row: Row, shown: str) -> PromptRecord:
    """Check ``row`` and build its record, or raise a DataError naming ``shown`` and the row's line."""
    where = f"{shown} {row.where}"
    fields = row.fields
    prompt_key = "prompt" if fields.get("prompt") is not None else "text"
    prompt = fields.get(prompt_key)
    messages = fields.get("messages")
    if prompt is not None and messages is not None:
        raise DataError(f"{where}: has both {prompt_key!r} and 'messages'; give one of them")
    if prompt is None and messages is None:
        raise DataError(f"{where}: needs a 'prompt' (or 'text') or 'messages' field")
    if prompt is not None:
        if not isinstance(prompt, str):
            raise DataError(f"{where}: {prompt_key!r} must be a string, got {_kind(prompt)}")
        if not prompt.strip():
            raise DataError(f"{where}: {prompt_key!r} is empty")
    checked = None if messages is None else _messages(messages, where, row.from_text)
    return PromptRecord(
        where=row.where,
        request_id=_request_id(fields.get("id"), where),
        prompt=prompt,
        messages=checked,
        max_tokens=_max_tokens(fields, where),
        params=_params(fields, where, row.from_text),
    )


def _messages(raw: Any, where: str, from_text: bool) -> tuple[dict[str, Any], ...]:
    if from_text and isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: 'messages' is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(raw, list) or not raw:
        raise DataError(f"{where}: 'messages' must be a non-empty list of {{role, content}} objects")
    for number, message in enumerate(raw, start=1):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str) or "content" not in message:
            raise DataError(f"{where}: message {number} must be an object with a 'role' and a 'content'")
        content = message["content"]
        if not isinstance(content, str | list):
            raise DataError(f"{where}: message {number}: 'content' must be a string or a list of parts")
    return tuple(raw)


def _max_tokens(fields: dict[str, Any], where: str) -> int | None:
    key = "output_tokens" if fields.get("output_tokens") is not None else "max_tokens"
    raw = fields.get(key)
    if raw is None:
        return None
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)  # a number written as 128.0 by a spreadsheet or a data frame
    elif isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            number = 0.5
        if number.is_integer():
            value = int(number)
    if value is None or value < 1:
        raise DataError(f"{where}: {key!r} must be a whole number of tokens, at least 1, got {raw!r}")
    return value


def _request_id(raw: Any, where: str) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str | int) and not isinstance(raw, bool):
        return str(raw)
    raise DataError(f"{where}: 'id' must be a string or a whole number, got {_kind(raw)}")


def _params(fields: dict[str, Any], where: str, from_text: bool) -> dict[str, Any]:
    params: dict[str, Any] = {}
    raw = fields.get("params")
    if raw is not None:
        if from_text and isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: 'params' is not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(raw, dict):
            raise DataError(f"{where}: 'params' must be an object of generation parameters, got {_kind(raw)}")
        params.update(raw)
    if from_text:
        for key, value in fields.items():
            for prefix in _PARAM_PREFIXES:
                if key.startswith(prefix) and len(key) > len(prefix):
                    params[key[len(prefix) :]] = _cell_value(value)
    tools = fields.get("tools")
    if tools is not None:
        params["tools"] = _tools(tools, where, from_text)
    return params


def _tools(raw: Any, where: str, from_text: bool) -> list[dict[str, Any]]:
    """The ``tools`` column: a non-empty JSON array of tool definitions (objects), sent as the ``tools`` parameter."""
    if from_text and isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: 'tools' is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(raw, list) or not raw or not all(isinstance(tool, dict) for tool in raw):
        raise DataError(f"{where}: 'tools' must be a non-empty array of tool definitions (objects)")
    return raw


def _cell_value(cell: Any) -> Any:
    """A CSV cell as a parameter: JSON when it parses (``0.7``, ``true``, ``["a"]``), else the string itself."""
    if not isinstance(cell, str):
        return cell
    try:
        return json.loads(cell)
    except json.JSONDecodeError:
        return cell


def _kind(value: Any) -> str:
    return type(value).__name__
