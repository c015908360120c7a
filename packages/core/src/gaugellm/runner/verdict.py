"""Whether a run that ran to its end produced anything: the rule that a run in which nothing succeeded fails.

A run can go through every stage without one success: every request failed, or every one was still waiting when its
stage ended and was cancelled (a server that accepts and never answers, every stream stalled). Such a run measured
no latency at all, so it must not look complete nor exit 0, whichever way its requests ended.
"""

from __future__ import annotations

from collections.abc import Sequence

from gaugellm.runner.stage import StageOutcome

__all__ = ["nothing_succeeded"]


def nothing_succeeded(stages: Sequence[StageOutcome]) -> str | None:
    """A one-line explanation when no request of ``stages`` succeeded; ``None`` when one did."""
    if any(stage.ok for stage in stages):
        return None
    sent = sum(stage.sent for stage in stages)
    errors = sum(stage.errors for stage in stages)
    cancelled = sum(stage.cancelled for stage in stages)
    parts = []
    if errors:
        parts.append(f"{errors} failed")
    if cancelled:
        parts.append(f"{cancelled} were still waiting for an answer when their stage ended and were cancelled")
    unfinished = sent - errors - cancelled
    if unfinished > 0 and not parts:
        parts.append(f"{sent} were sent and none finished")
    detail = ", ".join(parts) if parts else "no request was sent"
    last = next((stage.last_error for stage in reversed(stages) if stage.last_error), None)
    message = (
        f"every request failed ({errors} errors)" if errors and not cancelled else f"no request succeeded: {detail}"
    )
    return f"{message}; last error: {last}" if last else message
