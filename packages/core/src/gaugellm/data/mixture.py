"""Traffic classes: one run mixing several workloads, each with its share of the requests (``--class``).

A deployment rarely serves one shape of request: 80 % short chat and 20 % long summaries load a server differently
from either alone, and the latency of each class under the mix is what its users see. :class:`MixtureDataset` draws
each request's class from the shares, deterministically from (seed, index) like synthetic data, so the same run
sends the same mix in the same order; the request then comes from that class's own data set (any ``--data`` form),
tagged with the class so that the report gives each class's figures beside the overall ones.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence
from typing import Any

from gaugellm.data.dataset import Dataset
from gaugellm.data.rng import RequestRandom
from gaugellm.data.tokens import TokenCounter

__all__ = ["MixtureDataset", "TrafficClassData"]

#: Draws per class: the mixture is as long as the largest class's data times this, so that every class is drawn from
#: many times before a request repeats.
_SPAN = 8


@dataclasses.dataclass(frozen=True, slots=True)
class TrafficClassData:
    """One class: its name, its share (any positive weight; shares are normalised) and its data."""

    name: str
    share: float
    dataset: Dataset


class MixtureDataset(Dataset):
    """Requests of several data sets, each index assigned to one class by the classes' shares."""

    def __init__(self, classes: Sequence[TrafficClassData], counter: TokenCounter, *, seed: int) -> None:
        super().__init__(counter)
        if not classes:
            raise ValueError("a mixture needs at least one class")
        self.classes = list(classes)
        self.seed = seed
        total = sum(c.share for c in self.classes)
        running, bounds = 0.0, []
        for c in self.classes:
            running += c.share / total
            bounds.append(running)
        bounds[-1] = 1.0
        self._bounds = bounds
        self._length = _SPAN * max(len(c.dataset) for c in self.classes)

    def __len__(self) -> int:
        return self._length

    def class_of(self, index: int) -> TrafficClassData:
        """The class that request ``index`` belongs to: a uniform draw from (seed, index) against the shares."""
        draw = RequestRandom(self.seed, index, "traffic-class").uniform()
        return self.classes[min(bisect.bisect_right(self._bounds, draw), len(self.classes) - 1)]

    def request(self, index: int) -> Any:
        self._check_index(index)
        chosen = self.class_of(index)
        inner = chosen.dataset
        request = inner.request(index % len(inner))
        request.request_id = f"{chosen.name}:{request.request_id}"
        request.traffic_class = chosen.name
        return request

    @property
    def description(self) -> dict[str, Any]:
        total = sum(c.share for c in self.classes)
        return {
            "kind": "classes",
            "seed": self.seed,
            "classes": [
                {"name": c.name, "share": c.share / total, "data": c.dataset.description} for c in self.classes
            ],
            **self.token_counter.describe(),
        }
