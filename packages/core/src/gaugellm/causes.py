"""The real problem inside a wrapped exception, for a message that names it.

Task groups (asyncio's, anyio's inside httpx) wrap whatever failed in an exception group whose own message says only
"unhandled errors in a TaskGroup (1 sub-exception)". A user needs the leaf: ``OverflowError: connect(): port must be
0-65535``. Groups do not exist before Python 3.11, so they are recognised by their ``exceptions`` tuple.
"""

from __future__ import annotations

__all__ = ["describe_exception", "innermost"]


def _members(exc: BaseException) -> tuple[BaseException, ...] | None:
    members = getattr(exc, "exceptions", None)
    if isinstance(members, tuple) and members and all(isinstance(m, BaseException) for m in members):
        return members
    return None


def _leaves(exc: BaseException) -> list[BaseException]:
    members = _members(exc)
    if members is None:
        return [exc]
    return [leaf for member in members for leaf in _leaves(member)]


def innermost(exc: BaseException) -> BaseException:
    """``exc`` itself, or for an exception group the leaf that explains it best: a user error before anything else."""
    leaves = _leaves(exc)
    if len(leaves) == 1 and leaves[0] is exc:
        return exc
    from gaugellm.errors import GaugeError

    for leaf in leaves:
        if isinstance(leaf, GaugeError):
            return leaf
    return leaves[0]


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` of the innermost problem, one line (``Type`` alone when it has no message)."""
    leaf = innermost(exc)
    text = " ".join(str(leaf).split())
    return f"{type(leaf).__name__}: {text}" if text else type(leaf).__name__
