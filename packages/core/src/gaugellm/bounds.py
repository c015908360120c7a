"""The largest value each numeric run option accepts: every number a user gives has a finite, sane range.

A bound is there so that a typo or a hostile value (``1e12`` requests per second, a million streams, ``inf``
seconds) is refused in milliseconds with one readable line, instead of making the runner build an unbounded schedule
in memory or wait for ever. Each bound is far above what a single machine can drive, so no real run meets it; the
reason for each value, and what to do past it, is in docs/errors.md. Non-finite numbers (``nan``, ``inf``) are
refused everywhere, by the models' ``allow_inf_nan=False``.
"""

from __future__ import annotations

__all__ = [
    "MAX_BUDGET_S",
    "MAX_CONCURRENCY",
    "MAX_PRICE_PER_HOUR",
    "MAX_TRACE_SECONDS",
    "MAX_SPEEDUP",
    "MAX_REQUESTS",
    "MAX_SECONDS",
    "MAX_RATE",
    "MAX_STARTUP_TIMEOUT_S",
    "MAX_SWEEP_RATES",
    "MAX_TOKENS_PER_REQUEST",
    "MAX_TIMELINE_WINDOW_S",
    "MAX_WORKERS",
    "MIN_TIMELINE_WINDOW_S",
    "SEED_RANGE",
    "DEFAULT_STARTUP_TIMEOUT_S",
]

#: Requests per second of one rate stage: the schedule is built ahead of time, so this bounds its memory.
MAX_RATE = 100_000.0
#: Parallel streams of one stage: each holds a socket and queued work in the runner.
MAX_CONCURRENCY = 10_000
#: Requests of one stage.
MAX_REQUESTS = 1_000_000_000
#: Seconds of one stage, long enough for soak tests.
MAX_SECONDS = 7 * 24 * 3600.0
#: Worker processes: each is a whole interpreter with its backend.
MAX_WORKERS = 256
#: Rates a sweep tries between its synchronous and throughput stages (one stage each).
MAX_SWEEP_RATES = 100
#: Prompt or output tokens of one synthetic request: above every model's context window.
MAX_TOKENS_PER_REQUEST = 4_194_304
#: Seeds: what a signed 64-bit integer holds, so that a report's seed means the same to every reader.
SEED_RANGE = (-(2**63), 2**63 - 1)
#: How long the workers may take to start and the backend to pass its readiness check, unless told otherwise:
#: long enough for an in-process engine to load a large model.
DEFAULT_STARTUP_TIMEOUT_S = 300.0
#: The longest start-up timeout accepted.
MAX_STARTUP_TIMEOUT_S = 24 * 3600.0
#: The longest a capacity search may be told to take: a week, like a stage.
MAX_BUDGET_S = MAX_SECONDS
#: A deployment's price per hour, in any currency: far above any real price, finite.
MAX_PRICE_PER_HOUR = 1_000_000.0
#: How far into a trace a replay may start, or how much of it it may replay: ten years of recorded traffic.
MAX_TRACE_SECONDS = 10 * 365 * 24 * 3600.0
#: How much faster than recorded a trace may be replayed: the replayed rate is still bounded by what was recorded.
MAX_SPEEDUP = 1_000_000.0
#: A collector samples at most this often: faster sampling would compete with the load for the runner's CPU.
MIN_COLLECTOR_INTERVAL_S = 0.05
#: The most collectors one run may have.
MAX_COLLECTORS = 16
#: The shortest window of the run's timeline (``--timeline-window``): shorter windows hold too few requests for a
#: percentile to mean anything, and the runner's clock reads and result batches blur them.
MIN_TIMELINE_WINDOW_S = 0.05
#: The longest window of the run's timeline: an hour, the coarsest view a timeline of a long soak test needs.
MAX_TIMELINE_WINDOW_S = 3600.0
#: Labels on one run (--label), and the longest key and value: labels go into every report and every exported series.
MAX_LABELS = 32
MAX_LABEL_KEY = 64
MAX_LABEL_VALUE = 256
#: Checks on one run (--check).
MAX_CHECKS = 100
