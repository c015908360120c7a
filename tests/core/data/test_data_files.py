"""Data files: every format, plain prompts and chat, and a message naming the file and line for every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaugellm.data import estimate_tokens, load_dataset
from gaugellm.errors import DataError

CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a river."}]


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def load_error(path: str, **kwargs: object) -> str:
    with pytest.raises(DataError) as caught:
        load_dataset(path, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


# -- formats that work --------------------------------------------------------------------------------------------


def test_jsonl_plain_and_chat(tmp_path: Path) -> None:
    lines = [
        {"prompt": "Tell me about rivers.", "output_tokens": 50, "id": "r1"},
        {"text": "A text column works too.", "max_tokens": 7},
        {"messages": CHAT, "params": {"temperature": 0.5}, "category": "ignored"},
    ]
    path = write(tmp_path, "data.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n\n")
    dataset = load_dataset(path)
    assert len(dataset) == 3
    assert dataset.token_counting == "estimate"
    first, second, third = dataset
    assert (first.prompt, first.max_tokens, first.request_id) == ("Tell me about rivers.", 50, "r1")
    assert first.prompt_tokens == estimate_tokens("Tell me about rivers.")
    assert (second.prompt, second.max_tokens, second.request_id) == ("A text column works too.", 7, "data.jsonl:2")
    assert third.messages == CHAT
    assert third.max_tokens is None
    assert third.params == {"temperature": 0.5}
    assert third.prompt_tokens == estimate_tokens("Be brief.\nName a river.")


def test_csv_plain_chat_and_params(tmp_path: Path) -> None:
    text = (
        "prompt,messages,output_tokens,param.temperature,param.stop,note\n"
        '"A prompt, with a comma",,12,0.2,end,x\n'
        ',"[{""role"": ""user"", ""content"": ""Hi""}]",,,,\n'
        '"A prompt\nover two lines",,3.0,,"[""a""]",\n'
    )
    dataset = load_dataset(write(tmp_path, "data.csv", text))
    first, second, third = dataset
    assert (first.prompt, first.max_tokens) == ("A prompt, with a comma", 12)
    assert first.params == {"temperature": 0.2, "stop": "end"}
    assert second.messages == [{"role": "user", "content": "Hi"}]
    assert (third.prompt, third.max_tokens, third.params) == ("A prompt\nover two lines", 3, {"stop": ["a"]})
    assert third.request_id == "data.csv:4"


def test_tsv(tmp_path: Path) -> None:
    dataset = load_dataset(write(tmp_path, "data.tsv", "text\tmax_tokens\nhello there\t5\n"))
    assert [(r.prompt, r.max_tokens) for r in dataset] == [("hello there", 5)]


def test_json_array(tmp_path: Path) -> None:
    path = write(tmp_path, "data.json", json.dumps([{"prompt": "one"}, {"messages": CHAT, "id": 9}], indent=2))
    first, second = load_dataset(path)
    assert first.prompt == "one"
    assert (second.messages, second.request_id) == (CHAT, "9")


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", "\ufeffprompt\nhello\n".encode())
    assert load_dataset(path).request(0).prompt == "hello"


def test_chat_true_wraps_prompts(tmp_path: Path) -> None:
    path = write(tmp_path, "data.jsonl", '{"prompt": "hi"}\n')
    assert load_dataset(path, chat=True).request(0).messages == [{"role": "user", "content": "hi"}]
    assert load_dataset(f"path={path},chat=true").request(0).is_chat


def test_chat_false_refuses_messages(tmp_path: Path) -> None:
    path = write(tmp_path, "data.jsonl", '{"prompt": "hi"}\n' + json.dumps({"messages": CHAT}) + "\n")
    assert f"{path} line 2: has chat messages, but chat=false" in load_error(path, chat=False)


def test_output_tokens_from_the_spec_fill_in(tmp_path: Path) -> None:
    path = write(tmp_path, "data.jsonl", '{"prompt": "a"}\n{"prompt": "b", "output_tokens": 3}\n')
    dataset = load_dataset({"path": path, "output_tokens": "100-200"}, seed=1)
    first, second = dataset
    assert first.max_tokens is not None
    assert 100 <= first.max_tokens <= 200
    assert second.max_tokens == 3
    assert [r.max_tokens for r in load_dataset({"path": path, "output_tokens": "100-200"}, seed=1)] == [
        first.max_tokens,
        3,
    ]


def test_samples_keeps_the_first_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "data.jsonl", "".join(json.dumps({"prompt": f"p{i}"}) + "\n" for i in range(10)))
    assert [r.prompt for r in load_dataset(f"path={path},samples=3")] == ["p0", "p1", "p2"]


def test_requests_are_fresh_copies(tmp_path: Path) -> None:
    path = write(tmp_path, "data.jsonl", json.dumps({"messages": CHAT, "params": {"top_p": 1}}) + "\n")
    dataset = load_dataset(path)
    first = dataset.request(0)
    assert first.messages is not None
    first.messages[0]["content"] = "changed"
    first.params["top_p"] = 0
    assert dataset.request(0).messages == CHAT
    assert dataset.request(0).params == {"top_p": 1}


def test_description(tmp_path: Path) -> None:
    path = write(tmp_path, "data.jsonl", '{"prompt": "hi"}\n')
    description = json.loads(json.dumps(load_dataset(path).description))
    assert description["kind"] == "file"
    assert description["format"] == "jsonl"
    assert description["requests"] == 1
    assert description["content"] == "prompts"
    assert len(description["sha256"]) == 64
    assert description["token_counting"] == "estimate"


# -- bad files ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("data.jsonl", '{"prompt": "ok"}\n{"prompt": "ok"}\n{"prompt": broken}\n', "line 3: not valid JSON"),
        ("data.jsonl", '{"prompt": "ok"}\n\n[1, 2]\n', "line 3: expected a JSON object, got an array"),
        ("data.jsonl", '{"prompt": "ok"}\n{"question": "x"}\n', "line 2: needs a 'prompt' (or 'text') or 'messages'"),
        ("data.jsonl", '{"prompt": 5}\n', "line 1: 'prompt' must be a string, got int"),
        ("data.jsonl", '{"prompt": "  "}\n', "line 1: 'prompt' is empty"),
        ("data.jsonl", '{"prompt": "a", "messages": []}\n', "line 1: has both 'prompt' and 'messages'"),
        ("data.jsonl", '{"messages": []}\n', "line 1: 'messages' must be a non-empty list"),
        ("data.jsonl", '{"messages": [{"content": "x"}]}\n', "line 1: message 1 must be an object with a 'role'"),
        ("data.jsonl", '{"messages": [{"role": "user", "content": 3}]}\n', "message 1: 'content' must be a string"),
        ("data.jsonl", '{"prompt": "a", "output_tokens": 0}\n', "line 1: 'output_tokens' must be a whole number"),
        ("data.jsonl", '{"prompt": "a", "max_tokens": 2.5}\n', "line 1: 'max_tokens' must be a whole number"),
        ("data.jsonl", '{"prompt": "a", "max_tokens": true}\n', "'max_tokens' must be a whole number"),
        ("data.jsonl", '{"prompt": "a", "params": [1]}\n', "line 1: 'params' must be an object"),
        ("data.jsonl", '{"prompt": "a", "id": [1]}\n', "line 1: 'id' must be a string or a whole number"),
        ("data.csv", "prompt,output_tokens\nok,1\nok,many\n", "line 3: 'output_tokens' must be a whole number"),
        ("data.csv", 'prompt\n"one\nstill one"\n\nok,extra\n', "line 5: 2 cells, but the header names 1 columns"),
        ("data.csv", "prompt,prompt\na,b\n", "line 1: the header names column 'prompt' twice"),
        ("data.csv", "question\nwhat\n", "line 2: needs a 'prompt'"),
        ("data.csv", 'messages\n"[{""role"": ""user""]"\n', "line 2: 'messages' is not valid JSON"),
        ("data.csv", 'prompt,params\na,"{bad"\n', "line 2: 'params' is not valid JSON"),
        ("data.csv", "prompt\n", "is empty: it holds no requests"),
        ("data.json", '[\n  {"prompt": "a"},\n  {"prompt": 1}\n]', "item 2 (line 3): 'prompt' must be a string"),
        ("data.json", '[\n  {"prompt": "a"},\n  "b"\n]', "item 2 (line 3): expected an object, got a string"),
        ("data.json", '[\n  {"prompt": "a"},\n  {"prompt": }\n]', "line 3: not valid JSON"),
        ("data.json", '[{"prompt": "a"},]', "line 1: not valid JSON"),
        ("data.json", '[{"prompt": "a"}', "not valid JSON (the array is not closed"),
        ("data.json", '[{"prompt": "a"} {"prompt": "b"}]', "expected ',' or ']' after item 1"),
        ("data.json", '[{"prompt": "a"}] x', "text after the closing ']'"),
        ("data.json", '{"prompt": "a"}', "expected a JSON array of request objects, got an object"),
        ("data.json", "[]", "is empty: it holds no requests"),
        ("data.jsonl", "", "is empty: it holds no requests"),
        ("data.jsonl", "\n \n", "is empty: it holds no requests"),
        ("data.txt", "hello", "cannot tell the data format from extension '.txt'"),
    ],
)
def test_bad_file_names_file_and_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = write(tmp_path, name, text)
    error = load_error(path)
    assert error.startswith(path)
    assert message in error


def test_bad_encoding_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "data.jsonl", b'{"prompt": "ok"}\n{"prompt": "caf\xe9"}\n')
    assert load_error(path) == f"{path} line 2: not valid UTF-8 (byte 0xe9 at column 16); save the file as UTF-8"


def test_missing_file(tmp_path: Path) -> None:
    assert load_error(str(tmp_path / "gone.jsonl")) == f"data file not found: {tmp_path / 'gone.jsonl'}"
    assert "a synthetic spec is key=value pairs" in load_error("prompt_tokens")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "data.jsonl"
    folder.mkdir()
    assert load_error(str(folder)) == f"{folder} is a folder, not a data file"
