"""Stop conditions, and the warm-up and cool-down windows that are measured but left out of the results.

Every stage of a run gets the same limits. ``--warmup`` and ``--cooldown`` take one of three forms:

* ``N`` (an integer): the first (last) N requests of the stage;
* ``F`` (a fraction, ``0 < F < 1``): that share of the stage's ``--max-requests`` if set, else of ``--max-seconds``;
* ``Ts`` (seconds, e.g. ``5s`` or ``0.5s``): requests scheduled in the first (last) T seconds of the stage.

A rate stage's ramp-up (``--ramp-up``) is left out the same way: the excluder of such a stage leaves out everything
scheduled before the ramp ends as well as the warm-up, so the longer of the two windows wins.

Warm-up and cool-down are *part of* the limits: ``--max-requests 100 --warmup 10`` sends 100 requests and reports 90.
Requests are placed by their position in the stage and by their scheduled time, which the runner fixes before it
sends them, so the choice never depends on how the server behaved.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from gaugellm.bounds import MAX_REQUESTS, MAX_SECONDS
from gaugellm.errors import RunConfigError

__all__ = ["ErrorLimit", "StageLimits", "Window", "parse_error_limit", "parse_window"]

_SECONDS = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*s\s*$")


@dataclass(frozen=True, slots=True)
class Window:
    """A warm-up or cool-down window as the user wrote it."""

    requests: int = 0
    fraction: float = 0.0
    seconds: float = 0.0

    def resolve(self, max_requests: int | None, max_seconds: float | None) -> tuple[int, int]:
        """``(requests, nanoseconds)`` to leave out, given the stage's limits."""
        if self.fraction:
            if max_requests is not None:
                return round(self.fraction * max_requests), 0
            if max_seconds is not None:
                return 0, round(self.fraction * max_seconds * 1e9)
            return 0, 0
        return self.requests, round(self.seconds * 1e9)

    def describe(self) -> str | None:
        if self.requests:
            return f"{self.requests} requests"
        if self.fraction:
            return f"{self.fraction:g} of the stage"
        if self.seconds:
            return f"{self.seconds:g}s"
        return None


def parse_window(value: str | float | int | None, option: str = "--warmup") -> Window:
    """Parse ``N``, ``F`` or ``Ts`` (see the module's docstring)."""
    if value is None or value == "" or value == 0:
        return Window()
    if isinstance(value, str):
        match = _SECONDS.match(value)
        if match:
            seconds = float(match.group(1))
            if seconds > MAX_SECONDS:
                raise RunConfigError(f"{option} {value!r} is longer than a stage may last ({MAX_SECONDS:g} s)")
            return Window(seconds=seconds)
        try:
            number = float(value)
        except ValueError:
            raise RunConfigError(
                f"{option} must be a number of requests (10), a fraction (0.1) or seconds (5s), got {value!r}"
            ) from None
    else:
        number = float(value)
    if not math.isfinite(number) or number > MAX_REQUESTS:
        raise RunConfigError(f"{option} must be a finite number up to {MAX_REQUESTS} requests, got {value!r}")
    if number < 0:
        raise RunConfigError(f"{option} cannot be negative, got {value!r}")
    if 0 < number < 1:
        return Window(fraction=number)
    if number != int(number):
        raise RunConfigError(f"{option} {value!r}: a number of requests must be whole (or write seconds as '{value}s')")
    return Window(requests=int(number))


@dataclass(frozen=True, slots=True)
class ErrorLimit:
    """Stop after ``count`` errors, or once the error rate exceeds ``rate`` (after ``MIN_FOR_RATE`` requests)."""

    count: int | None = None
    rate: float | None = None

    #: An error rate is judged only after this many requests ended, so that one early failure does not end a run.
    MIN_FOR_RATE = 20

    def exceeded(self, errors: int, finished: int) -> bool:
        if self.count is not None and errors >= self.count:
            return True
        return self.rate is not None and finished >= self.MIN_FOR_RATE and errors / finished > self.rate

    def describe(self) -> str | None:
        if self.count is not None:
            return f"{self.count} errors"
        if self.rate is not None:
            return f"error rate {self.rate:.0%}"
        return None


