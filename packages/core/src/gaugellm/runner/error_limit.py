"""What ``--max-errors`` says when it stops a run, so that its message and the report count the same errors.

The limit is judged at each failed response, in the order the runner receives them, so the stage stops at exactly the
error the limit names. Requests already under way at that moment are cancelled; those that had failed before the
cancellation reached them (results travel in batches, several workers report at once) are still errors, and are
counted as such. So the report can hold more errors than the limit, and the message says how many and why.
"""

from __future__ import annotations

from gaugellm.runner.scheduler.limits import ErrorLimit

__all__ = ["error_limit_message"]


def error_limit_message(limit: ErrorLimit, at_limit: int, total: int, last: str | None) -> str:
    """``stopped after 5 errors (5 errors allowed); 9 requests failed in all, 4 of them already under way ...``."""
    message = f"stopped after {at_limit} errors ({limit.describe()} allowed)"
    if total > at_limit:
        message += (
            f"; {total} requests failed in all, {total - at_limit} of them already under way when the limit was reached"
        )
    return f"{message}; last: {last}"
