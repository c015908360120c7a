"""Request traces: when each request of a recorded workload arrived, and how long its prompt and answer were.

Four formats are read, chosen by ``--trace-format`` or recognised from the file's first record:

========== ===== ==============================================================================================
format     file  fields
========== ===== ==============================================================================================
mooncake   JSONL ``timestamp`` (ms), ``input_length``, ``output_length``, ``hash_ids`` (ids of 512-token blocks)
azure      CSV   ``TIMESTAMP`` (a date and time), ``ContextTokens``, ``GeneratedTokens``
burstgpt   CSV   ``Timestamp`` (s), ``Request tokens``, ``Response tokens``
gaugellm   JSONL ``at_s`` (s), ``prompt_tokens``, ``output_tokens``, optional ``hash_ids``
========== ===== ==============================================================================================

Times become seconds from the trace's first request; records out of order are sorted (a merged log may interleave).
A request whose answer was empty (BurstGPT logs failed requests with zero response tokens) cannot be replayed as a
generation: it is skipped and counted. Any other bad record is an error naming the file and the line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal, get_args

from gaugellm.errors import DataError

__all__ = ["TRACE_FORMATS", "Trace", "TraceFormat", "TraceRecord", "read_trace"]

TraceFormat = Literal["mooncake", "azure", "burstgpt", "gaugellm"]
TRACE_FORMATS: tuple[TraceFormat, ...] = get_args(TraceFormat)


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One recorded request: its arrival (s from the trace's start) and its lengths."""

    at_s: float
    prompt_tokens: int
    output_tokens: int
    hash_ids: tuple[int, ...] = ()


@dataclass
class Trace:
    """A trace as read: its records in time order, and what was skipped."""

    path: str
    format: TraceFormat
    records: list[TraceRecord]
    skipped: int = 0
    reordered: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def span_s(self) -> float:
        return self.records[-1].at_s - self.records[0].at_s if self.records else 0.0

    def window(self, start_s: float = 0.0, duration_s: float | None = None) -> list[TraceRecord]:
        """The records arriving in ``[start_s, start_s + duration_s)``, times shifted to start at 0."""
        end = float("inf") if duration_s is None else start_s + duration_s
        chosen = [record for record in self.records if start_s <= record.at_s < end]
        if not chosen:
            raise DataError(
                f"trace {self.path!r} has no request between {start_s:g} s and {end:g} s "
                f"(it spans {self.span_s:g} s); check --trace-start and --trace-duration"
            )
        first = chosen[0].at_s
        return [TraceRecord(r.at_s - first, r.prompt_tokens, r.output_tokens, r.hash_ids) for r in chosen]


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from enumerate(handle, start=1)
    except UnicodeDecodeError:
        raise DataError(f"trace {str(path)!r} is not UTF-8 text") from None


