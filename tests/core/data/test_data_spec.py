"""The ``--data`` spec grammar: every form a user may write, and a clear error for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaugellm.data import parse_spec
from gaugellm.data.distributions import (
    ChoiceDistribution,
    FixedDistribution,
    LogNormalDistribution,
    NormalDistribution,
    UniformDistribution,
)
from gaugellm.data.spec import DEFAULT_SAMPLES, FileSpec, SyntheticSpec
from gaugellm.errors import DataError


def synthetic(spec: object) -> SyntheticSpec:
    parsed = parse_spec(spec)  # type: ignore[arg-type]
    assert isinstance(parsed, SyntheticSpec)
    return parsed


def test_default_is_synthetic_128_in_64_out() -> None:
    spec = synthetic(None)
    assert spec.prompt_tokens == FixedDistribution(128)
    assert spec.output_tokens == FixedDistribution(64)
    assert spec.samples == DEFAULT_SAMPLES
    assert spec.seed is None
    assert spec.chat is None
    assert spec.prefix_tokens == 0


def test_fixed_counts() -> None:
    spec = synthetic("prompt_tokens=256,output_tokens=128")
    assert spec.prompt_tokens == FixedDistribution(256)
    assert spec.output_tokens == FixedDistribution(128)


def test_range_is_uniform() -> None:
    spec = synthetic("prompt_tokens=100-300, output_tokens = 10 - 20")
    assert spec.prompt_tokens == UniformDistribution(100, 300)
    assert spec.output_tokens == UniformDistribution(10, 20)


def test_min_and_max_alone_are_uniform() -> None:
    assert synthetic("prompt_tokens_min=5,prompt_tokens_max=9").prompt_tokens == UniformDistribution(5, 9)


def test_bar_separated_values_are_choices() -> None:
    assert synthetic("prompt_tokens=128|512|2048").prompt_tokens == ChoiceDistribution((128, 512, 2048))


def test_stdev_makes_a_truncated_normal() -> None:
    spec = synthetic("prompt_tokens=256,prompt_tokens_stdev=32,prompt_tokens_min=64,prompt_tokens_max=400")
    assert spec.prompt_tokens == NormalDistribution(mean=256.0, stdev=32.0, minimum=64, maximum=400)


def test_lognormal_by_name() -> None:
    spec = synthetic("output_tokens=200,output_tokens_stdev=150,output_tokens_distribution=lognormal")
    assert spec.output_tokens == LogNormalDistribution(mean=200.0, stdev=150.0, minimum=1, maximum=None)


def test_zero_stdev_is_fixed() -> None:
    assert synthetic("prompt_tokens=50,prompt_tokens_stdev=0").prompt_tokens == FixedDistribution(50)


def test_other_keys() -> None:
    spec = synthetic("samples=1000,seed=7,chat=true,prefix_tokens=32,prompt_tokens=64")
    assert (spec.samples, spec.seed, spec.chat, spec.prefix_tokens) == (1000, 7, True, 32)
    assert synthetic("chat=no").chat is False


def test_dict_form_flat_and_nested() -> None:
    flat = synthetic({"prompt_tokens": 256, "prompt_tokens_stdev": 32, "output_tokens": "10-20", "chat": True})
    nested = synthetic(
        {"prompt_tokens": {"mean": 256, "stdev": 32}, "output_tokens": {"min": 10, "max": 20}, "chat": True}
    )
    assert flat == nested
    assert synthetic({"prompt_tokens": [64, 128]}).prompt_tokens == ChoiceDistribution((64, 128))


def test_json_string_form() -> None:
    assert synthetic('{"prompt_tokens": 99}').prompt_tokens == FixedDistribution(99)


def test_a_path_is_a_file_spec() -> None:
    assert parse_spec("data/prompts.jsonl") == FileSpec(path=Path("data/prompts.jsonl"))


def test_file_spec_with_options() -> None:
    spec = parse_spec("path=data.csv,output_tokens=100-200,chat=true,samples=10")
    assert spec == FileSpec(
        path=Path("data.csv"), output_tokens=UniformDistribution(100, 200), samples=10, seed=None, chat=True
    )
    assert parse_spec({"path": "x.jsonl"}) == FileSpec(path=Path("x.jsonl"))


def test_an_existing_file_with_equals_in_its_name_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a=b.jsonl").write_text('{"prompt": "x"}\n')
    assert parse_spec("a=b.jsonl") == FileSpec(path=Path("a=b.jsonl"))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("prompt_tokns=5", "unknown key 'prompt_tokns' for synthetic data; did you mean 'prompt_tokens'?"),
        ("prompt_tokens=abc", "prompt_tokens must be a whole number, got 'abc'"),
        ("prompt_tokens=0", "prompt_tokens must be at least 1"),
        ("prompt_tokens=300-100", "is not a range of positive counts from low to high"),
        ("prompt_tokens=5,prompt_tokens=6", "gives 'prompt_tokens' twice"),
        ("prompt_tokens", None),  # no '=': a file path, reported as not found when loaded
        ("prompt_tokens=5,samples", "'samples' is not key=value"),
        ("samples=0", "samples must be at least 1"),
        ("chat=maybe", "chat must be true or false"),
        ("prompt_tokens=5,prompt_tokens_min=2", "prompt_tokens_min does not apply to a fixed count"),
        ("prompt_tokens=100-200,prompt_tokens_stdev=3", "needs its mean as one number"),
        ("prompt_tokens=5,prompt_tokens_stdev=-1", "prompt_tokens_stdev must be a number of tokens"),
        ("prompt_tokens=5,prompt_tokens_stdev=x", "prompt_tokens_stdev must be a number of tokens"),
        ("prompt_tokens_min=9", "need prompt_tokens_stdev, or both of them"),
        ("prompt_tokens_min=9,prompt_tokens_max=3", "prompt_tokens_min (9) is larger than prompt_tokens_max (3)"),
        ("prompt_tokens=500,prompt_tokens_stdev=9,prompt_tokens_max=100", "lies outside its bounds"),
        ("prompt_tokens_distribution=normal,prompt_tokens=9", "needs prompt_tokens_stdev"),
        ("prompt_tokens_distribution=zipf", "must be one of fixed, uniform, choice, normal, lognormal"),
        ("prompt_tokens=64,prefix_tokens=64", "must be larger than prefix_tokens (64)"),
        ("prompt_tokens=32-128,prefix_tokens=64", "must be larger than prefix_tokens (64)"),
        ("path=x.jsonl,prompt_tokens=5", "unknown key 'prompt_tokens' for a data file"),
        ("   ", "--data is empty"),
        ("{not json", "looks like JSON but is not valid JSON"),
        ("[1, 2]", None),  # no '=': a (missing) file path, reported when loaded
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, message: str | None) -> None:
    if message is None:
        assert isinstance(parse_spec(spec), FileSpec)
        return
    with pytest.raises(DataError) as caught:
        parse_spec(spec)
    assert message in str(caught.value)


def test_prefix_raises_the_floor_of_a_normal_prompt_length() -> None:
    spec = synthetic("prompt_tokens=100,prompt_tokens_stdev=80,prefix_tokens=50")
    assert spec.prompt_tokens.lowest == 51
