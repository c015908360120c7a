"""Per-request records: a compact columnar store while the run goes on, and a columnar form in the JSON report.

One object per request would cost a few hundred bytes each and, in JSON, repeat every field name for every request.
So the accumulator keeps typed arrays (``array('q')``: 8 bytes a number), the report keeps one list per field, and
:class:`RequestRecord` (one row) exists only when somebody asks for rows.

Times in records are milliseconds relative to the benchmark's start (``started_ns`` of its summary), so that a saved
report means something without the runner's monotonic clock.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["RecordStore", "RequestRecord", "RequestRecords", "RequestStatus"]

RequestStatus = Literal["ok", "error", "cancelled"]

_NONE = -(1 << 63)  # the "missing" sentinel of the integer columns
_STATUSES: tuple[RequestStatus, ...] = ("ok", "error", "cancelled")
_SOURCES = ("server", "engine", "tokenizer", "estimate", "stream", "none")
_SOURCE_CODES = {name: code for code, name in enumerate(_SOURCES)}


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request, as the report keeps it. Times are ms from the benchmark's start; ``None`` where not measured."""

    request_id: str
    status: RequestStatus
    scheduled_ms: float | None
    dispatched_ms: float | None
    ttft_ms: float | None
    itl_ms: float | None
    latency_ms: float | None
    prompt_tokens: int | None
    output_tokens: int | None
    output_tokens_source: str
    chunks: int
    error_kind: str | None
    status_code: int | None


RECORD_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(RequestRecord))


def _ms(value_ns: int | None, origin_ns: int) -> float | None:
    return None if value_ns is None else round((value_ns - origin_ns) / 1e6, 6)


def _opt(value: int) -> int | None:
    return None if value == _NONE else value


class RecordStore:
    """Raw per-request numbers in typed arrays, at most ``limit`` requests (the first ones); the rest are counted."""

    __slots__ = (
        "_chunks",
        "_dispatched",
        "_ended",
        "_error_kind",
        "_first",
        "_ids",
        "_last",
        "_output",
        "_prompt",
        "_scheduled",
        "_source",
        "_status",
        "_status_code",
        "dropped",
        "error_kinds",
        "limit",
    )

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.dropped = 0
        self._ids: list[str] = []
        self._status = array("b")
        self._scheduled = array("q")
        self._dispatched = array("q")
        self._first = array("q")
        self._last = array("q")
        self._ended = array("q")
        self._prompt = array("q")
        self._output = array("q")
        self._source = array("b")
        self._chunks = array("q")
        self._error_kind = array("b")
        self._status_code = array("q")
        self.error_kinds: list[str] = []  # the error kinds seen, indexed by the codes in _error_kind

    def __len__(self) -> int:
        return len(self._ids)

    def append(
        self,
        request_id: str,
        status: int,
        times: tuple[int | None, int | None, int | None, int | None, int | None],
        prompt_tokens: int | None,
        output_tokens: int | None,
        source: str,
        chunks: int,
        error_kind: str | None,
        status_code: int | None,
    ) -> None:
        """Keep one request. ``status``: 0 ok, 1 error, 2 cancelled; ``times``: scheduled, dispatched, first, last,
        end (perf_counter_ns).
        """
        if len(self._ids) >= self.limit:
            self.dropped += 1
            return
        self._ids.append(request_id)
        self._status.append(status)
        scheduled, dispatched, first, last, ended = times
        self._scheduled.append(_NONE if scheduled is None else scheduled)
        self._dispatched.append(_NONE if dispatched is None else dispatched)
        self._first.append(_NONE if first is None else first)
        self._last.append(_NONE if last is None else last)
        self._ended.append(_NONE if ended is None else ended)
        self._prompt.append(_NONE if prompt_tokens is None else prompt_tokens)
        self._output.append(_NONE if output_tokens is None else output_tokens)
        self._source.append(_SOURCE_CODES.get(source, _SOURCE_CODES["none"]))
        self._chunks.append(chunks)
        if error_kind is None:
            self._error_kind.append(-1)
        else:
            if error_kind not in self.error_kinds:
                self.error_kinds.append(error_kind)
            self._error_kind.append(self.error_kinds.index(error_kind))
        self._status_code.append(_NONE if status_code is None else status_code)

    def rows(self, origin_ns: int) -> list[RequestRecord]:
        """The kept requests as records, times in ms relative to ``origin_ns``."""
        rows = []
        for i, request_id in enumerate(self._ids):
            dispatched = _opt(self._dispatched[i])
            first = _opt(self._first[i])
            last = _opt(self._last[i])
            ended = _opt(self._ended[i])
            output = _opt(self._output[i])
            status = _STATUSES[self._status[i]]
            chunks = self._chunks[i]
            ok = status == "ok"
            ttft = first - dispatched if ok and first is not None and dispatched is not None else None
            latency = ended - dispatched if ok and ended is not None and dispatched is not None else None
            itl = None
            if ok and chunks >= 2 and output is not None and output >= 2 and first is not None and last is not None:
                itl = (last - first) / (output - 1)
            kind_code = self._error_kind[i]
            rows.append(
                RequestRecord(
                    request_id=request_id,
                    status=status,
                    scheduled_ms=_ms(_opt(self._scheduled[i]), origin_ns),
                    dispatched_ms=_ms(dispatched, origin_ns),
                    ttft_ms=None if ttft is None else round(ttft / 1e6, 6),
                    itl_ms=None if itl is None else round(itl / 1e6, 6),
                    latency_ms=None if latency is None else round(latency / 1e6, 6),
                    prompt_tokens=_opt(self._prompt[i]),
                    output_tokens=output,
                    output_tokens_source=_SOURCES[self._source[i]],
                    chunks=chunks,
                    error_kind=None if kind_code < 0 else self.error_kinds[kind_code],
                    status_code=_opt(self._status_code[i]),
                )
            )
        return rows


