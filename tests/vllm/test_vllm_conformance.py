"""The plugin contract, proven by gaugellm's conformance kit against a real engine on CPU.

The kit starts its own engines (the shared one of its class, one for the lifecycle test, one for the error test):
about 75 s on 2 cores.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from vllm_env import CPU_ENGINE_CONFIG

from gaugellm import BackendArgs, GenerationRequest
from gaugellm.testing import BackendConformance, Capabilities
from gaugellm_vllm.args import VLLMBackendArgs

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


class TestVLLMConformance(BackendConformance):
    capabilities = Capabilities(
        text=True,
        chat=True,
        server_token_counts=True,
        exact_chunk_tokens=True,  # DELTA outputs carry their token ids: chunk counts add up exactly
        validates_target=False,  # no remote target: a missing model already fails process_startup
        cancellation=True,
        max_tokens=True,
    )
    concurrent_requests = 8

    @pytest.fixture(scope="class")
    @classmethod
    def backend_args(cls, vllm_root: Path, tiny_model_dir: Path) -> BackendArgs:
        return VLLMBackendArgs(model=str(tiny_model_dir), vllm_config=dict(CPU_ENGINE_CONFIG))

    async def error_case(self, request: pytest.FixtureRequest) -> tuple[BackendArgs, GenerationRequest]:
        # An engine serves whatever it is given, except what does not fit the model: a prompt beyond max_model_len.
        args: BackendArgs = request.getfixturevalue("backend_args")
        return args, GenerationRequest("too-long", prompt="word " * 2000, max_tokens=4)
