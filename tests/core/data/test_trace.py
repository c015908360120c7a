"""Traces: every format read from small files written here, bad records named by file and line, windows, prefixes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gaugellm.data.tokens import load_token_counter
from gaugellm.data.trace import TraceRecord, read_trace
from gaugellm.data.trace_dataset import TraceDataset
from gaugellm.errors import DataError


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mooncake(tmp_path: Path) -> Path:
    rows = [
        {"timestamp": 0, "input_length": 1024, "output_length": 8, "hash_ids": [7, 8]},
        {"timestamp": 250, "input_length": 700, "output_length": 4, "hash_ids": [7, 9]},
        {"timestamp": 1000, "input_length": 1500, "output_length": 0, "hash_ids": [1, 2, 3]},  # empty answer: skipped
        {"timestamp": 2500, "input_length": 300, "output_length": 16, "hash_ids": [7]},
    ]
    return write(tmp_path / "mooncake.jsonl", [json.dumps(row) for row in rows])


def test_mooncake(tmp_path: Path) -> None:
    trace = read_trace(mooncake(tmp_path))
    assert trace.format == "mooncake"
    assert trace.records == [
        TraceRecord(0.0, 1024, 8, (7, 8)),
        TraceRecord(0.25, 700, 4, (7, 9)),
        TraceRecord(2.5, 300, 16, (7,)),
    ]
    assert trace.skipped == 1
    assert trace.span_s == 2.5


def test_azure(tmp_path: Path) -> None:
    path = write(
        tmp_path / "azure.csv",
        [
            "TIMESTAMP,ContextTokens,GeneratedTokens",
            "2023-11-16 18:15:46.6805900,374,44",
            "2023-11-16 18:15:50.9951690,396,109",
            "2023-11-16 18:15:48.0000000,200,10",
        ],
    )
    trace = read_trace(path)
    assert trace.format == "azure"
    assert trace.reordered, "a merged log may interleave: records are sorted"
    assert [round(r.at_s, 4) for r in trace.records] == [0.0, 1.3194, 4.3146]
    assert [(r.prompt_tokens, r.output_tokens) for r in trace.records] == [(374, 44), (200, 10), (396, 109)]


def test_burstgpt(tmp_path: Path) -> None:
    path = write(
        tmp_path / "burst.csv",
        [
            "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type",
            "5,ChatGPT,472,18,490,Conversation log",
            "45,ChatGPT,1087,0,1087,Conversation log",
            "118,GPT-4,417,1009,1426,API log",
        ],
    )
    trace = read_trace(path)
    assert trace.format == "burstgpt"
    assert [(r.at_s, r.prompt_tokens, r.output_tokens) for r in trace.records] == [(0.0, 472, 18), (113.0, 417, 1009)]
    assert trace.skipped == 1


def test_own_format(tmp_path: Path) -> None:
    path = write(
        tmp_path / "own.jsonl",
        [
            '{"at_s": 1.5, "prompt_tokens": 10, "output_tokens": 3}',
            "",
            '{"at_s": 2, "prompt_tokens": 20, "output_tokens": 5}',
        ],
    )
    trace = read_trace(path)
    assert trace.format == "gaugellm"
    assert [(r.at_s, r.prompt_tokens) for r in trace.records] == [(0.0, 10), (0.5, 20)]


@pytest.mark.parametrize(
    ("lines", "fmt", "message"),
    [
        (['{"timestamp": 0, "input_length": 5, "output_length": 1}', "{nope"], None, "t.txt:2: not valid JSON"),
        (['{"timestamp": 0, "input_length": 5}'], None, "t.txt:1: a mooncake trace record needs 'output_length'"),
        (['{"timestamp": -1, "input_length": 5, "output_length": 1}'], None, "t.txt:1: timestamp must be a finite"),
        (['{"timestamp": 0, "input_length": 0, "output_length": 1}'], None, "t.txt:1: input_length must be a whole"),
        (['{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": "x"}'], None, "hash_ids must be"),
        (["TIMESTAMP,ContextTokens,GeneratedTokens", "yesterday,5,5"], None, "t.txt:2: TIMESTAMP must be a date"),
        (["Timestamp,Request tokens,Response tokens", "1,2.5,3"], None, "t.txt:2: Request tokens must be a whole"),
        (["Timestamp,Request tokens", "1,2"], "burstgpt", "t.txt:1: a burstgpt trace needs the columns"),
        (["a,b,c", "1,2,3"], None, "cannot tell the format"),
        (['{"at_s": 1, "prompt_tokens": 5, "output_tokens": 0}'], None, "holds no request to replay"),
    ],
)
def test_bad_traces_name_the_file_and_line(tmp_path: Path, lines: list[str], fmt: str | None, message: str) -> None:
    path = write(tmp_path / "t.txt", lines)
    with pytest.raises(DataError, match=re.escape(message)):
        read_trace(path, fmt)  # type: ignore[arg-type]


def test_a_missing_or_binary_trace(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_trace(tmp_path / "nope.jsonl")
    binary = tmp_path / "b.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="not UTF-8"):
        read_trace(binary)


def test_window_shifts_to_zero_and_refuses_an_empty_one(tmp_path: Path) -> None:
    trace = read_trace(mooncake(tmp_path))
    assert [r.at_s for r in trace.window(0.2, 2.5)] == [0.0, 2.25]
    with pytest.raises(DataError, match="no request between 10 s and 11 s"):
        trace.window(10, 1)


def test_shared_hash_ids_share_prompt_text(tmp_path: Path) -> None:
    trace = read_trace(mooncake(tmp_path))
    dataset = TraceDataset(trace, trace.records, load_token_counter(None), seed=3, chat=False, block_tokens=512)
    first, second, third = (dataset.prompt(i) for i in range(3))
    block = 512 * 4  # the estimate counts four characters per token
    assert first[:block] == second[:block], "both start with block 7"
    assert third == first[: 300 * 4], "the third is cut from block 7"
    assert first[block : 2 * block] != second[block : block + 188 * 4], "blocks 8 and 9 differ"
    assert [len(text) // 4 for text in (first, second, third)] == [1024, 700, 300]
    again = TraceDataset(trace, trace.records, load_token_counter(None), seed=3, chat=False)
    assert again.request(1).prompt == second, "the same trace and seed give the same prompts"
    request = dataset.request(2)
    assert (request.max_tokens, request.prompt_tokens, request.request_id) == (16, 300, "trace-2")
    assert dataset.description["format"] == "mooncake"