class RequestRecords(BaseModel):
    """Per-request records in columns: entry ``i`` of every list belongs to request ``i``.

    Built from a ``list[RequestRecord]`` (what :attr:`BenchmarkAccumulator.records` gives), which is converted on
    validation, so ``BenchmarkReport(records=accumulator.records)`` just works.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    request_id: list[str] = Field(default_factory=list)
    status: list[RequestStatus] = Field(default_factory=list)
    scheduled_ms: list[float | None] = Field(default_factory=list, description="ms from the benchmark's start.")
    dispatched_ms: list[float | None] = Field(default_factory=list, description="ms from the benchmark's start.")
    ttft_ms: list[float | None] = Field(default_factory=list)
    itl_ms: list[float | None] = Field(default_factory=list)
    latency_ms: list[float | None] = Field(default_factory=list, description="From dispatch.")
    prompt_tokens: list[int | None] = Field(default_factory=list)
    output_tokens: list[int | None] = Field(default_factory=list)
    output_tokens_source: list[str] = Field(default_factory=list)
    chunks: list[int] = Field(default_factory=list)
    error_kind: list[str | None] = Field(default_factory=list)
    status_code: list[int | None] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_rows(cls, data: Any) -> Any:
        if isinstance(data, Sequence) and not isinstance(data, str | bytes):
            return cls.columns_of(data)
        return data

    @model_validator(mode="after")
    def _same_lengths(self) -> RequestRecords:
        lengths = {name: len(getattr(self, name)) for name in RECORD_FIELDS}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"record columns differ in length: {lengths}")
        return self

    @staticmethod
    def columns_of(rows: Iterable[RequestRecord]) -> dict[str, list[Any]]:
        columns: dict[str, list[Any]] = {name: [] for name in RECORD_FIELDS}
        for row in rows:
            for name in RECORD_FIELDS:
                columns[name].append(getattr(row, name))
        return columns

    @property
    def count(self) -> int:
        """How many requests the columns hold."""
        return len(self.request_id)

    def rows(self) -> list[RequestRecord]:
        """The records one per request (for analysis in Python)."""
        columns = [getattr(self, name) for name in RECORD_FIELDS]
        return [RequestRecord(*values) for values in zip(*columns, strict=True)]
