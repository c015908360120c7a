"""When requests go out: profiles (plans of stages), arrival times, stop conditions, warm-up and cool-down."""

from gaugellm.runner.scheduler.limits import ErrorLimit, StageLimits, Window, parse_error_limit, parse_window
from gaugellm.runner.scheduler.profiles import (
    DEFAULT_SWEEP_RATES,
    DEFAULT_THROUGHPUT_CONCURRENCY,
    PROFILES,
    Profile,
    ProfileKind,
    make_profile,
)
from gaugellm.runner.scheduler.stages import StageKind, StageSpec

__all__ = [
    "DEFAULT_SWEEP_RATES",
    "DEFAULT_THROUGHPUT_CONCURRENCY",
    "PROFILES",
    "ErrorLimit",
    "Profile",
    "ProfileKind",
    "StageKind",
    "StageLimits",
    "StageSpec",
    "Window",
    "make_profile",
    "parse_error_limit",
    "parse_window",
]
