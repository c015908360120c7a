"""Engine arguments checked against the installed vLLM, before any engine process is started."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from vllm_processes import descendants

from gaugellm.errors import BackendArgsError, BackendUnavailableError
from gaugellm_vllm.args import VLLMBackendArgs
from gaugellm_vllm.backend import VLLMBackend
from gaugellm_vllm.runtime_dir import RPC_PATH_ENV

pytestmark = [pytest.mark.vllm]


async def test_misspelt_engine_keys_are_named_before_anything_starts(vllm_root: Path, tiny_model_dir: Path) -> None:
    config = {"max_model_length": 512, "enforce_eagre": True, "dtype": "float32"}
    backend = VLLMBackend(VLLMBackendArgs(model=str(tiny_model_dir), vllm_config=config))
    before = {process.pid for process in descendants()}
    with pytest.raises(BackendArgsError) as caught:
        await backend.process_startup()
    message = str(caught.value)
    assert "'max_model_length' (did you mean 'max_model_len'" in message
    assert "'enforce_eagre' (did you mean 'enforce_eager'?)" in message
    assert "'dtype'" not in message
    assert "AsyncEngineArgs" in message
    assert {process.pid for process in descendants()} <= before, "no engine process may start"
    assert backend.engine is None
    await backend.process_shutdown()


async def test_a_missing_model_folder_is_unavailable_not_a_crash(vllm_root: Path, tmp_path: Path) -> None:
    backend = VLLMBackend(VLLMBackendArgs(model=str(tmp_path / "no-such-model"), vllm_config={"dtype": "float32"}))
    with pytest.raises(BackendUnavailableError, match=r"cannot use model|could not start an engine"):
        await backend.process_startup()
    assert backend.engine is None
    assert backend._runtime_dir.path is None  # the IPC folder made for the engine is gone again
    assert RPC_PATH_ENV not in os.environ
    await backend.process_shutdown()
