"""Traffic classes (``--class``): the mix follows the shares, repeats exactly, and tags every request with its class."""

from __future__ import annotations

import pytest

from gaugellm.cli.run import build_config_dict, parse_class
from gaugellm.data.loader import load_mixture
from gaugellm.errors import DataError, RunConfigError
from gaugellm.runner.config import RunConfig

CLASSES = [
    ("chat", 4.0, "prompt_tokens=32,output_tokens=8"),
    ("summary", 1.0, "prompt_tokens=512,output_tokens=128,samples=50"),
]


def test_the_mix_follows_the_shares_and_repeats_exactly() -> None:
    mix = load_mixture(CLASSES, seed=7)
    requests = [mix.request(i) for i in range(4000)]
    chat = sum(1 for r in requests if r.traffic_class == "chat")
    # 4:1 normalised is 80 %; 4000 draws put a 4-sigma band at about +-2.5 points
    assert 0.775 < chat / 4000 < 0.825
    again = load_mixture(CLASSES, seed=7)
    assert [again.request(i).request_id for i in range(200)] == [r.request_id for r in requests[:200]]
    assert [r.traffic_class for r in requests[:200]] != [
        load_mixture(CLASSES, seed=8).request(i).traffic_class for i in range(200)
    ]


def test_each_request_comes_from_its_class_data() -> None:
    mix = load_mixture(CLASSES, seed=1)
    for index in range(300):
        request = mix.request(index)
        assert request.request_id.startswith(f"{request.traffic_class}:")
        assert request.max_tokens == (8 if request.traffic_class == "chat" else 128)
    description = mix.description
    assert description["kind"] == "classes"
    assert [(c["name"], c["share"]) for c in description["classes"]] == [("chat", 0.8), ("summary", 0.2)]


def test_a_bad_class_data_names_the_class() -> None:
    with pytest.raises(DataError, match="traffic class 'summary': --data: unknown key 'prompt_tokns'"):
        load_mixture([("chat", 1.0, None), ("summary", 1.0, "prompt_tokns=5")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chat=0.8", {"name": "chat", "share": 0.8}),
        (
            "chat=4:prompt_tokens=32,output_tokens=8",
            {"name": "chat", "share": 4.0, "data": "prompt_tokens=32,output_tokens=8"},
        ),
        ("qa=1:path=hf:org/qa,split=test", {"name": "qa", "share": 1.0, "data": "path=hf:org/qa,split=test"}),
    ],
)
def test_class_options_parse(text: str, expected: dict[str, object]) -> None:
    assert parse_class(text) == expected


@pytest.mark.parametrize("text", ["chat", "chat=", "chat=-1", "chat=zero:prompt_tokens=3", "=0.5"])
def test_bad_class_options_are_refused(text: str) -> None:
    with pytest.raises(RunConfigError, match="NAME=SHARE"):
        parse_class(text)


def config_with(*classes: str, **more: object) -> RunConfig:
    options: dict[str, object] = {
        "backend": "openai_http", "backend_kwargs": None, "target": "http://127.0.0.1:9", "executor": None,
        "executor_kwargs": None, "collector": (), "traffic_classes": classes, "max_requests": 10, **more,
    }  # fmt: skip
    return RunConfig.parse(build_config_dict(None, options))


def test_classes_exclude_data_and_replay_and_repeated_names() -> None:
    pytest.importorskip("gaugellm_openai", reason="the config is checked against the openai_http backend's args")
    config = config_with("chat=0.8", "long=0.2:prompt_tokens=900")
    assert [(c.name, c.share, c.data) for c in config.classes] == [
        ("chat", 0.8, None),
        ("long", 0.2, "prompt_tokens=900"),
    ]
    with pytest.raises(RunConfigError, match="--class and --data exclude each other"):
        config_with("chat=1", data="prompt_tokens=5")
    with pytest.raises(RunConfigError, match="'chat' is given twice"):
        config_with("chat=1", "chat=2")


def test_a_check_on_a_class_the_run_does_not_have_is_refused_before_it_runs() -> None:
    pytest.importorskip("gaugellm_openai", reason="the config is checked against the openai_http backend's args")
    config = config_with("chat=1", checks=("classes.chat.ttft.p99<=1s",))
    assert config.checks == ["classes.chat.ttft.p99<=1s"]
    with pytest.raises(RunConfigError, match="no traffic class 'long' in this run; its classes are chat"):
        config_with("chat=1", checks=("classes.long.ttft.p99<=1s",))


def test_a_check_on_a_turn_is_taken_as_is_and_a_bad_turn_number_refused_before_the_run() -> None:
    """Which turns a run reaches depends on its conversations: a turn is checked for its form, not against the run."""
    pytest.importorskip("gaugellm_openai", reason="the config is checked against the openai_http backend's args")
    config = config_with(checks=("turns.7.ttft.p99<=1s",))
    assert config.checks == ["turns.7.ttft.p99<=1s"]
    with pytest.raises(RunConfigError, match=r"turns\.N\.METRIC with N a turn number from 1") as caught:
        config_with(checks=("turns.0.ttft.p99<=1s",))
    assert "\n" not in str(caught.value)
