"""The vllm backend where no engine runs: args, the missing-vLLM message, request building, clean-up helpers.

None of this needs vLLM, torch or transformers; it runs in the default hatch environment too
(``hatch run test tests/vllm/test_vllm_no_engine.py``), where vLLM is not installed.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from gaugellm import ErrorKind, GenerationRequest, GenerationResponse, parse_args
from gaugellm.errors import BackendArgsError, BackendUnavailableError
from gaugellm_vllm.args import VLLMBackendArgs
from gaugellm_vllm.backend import VLLMBackend
from gaugellm_vllm.engine import _children_allowed, check_engine_keys
from gaugellm_vllm.prompts import NoChatTemplateError, flatten_messages, render_prompt
from gaugellm_vllm.runtime_dir import MAX_SOCKET_PATH, RPC_PATH_ENV, RuntimeDir, socket_base
from gaugellm_vllm.sampling import sampling_kwargs
from gaugellm_vllm.timing import engine_timing


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )


# -- args ---------------------------------------------------------------------------------------------------------


def test_args_import_no_vllm_nor_torch() -> None:
    result = _run_python(
        """
        import sys
        import gaugellm_vllm.args, gaugellm_vllm.backend
        heavy = sorted(name for name in ("vllm", "torch", "transformers") if name in sys.modules)
        print(heavy)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_field_is_described() -> None:
    missing = [name for name, field in VLLMBackendArgs.model_fields.items() if not field.description]
    assert missing == []


def test_args_validate_through_the_base_class_and_round_trip() -> None:
    args = parse_args({"type": "vllm", "model": "/models/tiny", "vllm_config": {"max_model_len": 512}})
    assert isinstance(args, VLLMBackendArgs)
    assert args.vllm_config == {"max_model_len": 512}
    assert args.request_format == "auto"
    assert args.stream is True
    assert parse_args(args.model_dump_json()) == args


def test_vllm_config_may_not_set_the_model() -> None:
    with pytest.raises(BackendArgsError, match="use the field 'model'"):
        parse_args({"type": "vllm", "model": "a", "vllm_config": {"model": "b"}})


def test_unknown_fields_and_bad_values_are_args_errors() -> None:
    with pytest.raises(BackendArgsError, match="request_format"):
        parse_args({"type": "vllm", "model": "a", "request_format": "markdown"})
    with pytest.raises(BackendArgsError, match="max_tokens"):
        parse_args({"type": "vllm", "model": "a", "max_tokens": 0})
    with pytest.raises(BackendArgsError, match="temprature"):
        parse_args({"type": "vllm", "model": "a", "temprature": 0.5})


def test_reasoning_parser_is_a_name_for_generation_only() -> None:
    args = parse_args({"type": "vllm", "model": "a", "reasoning_parser": "deepseek_r1"})
    assert isinstance(args, VLLMBackendArgs)
    assert args.reasoning_parser == "deepseek_r1"
    assert VLLMBackend(args).info["reasoning_parser"] == "deepseek_r1"
    for bad in ("", " deepseek_r1", "deepseek r1"):
        with pytest.raises(BackendArgsError, match="reasoning_parser must be a parser name"):
            parse_args({"type": "vllm", "model": "a", "reasoning_parser": bad})
    with pytest.raises(BackendArgsError, match="task 'generate' only"):
        parse_args({"type": "vllm", "model": "a", "reasoning_parser": "qwen3", "task": "embed"})


def test_hf_token_is_masked_everywhere_but_the_engine() -> None:
    args = parse_args({"type": "vllm", "model": "m", "vllm_config": {"hf_token": "hf_SECRET", "dtype": "float32"}})
    assert isinstance(args, VLLMBackendArgs)
    shown = [repr(args), args.model_dump_json(), repr(args.model_dump()), repr(VLLMBackend(args).info)]
    assert all("hf_SECRET" not in text for text in shown)
    assert args.engine_kwargs() == {"hf_token": "hf_SECRET", "dtype": "float32"}
    assert parse_args(args.model_dump_revealed()) == args


# -- the missing-vLLM message ------------------------------------------------------------------------------------


