"""Shared-prefix groups in synthetic data: which group each request gets, and what its prompt starts with."""

from __future__ import annotations

import pickle
from collections import Counter

import pytest

from gaugellm.data import load_dataset
from gaugellm.data.synthetic import SyntheticDataset
from gaugellm.errors import DataError

SPEC = "prompt_tokens=300,prefix_tokens=200,output_tokens=8,samples=20000"


def groups_of(spec: str) -> tuple[SyntheticDataset, Counter[int]]:
    dataset = load_dataset(spec, seed=5)
    assert isinstance(dataset, SyntheticDataset)
    return dataset, Counter(dataset.group(index) for index in range(len(dataset)))


def test_requests_of_a_group_share_its_prefix_and_only_its() -> None:
    dataset, _ = groups_of(SPEC + ",prefix_groups=4")
    prefix = 200 * 4  # the estimate: four characters per token
    by_group: dict[int, list[str]] = {}
    for index in range(40):
        by_group.setdefault(dataset.group(index), []).append(dataset.request(index).prompt or "")
    assert len(by_group) == 4
    heads = {group: {prompt[:prefix] for prompt in prompts} for group, prompts in by_group.items()}
    assert all(len(texts) == 1 for texts in heads.values()), "one prefix per group"
    assert len({next(iter(texts)) for texts in heads.values()}) == 4, "a different prefix for each group"
    assert all(len(prompt) == 300 * 4 for prompts in by_group.values() for prompt in prompts)


def test_uniform_groups() -> None:
    _, counts = groups_of(SPEC + ",prefix_groups=5")
    assert sorted(counts) == [0, 1, 2, 3, 4]
    assert all(abs(count / 20000 - 0.2) < 0.015 for count in counts.values())


def test_zipf_groups_follow_their_weights() -> None:
    _, counts = groups_of(SPEC + ",prefix_groups=10,prefix_skew=1.2")
    weights = [1 / (group + 1) ** 1.2 for group in range(10)]
    total = sum(weights)
    for group, weight in enumerate(weights):
        assert counts[group] / 20000 == pytest.approx(weight / total, abs=0.012)


def test_one_group_is_the_old_shared_prefix() -> None:
    one = load_dataset("prompt_tokens=300,prefix_tokens=200,samples=10", seed=5)
    grouped = load_dataset("prompt_tokens=300,prefix_tokens=200,samples=10,prefix_groups=1", seed=5)
    assert [one.request(i).prompt for i in range(10)] == [grouped.request(i).prompt for i in range(10)]
    assert one.description["prefix_groups"] == 1


def test_datasets_with_caches_still_pickle() -> None:
    dataset, _ = groups_of(SPEC + ",prefix_groups=3")
    first = dataset.request(7).prompt
    assert pickle.loads(pickle.dumps(dataset)).request(7).prompt == first  # noqa: S301 - our own bytes


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("prompt_tokens=300,prefix_groups=4", "need prefix_tokens"),
        ("prompt_tokens=300,prefix_tokens=200,prefix_skew=-1", "prefix_skew must be between 0"),
        ("prompt_tokens=300,prefix_tokens=200,prefix_groups=0", "prefix_groups"),
    ],
)
def test_bad_group_specs(spec: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_dataset(spec)