def parse_error_limit(value: float | None) -> ErrorLimit:
    """``N >= 1``: a number of errors; ``0 < F < 1``: an error rate."""
    if value is None:
        return ErrorLimit()
    if not math.isfinite(value) or value > MAX_REQUESTS:
        raise RunConfigError(f"--max-errors must be a finite number up to {MAX_REQUESTS}, got {value!r}")
    if value <= 0:
        raise RunConfigError(f"--max-errors must be positive (a count, or a rate below 1), got {value:g}")
    if value < 1:
        return ErrorLimit(rate=value)
    if value != int(value):
        raise RunConfigError(f"--max-errors {value:g}: a number of errors must be whole (or a rate below 1)")
    return ErrorLimit(count=int(value))


@dataclass(frozen=True, slots=True)
class StageLimits:
    """When a stage stops, and which of its requests are left out of the results."""

    max_requests: int | None = None
    max_seconds: float | None = None
    errors: ErrorLimit = ErrorLimit()
    warmup: Window = Window()
    cooldown: Window = Window()
    bounded_by_plan: bool = False  # a replay ends with its trace: it needs no limit of its own

    def __post_init__(self) -> None:
        if self.max_requests is None and self.max_seconds is None and not self.bounded_by_plan:
            raise RunConfigError("a run needs a stop condition: --max-requests N or --max-seconds S (or both)")
        if self.max_requests is not None and self.max_requests < 1:
            raise RunConfigError(f"--max-requests must be at least 1, got {self.max_requests}")
        if self.max_seconds is not None and not 0 < self.max_seconds <= MAX_SECONDS:
            raise RunConfigError(
                f"--max-seconds must be positive and at most {MAX_SECONDS:g}, got {self.max_seconds:g}"
            )
        warm_n, warm_ns = self.warmup.resolve(self.max_requests, self.max_seconds)
        cool_n, cool_ns = self.cooldown.resolve(self.max_requests, self.max_seconds)
        if self.max_requests is not None and warm_n + cool_n >= self.max_requests:
            raise RunConfigError(
                f"warm-up and cool-down ({warm_n + cool_n} requests) leave nothing "
                f"of --max-requests {self.max_requests}"
            )
        if self.max_seconds is not None and warm_ns + cool_ns >= self.max_seconds * 1e9:
            raise RunConfigError(f"warm-up and cool-down leave nothing of --max-seconds {self.max_seconds:g}")

    def excluder(self, ramp_up_s: float | None = None) -> _Excluder:
        """What to leave out of a stage; ``ramp_up_s``: the stage's ramp, left out like a warm-up."""
        warm_n, warm_ns = self.warmup.resolve(self.max_requests, self.max_seconds)
        if ramp_up_s is not None:
            warm_ns = max(warm_ns, round(ramp_up_s * 1e9))
        cool_n, cool_ns = self.cooldown.resolve(self.max_requests, self.max_seconds)
        return _Excluder(
            warmup_requests=warm_n,
            warmup_ns=warm_ns,
            cooldown_from_index=None if self.max_requests is None or not cool_n else self.max_requests - cool_n,
            cooldown_from_ns=None
            if self.max_seconds is None or not cool_ns
            else round(self.max_seconds * 1e9) - cool_ns,
        )


@dataclass(frozen=True, slots=True)
class _Excluder:
    warmup_requests: int
    warmup_ns: int
    cooldown_from_index: int | None
    cooldown_from_ns: int | None

    def excluded(self, index: int, offset_ns: int) -> bool:
        """Whether the stage's request ``index``, scheduled ``offset_ns`` after its start, is warm-up or cool-down."""
        if index < self.warmup_requests or offset_ns < self.warmup_ns:
            return True
        if self.cooldown_from_index is not None and index >= self.cooldown_from_index:
            return True
        return self.cooldown_from_ns is not None and offset_ns >= self.cooldown_from_ns