def _count(value: Any, what: str, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise DataError(f"{where}: {what} must be a whole number, got {value!r}")
    if isinstance(value, str):
        value = value.strip()
        try:
            value = float(value) if value else None
        except ValueError:
            raise DataError(f"{where}: {what} must be a whole number, got {value!r}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < minimum:
        raise DataError(f"{where}: {what} must be a whole number >= {minimum}, got {value!r}")
    return value


def _seconds(value: Any, what: str, where: str, scale: float = 1.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: {what} must be a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        raise DataError(f"{where}: {what} must be a finite, non-negative number, got {value!r}")
    return number * scale


def _json_records(path: Path, format: TraceFormat) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in _lines(path):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{where}: each line of a {format} trace must be a JSON object")
        yield where, row


def _hash_ids(value: Any, where: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        raise DataError(f"{where}: hash_ids must be a list of integers")
    return tuple(value)


def _require(row: dict[str, Any], keys: tuple[str, ...], where: str, format: str) -> None:
    missing = [key for key in keys if key not in row]
    if missing:
        raise DataError(f"{where}: a {format} trace record needs {', '.join(repr(key) for key in missing)}")


def _json_lines(
    path: Path, format: TraceFormat, fields: tuple[str, str, str], time_scale: float
) -> Iterator[TraceRecord | None]:
    """A JSON-lines trace whose ``fields`` are (arrival time, prompt length, answer length), times in seconds once
    multiplied by ``time_scale``; ``hash_ids`` is optional in both formats."""
    at, prompt, output_field = fields
    for where, row in _json_records(path, format):
        _require(row, fields, where, format)
        output = _count(row[output_field], output_field, where)
        yield (
            None
            if output == 0
            else TraceRecord(
                _seconds(row[at], at, where, scale=time_scale),
                _count(row[prompt], prompt, where, minimum=1),
                output,
                _hash_ids(row.get("hash_ids"), where),
            )
        )


def _mooncake(path: Path) -> Iterator[TraceRecord | None]:
    return _json_lines(path, "mooncake", ("timestamp", "input_length", "output_length"), 1e-3)


def _own(path: Path) -> Iterator[TraceRecord | None]:
    return _json_lines(path, "gaugellm", ("at_s", "prompt_tokens", "output_tokens"), 1.0)


def _csv_rows(path: Path, columns: tuple[str, ...], format: str) -> Iterator[tuple[str, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [name for name in columns if name not in header]
            if missing:
                raise DataError(f"{path}:1: a {format} trace needs the columns {', '.join(repr(m) for m in missing)}")
            for row in reader:
                yield f"{path}:{reader.line_num}", {key.strip(): value for key, value in row.items() if key}
    except UnicodeDecodeError:
        raise DataError(f"trace {str(path)!r} is not UTF-8 text") from None
    except csv.Error as exc:
        raise DataError(f"{path}: not valid CSV ({exc})") from None


def _azure_time(value: str | None, where: str) -> float:
    text = (value or "").strip()
    whole, _, fraction = text.partition(".")
    try:
        moment = datetime.fromisoformat(whole)
    except ValueError:
        raise DataError(
            f"{where}: TIMESTAMP must be a date and time such as 2023-11-16 18:15:46.68, got {text!r}"
        ) from None
    try:
        parts = float(f"0.{fraction}") if fraction else 0.0
    except ValueError:
        raise DataError(f"{where}: TIMESTAMP has a bad fraction of a second: {text!r}") from None
    return moment.timestamp() + parts


def _azure(path: Path) -> Iterator[TraceRecord | None]:
    for where, row in _csv_rows(path, ("TIMESTAMP", "ContextTokens", "GeneratedTokens"), "azure"):
        output = _count(row.get("GeneratedTokens"), "GeneratedTokens", where)
        yield (
            None
            if output == 0
            else TraceRecord(
                _azure_time(row.get("TIMESTAMP"), where),
                _count(row.get("ContextTokens"), "ContextTokens", where, minimum=1),
                output,
            )
        )


def _burstgpt(path: Path) -> Iterator[TraceRecord | None]:
    for where, row in _csv_rows(path, ("Timestamp", "Request tokens", "Response tokens"), "burstgpt"):
        output = _count(row.get("Response tokens"), "Response tokens", where)
        yield (
            None
            if output == 0
            else TraceRecord(
                _seconds(row.get("Timestamp"), "Timestamp", where),
                _count(row.get("Request tokens"), "Request tokens", where, minimum=1),
                output,
            )
        )


_READERS = {"mooncake": _mooncake, "azure": _azure, "burstgpt": _burstgpt, "gaugellm": _own}


def detect_format(path: Path) -> TraceFormat:
    """The format of a trace, from its first non-empty line."""
    for _, line in _lines(path):
        text = line.strip()
        if not text:
            continue
        if text.startswith("{"):
            try:
                row = json.loads(text)
            except json.JSONDecodeError:
                break
            if isinstance(row, dict) and "timestamp" in row and "input_length" in row:
                return "mooncake"
            if isinstance(row, dict) and "at_s" in row:
                return "gaugellm"
            break
        header = {name.strip() for name in next(csv.reader([text]))}
        if "ContextTokens" in header:
            return "azure"
        if "Request tokens" in header:
            return "burstgpt"
        break
    raise DataError(
        f"cannot tell the format of trace {str(path)!r} from its first line; give --trace-format "
        f"({', '.join(TRACE_FORMATS)})"
    )


def read_trace(path: str | Path, format: TraceFormat | None = None) -> Trace:
    """Read a whole trace (see the module's docstring); every problem is a :class:`DataError`."""
    target = Path(path)
    if not target.is_file():
        raise DataError(
            f"trace file {str(target)!r} does not exist" if not target.exists() else f"{target} is not a file"
        )
    chosen = format or detect_format(target)
    if chosen not in _READERS:
        raise DataError(f"unknown trace format {chosen!r}; choose one of {', '.join(TRACE_FORMATS)}")
    records: list[TraceRecord] = []
    skipped = 0
    for record in _READERS[chosen](target):
        if record is None:
            skipped += 1
        else:
            records.append(record)
    if not records:
        raise DataError(f"trace {str(target)!r} holds no request to replay")
    reordered = any(later.at_s < earlier.at_s for earlier, later in pairwise(records))
    if reordered:
        records.sort(key=lambda record: record.at_s)
    start = records[0].at_s
    shifted = [TraceRecord(r.at_s - start, r.prompt_tokens, r.output_tokens, r.hash_ids) for r in records]
    return Trace(str(target), chosen, shifted, skipped=skipped, reordered=reordered)
