"""Synthetic data: reproducible, different per request, the lengths asked for, fast."""

from __future__ import annotations

import json
import pickle
import statistics
import subprocess
import sys
import time

import pytest

from gaugellm.backend.schemas import GenerationRequest
from gaugellm.data import CHARS_PER_TOKEN, Dataset, estimate_tokens, load_dataset


def prompts(dataset: Dataset, count: int) -> list[str]:
    return [dataset.request(index).prompt or "" for index in range(count)]


def test_same_seed_same_requests() -> None:
    spec = "prompt_tokens=50-150,output_tokens=10,samples=50"
    first = load_dataset(spec, seed=3)
    second = load_dataset(spec, seed=3)
    assert [first.request(i) for i in range(50)] == [second.request(i) for i in range(50)]


def test_different_seed_different_requests() -> None:
    first = prompts(load_dataset("samples=20", seed=1), 20)
    second = prompts(load_dataset("samples=20", seed=2), 20)
    assert all(a != b for a, b in zip(first, second, strict=True))


def test_seed_in_spec_wins_over_argument() -> None:
    assert prompts(load_dataset("seed=5,samples=3", seed=1), 3) == prompts(load_dataset("samples=3", seed=5), 3)


def test_order_of_building_does_not_matter() -> None:
    dataset = load_dataset("prompt_tokens=20-80,samples=30")
    forward = [dataset.request(i) for i in range(30)]
    backward = [dataset.request(i) for i in reversed(range(30))]
    assert forward == list(reversed(backward))


def test_same_requests_in_another_process() -> None:
    """No ``hash()`` anywhere: a fresh interpreter (with its own hash salt) builds the same prompts."""
    spec = "prompt_tokens=64,prompt_tokens_stdev=16,output_tokens=8-32,samples=5,prefix_tokens=8"
    code = (
        "import json; from gaugellm.data import load_dataset; "
        f"d = load_dataset({spec!r}, seed=11); "
        "print(json.dumps([[r.prompt, r.max_tokens, r.prompt_tokens] for r in d]))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = [[r.prompt, r.max_tokens, r.prompt_tokens] for r in load_dataset(spec, seed=11)]
    assert json.loads(other.stdout) == here


def test_prompts_differ_from_the_first_word() -> None:
    texts = prompts(load_dataset("samples=500"), 500)
    assert len({text[:24] for text in texts}) == 500


def test_estimate_mode_lengths_are_exact_under_the_estimate() -> None:
    dataset = load_dataset("prompt_tokens=10-300,samples=200")
    assert dataset.token_counting == "estimate"
    for index in range(200):
        request = dataset.request(index)
        assert request.prompt is not None
        assert request.prompt_tokens is not None
        assert len(request.prompt) == request.prompt_tokens * CHARS_PER_TOKEN
        assert estimate_tokens(request.prompt) == request.prompt_tokens


def test_requests_carry_output_budget_and_ids() -> None:
    dataset = load_dataset("prompt_tokens=32,output_tokens=17,samples=4")
    request = dataset.request(3)
    assert isinstance(request, GenerationRequest)
    assert request.max_tokens == 17
    assert request.prompt_tokens == 32
    assert request.request_id == "synthetic-3"
    assert not request.is_chat
    assert len(dataset) == 4


def test_chat_requests_have_one_user_message() -> None:
    plain = load_dataset("samples=3", seed=9)
    chat = load_dataset("samples=3", seed=9, chat=True)
    request = chat.request(1)
    assert request.is_chat
    assert request.messages == [{"role": "user", "content": plain.request(1).prompt}]
    assert load_dataset("samples=3,chat=false", chat=True).request(0).prompt is not None


def test_prefix_is_shared_and_the_rest_differs() -> None:
    dataset = load_dataset("prompt_tokens=64,prefix_tokens=40,samples=50")
    texts = prompts(dataset, 50)
    prefix = texts[0][: 40 * CHARS_PER_TOKEN]
    assert all(text.startswith(prefix) for text in texts)
    assert len({text[len(prefix) :] for text in texts}) == 50
    assert all(len(text) == 64 * CHARS_PER_TOKEN for text in texts)


@pytest.mark.parametrize(
    ("spec", "mean", "low", "high"),
    [
        ("prompt_tokens=200,prompt_tokens_stdev=40,prompt_tokens_min=150,prompt_tokens_max=260", None, 150, 260),
        ("prompt_tokens=200,prompt_tokens_stdev=30", 200, 1, None),
        ("prompt_tokens=100-300", 200, 100, 300),
        ("prompt_tokens=200,prompt_tokens_stdev=100,prompt_tokens_distribution=lognormal", 200, 1, None),
        ("prompt_tokens=100|300", 200, 100, 300),
    ],
)
def test_distributions_respect_bounds_and_mean(spec: str, mean: float | None, low: int, high: int | None) -> None:
    dataset = load_dataset(spec + ",samples=3000,output_tokens=1")
    counts = [dataset.request(index).prompt_tokens or 0 for index in range(3000)]
    assert min(counts) >= low
    if high is not None:
        assert max(counts) <= high
    if mean is not None:
        assert statistics.fmean(counts) == pytest.approx(mean, rel=0.05)


def test_normal_spread_is_about_its_stdev() -> None:
    dataset = load_dataset("prompt_tokens=500,prompt_tokens_stdev=50,samples=3000")
    counts = [dataset.request(index).prompt_tokens or 0 for index in range(3000)]
    assert statistics.stdev(counts) == pytest.approx(50, rel=0.1)


def test_choice_uses_every_value() -> None:
    dataset = load_dataset("output_tokens=1|2|3,samples=300")
    assert {dataset.request(index).max_tokens for index in range(300)} == {1, 2, 3}


def test_index_out_of_range() -> None:
    dataset = load_dataset("samples=2")
    with pytest.raises(IndexError):
        dataset.request(2)
    with pytest.raises(IndexError):
        dataset.request(-1)


def test_description_is_json_safe() -> None:
    dataset = load_dataset({"prompt_tokens": {"mean": 100, "stdev": 10}, "samples": 10}, seed=4)
    description = json.loads(json.dumps(dataset.description))
    assert description["kind"] == "synthetic"
    assert description["seed"] == 4
    assert description["token_counting"] == "estimate"
    normal = {"distribution": "normal", "mean": 100.0, "stdev": 10.0, "min": 1, "max": None}
    assert description["prompt_tokens"] == normal
    assert description["spec"] == {"prompt_tokens": {"mean": 100, "stdev": 10}, "samples": 10}


def test_dataset_pickles() -> None:
    dataset = load_dataset("prompt_tokens=20-40,samples=5", seed=8)
    copy = pickle.loads(pickle.dumps(dataset))  # noqa: S301 - our own bytes
    assert list(copy) == list(dataset)


def test_ten_thousand_requests_well_under_a_second() -> None:
    dataset = load_dataset(None)
    assert len(dataset) == 10_000
    started = time.perf_counter()
    requests = list(dataset)
    elapsed = time.perf_counter() - started
    assert len({request.prompt for request in requests}) == 10_000
    assert elapsed < 1.0, f"10,000 synthetic requests took {elapsed:.2f} s"


def test_importing_the_package_stays_light() -> None:
    code = "import sys, gaugellm.data; print('tokenizers' in sys.modules, 'pydantic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
