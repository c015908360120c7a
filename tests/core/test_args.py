"""BackendArgs: polymorphic validation that loads only the named plugin, dumps, secrets."""

from __future__ import annotations

import json
import pickle
import sys
from typing import Annotated

import pytest
from pydantic import BaseModel, SecretStr

from gaugellm import BackendArgs, BackendArgsError, UnknownBackendError, parse_args
from gaugellm.plugins import registry
from gaugellm.plugins.resolve import args_validator


class RunLike(BaseModel):
    """A model holding args as a field, like a run configuration does (dispatch on 'type' by the plugin layer)."""

    backend: Annotated[BackendArgs, args_validator("backend")]
    requests: int = 1


def test_base_validation_returns_the_plugin_subclass(plugin_site):
    module = plugin_site.add_echo_plugin("echo-dist", "echo")
    args = parse_args({"type": "echo", "words": 5})
    assert type(args).__name__ == "EchoArgs"
    assert type(args).__module__ == module
    assert args.words == 5  # type: ignore[attr-defined]


def test_validation_imports_only_the_named_plugin(plugin_site):
    first = plugin_site.add_echo_plugin("first-dist", "first")
    second = plugin_site.add_echo_plugin("second-dist", "second")
    parse_args({"type": "first"})
    assert first in sys.modules
    assert second not in sys.modules


def test_json_text_is_accepted(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    args = parse_args('{"type": "echo", "words": 2}')
    assert args.model_dump()["words"] == 2
    assert parse_args('{"type": "echo", "words": 4}').model_dump()["words"] == 4


def test_args_as_a_field_validate_and_dump_back(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    run = RunLike.model_validate({"backend": {"type": "echo", "words": 7}, "requests": 3})
    assert type(run.backend).__name__ == "EchoArgs"
    dumped = json.loads(run.model_dump_json())
    assert dumped["backend"] == {"type": "echo", "words": 7, "api_key": None}
    again = RunLike.model_validate(dumped)
    assert again == run


def test_secrets_are_masked_in_dump_repr_and_errors(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    args = parse_args({"type": "echo", "api_key": "sk-very-secret"})
    assert "sk-very-secret" not in repr(args)
    assert "sk-very-secret" not in str(args)
    assert "sk-very-secret" not in args.model_dump_json()
    assert "sk-very-secret" not in json.dumps(args.model_dump(mode="json"))
    assert "sk-very-secret" not in RunLike(backend=args).model_dump_json()
    with pytest.raises(BackendArgsError) as caught:
        parse_args({"type": "echo", "api_key": "sk-very-secret", "words": "sk-very-secret"})
    assert "sk-very-secret" not in str(caught.value)
    assert "words" in str(caught.value)


def test_revealed_dump_round_trips_the_secret(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    args = parse_args({"type": "echo", "api_key": "sk-very-secret"})
    revealed = args.model_dump_revealed()
    assert revealed["api_key"] == "sk-very-secret"
    again = parse_args(revealed)
    assert again.api_key.get_secret_value() == "sk-very-secret"  # type: ignore[attr-defined]


def test_args_pickle_with_their_secret(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    args = parse_args({"type": "echo", "api_key": "sk-very-secret"})
    again = pickle.loads(pickle.dumps(args))  # noqa: S301 - our own bytes
    assert again.api_key == SecretStr("sk-very-secret")  # type: ignore[attr-defined]


def test_unknown_field_is_rejected_readably(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    with pytest.raises(BackendArgsError, match=r"invalid arguments for backend 'echo': wordz: Extra inputs"):
        parse_args({"type": "echo", "wordz": 1})


def test_unknown_type_names_the_installed_ones(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    with pytest.raises(UnknownBackendError) as caught:
        parse_args({"type": "nope"})
    assert "'nope' is not installed" in str(caught.value)
    assert "echo" in caught.value.installed
    assert "pip install gaugellm-backend-nope" not in str(caught.value)  # no such distribution: never suggest one
    assert "install the distribution that provides it" in str(caught.value)
    with pytest.raises(UnknownBackendError) as near:
        parse_args({"type": "ecko"})
    assert "did you mean 'echo'?" in str(near.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"words": 1}, "need a 'type' field"),
        ([1, 2], "must be a JSON object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_malformed_input_is_readable(data, message):
    with pytest.raises(BackendArgsError, match=message):
        parse_args(data)


def test_backend_name_reads_the_literal(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    assert registry.load_args_class("echo").backend_name() == "echo"
    assert BackendArgs.backend_name() is None
