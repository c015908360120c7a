"""The environment a vLLM engine needs on a CPU-only machine, with every cache and temp file kept in one folder.

Without these variables vLLM sizes its KV cache at 92 % of RAM, tries the model hub, and litters the home cache and
``/tmp`` (compile caches, IPC sockets). Shared by the tests, the OpenAI-server fixture and the benchmarks.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CPU_ENGINE_CONFIG", "vllm_cpu_env"]

#: Engine arguments that make the tiny model start fast and small on CPU. float32, not bfloat16: vLLM picks its AMX
#: attention kernels for bfloat16 whenever the CPU advertises AMX, and in virtual machines that do not enable AMX the
#: worker dies of SIGILL on the first request.
CPU_ENGINE_CONFIG: dict[str, object] = {"enforce_eager": True, "max_model_len": 512, "dtype": "float32"}


def vllm_cpu_env(root: Path) -> dict[str, str]:
    """Variables to add to the environment so that a vLLM process keeps all its files under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    folders = {
        "VLLM_CACHE_ROOT": root / "vllm-cache",
        "TORCHINDUCTOR_CACHE_DIR": root / "inductor",
        "TRITON_CACHE_DIR": root / "triton",
        "HF_HOME": root / "hf-home",
        "TMPDIR": root / "tmp",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = {name: str(folder) for name, folder in folders.items()}
    env.update(
        VLLM_CPU_KVCACHE_SPACE="1",  # GiB; the default asks for most of the machine's memory
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        VLLM_NO_USAGE_STATS="1",
        DO_NOT_TRACK="1",
    )
    return env
