"""``gaugellm`` run as a user runs it, for the hostile suite: a subprocess, and a signal at a chosen moment.

Every process started here is ended here, by its PID, whatever the test does.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

GAUGELLM = [sys.executable, "-m", "gaugellm"]


@dataclass
class Finished:
    """How a ``gaugellm`` process ended; ``after_signal_s``: seconds from the signal to its exit."""

    returncode: int
    stdout: str
    stderr: str
    after_signal_s: float | None = None  # None: the process had ended before the signal was due


def one_line_error(stderr: str) -> bool:
    """What every error looks like: ``error: ...`` on one line of stderr, no traceback."""
    return stderr.startswith("error: ") and stderr.count("\n") == 1 and "Traceback" not in stderr


def run_cli(env: dict[str, str], *args: str, timeout: float = 60) -> Finished:
    result = subprocess.run([*GAUGELLM, *args], env=env, capture_output=True, text=True, timeout=timeout)
    return Finished(result.returncode, result.stdout, result.stderr)


def run_and_signal(
    env: dict[str, str],
    *args: str,
    when: float | None = None,
    until: Callable[[], bool] | None = None,
    signum: signal.Signals = signal.SIGINT,
    timeout: float = 60,
) -> Finished:
    """Start ``gaugellm``, send it ``signum`` after ``when`` seconds (or once ``until()`` is true), wait for its end.

    The process is killed (by its PID) if it outlives ``timeout``, so that no test leaves it behind.
    """
    process = subprocess.Popen([*GAUGELLM, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout
        if until is not None:
            while not until() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
        else:
            assert when is not None
            time.sleep(when)
        signalled: float | None = None
        if process.poll() is None:
            signalled = time.monotonic()
            process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        after = None if signalled is None else time.monotonic() - signalled
        return Finished(process.returncode, stdout, stderr, after)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
