"""Reading data files into rows, one format per function, with the file and line of every problem.

A row is a plain dict of the fields of one request plus where it came from (``line 7``); what the fields must hold
is checked in :mod:`gaugellm.data.records`, the same way for every format. The format is chosen by extension.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gaugellm.errors import DataError

__all__ = ["FORMATS", "Row", "file_format", "read_rows", "read_text"]


@dataclass(frozen=True, slots=True)
class Row:
    """The fields of one request as the file gave them. ``where`` is ``line N`` (or ``item N, line M`` in JSON)."""

    where: str
    line: int
    fields: dict[str, Any]
    from_text: bool = False  # CSV cells are strings: numbers and JSON inside them still need parsing


def read_text(path: Path, shown: str) -> tuple[str, bytes]:
    """The file's text (UTF-8, a byte-order mark allowed) and its bytes, or a DataError saying what is wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"data file not found: {shown}") from None
    except IsADirectoryError:
        raise DataError(f"{shown} is a folder, not a data file") from None
    except OSError as exc:
        raise DataError(f"cannot read data file {shown}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            f"{shown} line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); "
            "save the file as UTF-8"
        ) from None
    if not text.strip():
        raise DataError(f"{shown} is empty: it holds no requests")
    return text, data


def read_jsonl(text: str, shown: str) -> list[Row]:
    """One JSON object per line; blank lines are skipped."""
    rows: list[Row] = []
    # split("\n"), not splitlines(): JSON strings may hold U+2028 and friends, which splitlines() would break on.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{shown} line {number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(value, dict):
            raise DataError(f"{shown} line {number}: expected a JSON object, got {_json_kind(value)}")
        rows.append(Row(where=f"line {number}", line=number, fields=value))
    return rows


def read_json(text: str, shown: str) -> list[Row]:
    """A JSON array of objects. Items are decoded one by one so that each can be reported with its line."""
    decoder = json.JSONDecoder()
    rows: list[Row] = []
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{shown} line {exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        raise DataError(f"{shown}: expected a JSON array of request objects, got {_json_kind(value)}")
    position = _skip_space(text, position + 1)
    line = 1 + text.count("\n", 0, position)
    counted_to = position
    item = 0
    expect_item = True
    while True:
        if position >= len(text):
            raise DataError(f"{shown} line {line}: not valid JSON (the array is not closed with ']')")
        if text[position] == "]" and (not rows or not expect_item):
            break
        if not expect_item:
            raise DataError(f"{shown} line {line}: not valid JSON (expected ',' or ']' after item {item})")
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise DataError(f"{shown} line {exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        item += 1
        line += text.count("\n", counted_to, position)
        counted_to = position
        if not isinstance(value, dict):
            raise DataError(f"{shown} item {item} (line {line}): expected an object, got {_json_kind(value)}")
        rows.append(Row(where=f"item {item} (line {line})", line=line, fields=value))
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
            expect_item = True
        else:
            expect_item = False
        line += text.count("\n", counted_to, position)
        counted_to = position
    if _skip_space(text, position + 1) < len(text):
        raise DataError(f"{shown} line {line}: not valid JSON (text after the closing ']')")
    return rows


def read_csv(text: str, shown: str, delimiter: str = ",") -> list[Row]:
    """A header row naming the columns, then one request per row (quoted cells may span lines)."""
    rows: list[Row] = []
    previous_limit = csv.field_size_limit()
    # Long-context prompts exceed csv's default cell limit of 128 KiB; the limit is process-wide, so put it back.
    csv.field_size_limit(1 << 30)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header: list[str] | None = None
        ended = 0  # the line the previous record ended on: the next one starts after it
        for cells in reader:
            start = ended + 1
            ended = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                _check_header(header, shown, start)
                continue
            if len(cells) > len(header):
                raise DataError(f"{shown} line {start}: {len(cells)} cells, but the header names {len(header)} columns")
            fields = {name: cell for name, cell in zip(header, cells, strict=False) if name and cell != ""}
            rows.append(Row(where=f"line {start}", line=start, fields=fields, from_text=True))
    except csv.Error as exc:
        raise DataError(f"{shown} line {reader.line_num}: not valid CSV ({exc})") from None
    finally:
        csv.field_size_limit(previous_limit)
    if header is None:
        raise DataError(f"{shown} is empty: it holds no requests")
    return rows


def _check_header(header: list[str], shown: str, line: int) -> None:
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise DataError(f"{shown} line {line}: the header names column {name!r} twice")
        seen.add(name)


def read_tsv(text: str, shown: str) -> list[Row]:
    return read_csv(text, shown, delimiter="\t")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}
    return kinds.get(type(value), "a number")


#: Extension → reader. ``.ndjson`` is another name for JSON Lines.
FORMATS: dict[str, tuple[str, Callable[[str, str], list[Row]]]] = {
    ".jsonl": ("jsonl", read_jsonl),
    ".ndjson": ("jsonl", read_jsonl),
    ".json": ("json", read_json),
    ".csv": ("csv", read_csv),
    ".tsv": ("tsv", read_tsv),
}


def file_format(path: Path, shown: str) -> str:
    """The format name for ``path``'s extension, or a DataError listing the ones gaugellm reads."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        what = f"extension {suffix!r}" if suffix else "no extension"
        raise DataError(f"{shown}: cannot tell the data format from {what}; gaugellm reads {known}")
    return FORMATS[suffix][0]


def read_rows(path: Path, shown: str) -> tuple[str, list[Row], bytes]:
    """Read ``path`` into rows: its format name, the rows (at least one) and the raw bytes (for a checksum)."""
    if not path.exists():
        hint = "" if path.suffix else " (a synthetic spec is key=value pairs, e.g. prompt_tokens=256,output_tokens=128)"
        raise DataError(f"data file not found: {shown}{hint}")
    name = file_format(path, shown)
    text, data = read_text(path, shown)
    rows = FORMATS[path.suffix.lower()][1](text, shown)
    if not rows:
        raise DataError(f"{shown} is empty: it holds no requests")
    return name, rows, data