def test_startup_without_vllm_names_both_extras() -> None:
    # sys.modules["vllm"] = None makes `import vllm` fail exactly as if it were not installed, even where it is.
    result = _run_python(
        """
        import asyncio, sys
        sys.modules["vllm"] = None
        from gaugellm.errors import BackendUnavailableError
        from gaugellm_vllm.args import VLLMBackendArgs
        from gaugellm_vllm.backend import VLLMBackend

        backend = VLLMBackend.create(VLLMBackendArgs(model="/models/tiny"))
        try:
            asyncio.run(backend.process_startup())
        except BackendUnavailableError as exc:
            print("ERROR", exc)
        asyncio.run(backend.process_shutdown())  # after a failed start-up, as the runner does
        """
    )
    assert result.returncode == 0, result.stderr
    message = result.stdout.strip()
    assert message.startswith("ERROR "), message
    assert "not installed" in message
    assert "pip install gaugellm-backend-vllm[cpu]" in message
    assert "pip install gaugellm-backend-vllm[gpu]" in message
    assert "\n" not in message  # one readable line
    assert "Traceback" not in result.stderr


# -- the engine keys check (pure; the names come from vLLM at start-up) -----------------------------------------


def test_unknown_engine_keys_are_all_named_with_close_matches() -> None:
    known = ["max_model_len", "enforce_eager", "dtype", "gpu_memory_utilization"]
    config = {"max_model_length": 512, "enforce_eagre": True, "dtype": "float32", "frobnicate": 1}
    with pytest.raises(BackendArgsError) as caught:
        check_engine_keys(config, known, "0.32.0")
    message = str(caught.value)
    assert "'max_model_length' (did you mean 'max_model_len'?)" in message
    assert "'enforce_eagre' (did you mean 'enforce_eager'?)" in message
    assert "'frobnicate'" in message
    assert "'dtype'" not in message
    assert "0.32.0" in message


def test_known_engine_keys_pass() -> None:
    check_engine_keys({"dtype": "float32"}, ["dtype"], "0.32.0")


# -- a backend that never started ---------------------------------------------------------------------------------


async def test_unstarted_backend_fails_requests_as_records() -> None:
    backend = VLLMBackend.create(VLLMBackendArgs(model="/models/tiny"))
    assert isinstance(backend, VLLMBackend)
    assert backend.processes_limit == 1
    assert await backend.default_model() == "/models/tiny"
    response = GenerationResponse("r1")
    await backend.resolve(GenerationRequest("r1", prompt="hi"), response)
    assert response.error is not None
    assert response.error.kind is ErrorKind.BACKEND
    assert "not started" in response.error.message
    assert response.ended_ns is not None
    with pytest.raises(BackendUnavailableError, match="not started"):
        await backend.validate()
    await backend.process_shutdown()
    await backend.process_shutdown()


def test_backend_pickles_as_its_args() -> None:
    backend = VLLMBackend(VLLMBackendArgs(model="/models/tiny", vllm_config={"dtype": "float32"}))
    again = pickle.loads(pickle.dumps(backend))  # noqa: S301 - our own bytes
    assert isinstance(again, VLLMBackend)
    assert again.args == backend.args
    assert again.engine is None
    assert again.info["model"] == "/models/tiny"


# -- sampling ------------------------------------------------------------------------------------------------------


def test_sampling_defaults_then_request_params_then_max_tokens() -> None:
    args = VLLMBackendArgs(model="m", temperature=0.5, ignore_eos=True, max_tokens=64, seed=7)
    plain = sampling_kwargs(args, GenerationRequest("a", prompt="x"))
    assert plain == {"temperature": 0.5, "ignore_eos": True, "max_tokens": 64, "seed": 7}
    request = GenerationRequest("b", prompt="x", max_tokens=5, params={"temperature": 0.0, "max_tokens": 99})
    assert sampling_kwargs(args, request) == {"temperature": 0.0, "ignore_eos": True, "max_tokens": 5, "seed": 7}


def test_reserved_sampling_params_are_refused() -> None:
    with pytest.raises(ValueError, match="n, output_kind"):
        sampling_kwargs(
            VLLMBackendArgs(model="m"), GenerationRequest("a", prompt="x", params={"n": 2, "output_kind": 0})
        )


# -- prompts -------------------------------------------------------------------------------------------------------


class _TemplateTokenizer:
    """Stands in for a tokenizer's chat-template rendering, the only part render_prompt uses."""

    chat_template = "chatml"

    def apply_chat_template(
        self, messages: list[dict[str, str]], *, tokenize: bool, add_generation_prompt: bool
    ) -> str:
        assert tokenize is False
        assert add_generation_prompt is True
        return "".join(f"<{m['role']}>{m['content']}" for m in messages) + "<assistant>"


