"""Helpers of the ray tests: a run's config against the simulated server, and a run in this process."""

from __future__ import annotations

from typing import Any

from gaugellm.runner import RunConfig, execute_run
from gaugellm.runner.executor.base import Executor
from gaugellm.runner.session import RunResult


def run_config(server: Any, **options: Any) -> RunConfig:
    """A constant-rate run of the simulated server's 8-token streams; ``options`` override."""
    return RunConfig.parse(
        {
            "backend": {"type": "openai_http", "target": server.url},
            "profile": "constant",
            "rate": [50],
            "max_requests": 100,
            "workers": 4,
            "data": "prompt_tokens=16,output_tokens=8",
            **options,
        }
    )


async def run(config: RunConfig, executor: Executor[Any] | None = None, **kwargs: Any) -> RunResult:
    return await execute_run(config, executor=executor, handle_signals=False, raise_on_incomplete=False, **kwargs)
