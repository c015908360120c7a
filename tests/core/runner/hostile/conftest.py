"""Fixtures of the hostile suite: its helper modules on ``sys.path`` (see hostile_cli.py and hostile_faults.py).

The suite lives under ``tests/core/runner`` so that it shares the runner's fake backend, installed as a plugin for
subprocesses (``cli_env``).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    # Appended, not put first: the runner's own helper modules (``conftest``, ``runner_testing_backend``) that the
    # tests beside this folder import by name must still be found before anything here.
    sys.path.append(str(HERE))