def test_plain_prompts_go_in_as_they_are() -> None:
    prompt = render_prompt(GenerationRequest("a", prompt="hello"), "auto", _TemplateTokenizer())
    assert prompt.prompt == {"prompt": "hello"}
    assert prompt.tokenization_kwargs is None
    assert not prompt.used_chat_template


def test_chat_messages_use_the_template_without_extra_special_tokens() -> None:
    request = GenerationRequest("a", messages=[{"role": "user", "content": [{"type": "text", "text": "hi"}]}])
    prompt = render_prompt(request, "auto", _TemplateTokenizer())
    assert prompt.prompt == {"prompt": "<user>hi<assistant>"}
    assert prompt.tokenization_kwargs == {"add_special_tokens": False}
    assert prompt.used_chat_template


def test_request_format_forces_or_avoids_the_template() -> None:
    wrapped = render_prompt(GenerationRequest("a", prompt="hi"), "chat_template", _TemplateTokenizer())
    assert wrapped.prompt == {"prompt": "<user>hi<assistant>"}
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    flat = render_prompt(GenerationRequest("b", messages=messages), "plain", _TemplateTokenizer())
    assert flat.prompt == {"prompt": "system: be brief\nuser: hi\nassistant:"}
    assert flat.prompt["prompt"] == flatten_messages(messages)


def test_chat_without_a_template_is_a_clear_error() -> None:
    with pytest.raises(NoChatTemplateError, match="request_format"):
        render_prompt(GenerationRequest("a", messages=[{"role": "user", "content": "hi"}]), "auto", object())


# -- engine timing and the IPC folder -------------------------------------------------------------------------------


@dataclass
class _Stats:
    arrival_time: float = 1_700_000_000.5
    first_token_ts: float = 12.5
    last_token_ts: float = 0.0
    num_generation_tokens: int = 3


def test_engine_timing_is_json_safe_and_in_our_clock() -> None:
    timing = engine_timing(_Stats())
    assert timing is not None
    assert timing["num_generation_tokens"] == 3
    if sys.platform.startswith("linux"):
        assert timing["first_token_ts_ns"] == 12_500_000_000
        assert "last_token_ts_ns" not in timing  # never stamped
        assert "arrival_time_ns" not in timing  # wall clock, not ours
    assert engine_timing(None) is None


def test_runtime_dir_is_private_and_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RPC_PATH_ENV, raising=False)
    runtime = RuntimeDir()
    runtime.enter()
    path = Path(os.environ[RPC_PATH_ENV])
    assert path.is_dir()
    assert path == Path(runtime.path or "")
    (path / "socket-left-by-vllm").touch()
    runtime.exit()
    runtime.exit()
    assert not path.exists()
    assert RPC_PATH_ENV not in os.environ


def test_runtime_dir_leaves_a_users_choice_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(RPC_PATH_ENV, str(tmp_path))
    runtime = RuntimeDir()
    runtime.enter()
    runtime.exit()
    assert os.environ[RPC_PATH_ENV] == str(tmp_path)
    assert tmp_path.is_dir()


def test_runtime_dir_moves_to_tmp_when_socket_paths_would_be_too_long(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # vLLM names its sockets <folder>/<uuid4>; under a deep TMPDIR they would not fit in a Unix socket path.
    deep = tmp_path / ("d" * 60)
    deep.mkdir()
    assert socket_base(str(deep)) == "/tmp"
    assert socket_base("/tmp") == "/tmp"
    monkeypatch.delenv(RPC_PATH_ENV, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    runtime = RuntimeDir()
    runtime.enter()
    path = Path(os.environ[RPC_PATH_ENV])
    try:
        assert path.parent == Path("/tmp")
        assert len(f"{path}/{uuid.uuid4()}") <= MAX_SOCKET_PATH
    finally:
        runtime.exit()
    assert not path.exists()


def test_a_daemonic_worker_may_start_the_engines_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # gaugellm run's workers are daemonic; multiprocessing refuses them children, and the engine core is one.
    process = multiprocessing.current_process()
    monkeypatch.setitem(process._config, "daemon", True)  # type: ignore[attr-defined]
    with _children_allowed():
        assert not process.daemon
    assert process.daemon
    with pytest.raises(RuntimeError), _children_allowed():
        raise RuntimeError("the engine failed to start")
    assert process.daemon  # put back whatever happened


def test_event_loop_is_not_needed_to_build_requests() -> None:
    # The backend builds everything lazily: creating one inside or outside a loop does not start anything.
    backend = VLLMBackend(VLLMBackendArgs(model="m"))
    assert asyncio.run(backend.default_model()) == "m"
