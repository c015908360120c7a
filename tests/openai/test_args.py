"""Args: validation, defaults, routes, and secrets that never show in dumps, reprs, errors or logs."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from gaugellm import ErrorKind, parse_args
from gaugellm.errors import BackendArgsError, BackendUnavailableError
from gaugellm_openai.args import OpenAIHTTPBackendArgs, is_sensitive_header
from gaugellm_openai.backend import OpenAIHTTPBackend
from gaugellm_openai.mock import MockServer
from gaugellm_openai.redact import Redactor

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness


KEY = "sk-test-9f8e7d6c5b4a"
TOKEN = "tok-abcdef123456"


def make(**fields: object) -> OpenAIHTTPBackendArgs:
    return OpenAIHTTPBackendArgs.model_validate({"target": "http://127.0.0.1:8000", **fields})


def test_defaults() -> None:
    args = make()
    assert args.type == "openai_http"
    assert args.request_format == "/v1/chat/completions"
    assert args.stream is True
    assert args.verify is True
    assert args.follow_redirects is False
    assert args.api_key is None
    assert args.model is None
    assert args.max_connections is None


def test_polymorphic_validation_through_the_registry() -> None:
    args = parse_args({"type": "openai_http", "target": "http://127.0.0.1:8000"})
    assert isinstance(args, OpenAIHTTPBackendArgs)


@pytest.mark.parametrize(
    ("target", "base"),
    [
        ("http://h:8000", "http://h:8000"),
        ("http://h:8000/", "http://h:8000"),
        ("http://h:8000/v1", "http://h:8000"),
        ("http://h:8000/v1/", "http://h:8000"),
        ("https://gw.example/openai/v1", "https://gw.example/openai"),
    ],
)
def test_base_url(target: str, base: str) -> None:
    assert make(target=target).base_url == base


@pytest.mark.parametrize("target", ["127.0.0.1:8000", "ftp://h", "http://", "http://user:pw@h:8000"])
def test_bad_targets(target: str) -> None:
    with pytest.raises(BackendArgsError, match="target"):
        OpenAIHTTPBackendArgs.parse({"target": target})


def test_credentials_in_target_are_not_echoed() -> None:
    with pytest.raises(BackendArgsError) as caught:
        OpenAIHTTPBackendArgs.parse({"target": "http://user:hunter2@h"})
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(("alias", "path"), [("chat", "/v1/chat/completions"), ("completions", "/v1/completions")])
def test_request_format_aliases(alias: str, path: str) -> None:
    assert make(request_format=alias).request_format == path


def test_routes() -> None:
    args = make(api_routes={"health": "/ping"})
    assert args.route("health") == "/ping"
    assert args.route("models") == "/v1/models"
    with pytest.raises(BackendArgsError, match="unknown route"):
        OpenAIHTTPBackendArgs.parse({"target": "http://h", "api_routes": {"helth": "/x"}})
    with pytest.raises(BackendArgsError, match="starting with '/'"):
        OpenAIHTTPBackendArgs.parse({"target": "http://h", "api_routes": {"health": "x"}})


def test_misspelt_option_is_an_error() -> None:
    with pytest.raises(BackendArgsError, match="timeot"):
        OpenAIHTTPBackendArgs.parse({"target": "http://h", "timeot": 3})


def test_api_key_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    args = make()
    assert args.api_key is not None
    assert args.api_key.get_secret_value() == KEY
    assert make(api_key="").api_key is None


def test_every_field_is_described() -> None:
    missing = [name for name, info in OpenAIHTTPBackendArgs.model_fields.items() if not info.description]
    assert missing == []


@pytest.mark.parametrize(
    ("name", "value", "sensitive"),
    [
        ("Authorization", "Bearer x", True),
        ("X-Api-Key", "abc", True),
        ("Ocp-Apim-Subscription-Key", "abc", True),
        ("Cookie", "a=b", True),
        ("X-Custom", "Bearer abc", True),
        ("X-Request-Source", "gaugellm", False),
        ("Accept-Language", "en", False),
    ],
)
def test_sensitive_header_detection(name: str, value: str, sensitive: bool) -> None:
    assert is_sensitive_header(name, value) is sensitive


def secret_args() -> OpenAIHTTPBackendArgs:
    return make(api_key=KEY, headers={"Authorization": f"Bearer {TOKEN}", "X-Source": "bench"})


def test_secrets_are_masked_in_dumps_and_repr() -> None:
    args = secret_args()
    assert isinstance(args.headers["Authorization"], SecretStr)
    assert args.headers["X-Source"] == "bench"  # harmless headers stay readable
    for text in (repr(args), str(args), args.model_dump_json(), json.dumps(args.model_dump(mode="json"))):
        assert KEY not in text
        assert TOKEN not in text
    assert "bench" in args.model_dump_json()


def test_revealed_dump_round_trips_for_workers() -> None:
    args = secret_args()
    shipped = OpenAIHTTPBackendArgs.model_validate(args.model_dump_revealed())
    assert shipped.api_key is not None
    assert shipped.api_key.get_secret_value() == KEY
    authorization = shipped.headers["Authorization"]
    assert isinstance(authorization, SecretStr)
    assert authorization.get_secret_value() == f"Bearer {TOKEN}"


def test_backend_repr_and_info_hold_no_secret() -> None:
    backend = OpenAIHTTPBackend(secret_args())
    for text in (repr(backend), json.dumps(backend.info)):
        assert KEY not in text
        assert TOKEN not in text
    assert backend.info["target"] == "http://127.0.0.1:8000"
    assert backend.info["request_format"] == "/v1/chat/completions"


def test_redactor_masks_key_and_bare_header_credential() -> None:
    redact = Redactor(secret_args())
    text = redact(f"echo: key={KEY} auth=Bearer {TOKEN} bare={TOKEN}")
    assert KEY not in text
    assert TOKEN not in text
    assert text.count("**********") == 3


async def test_secrets_never_reach_errors_or_logs(
    harness: Harness, server: MockServer, free_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = await harness.backend(server.url, api_key=KEY, headers={"X-Api-Key": TOKEN})
    ok = await harness.run(backend)
    assert ok.ok
    wrong_model = await harness.run(await harness.backend(server.url, api_key=KEY, model="nope"))
    dead = await harness.backend(f"http://127.0.0.1:{free_port}", api_key=KEY, validate=False, model="m")
    refused = await harness.run(dead)
    with pytest.raises(BackendUnavailableError) as caught:
        await dead.validate()
    assert refused.error is not None
    assert refused.error.kind is ErrorKind.CONNECT
    texts = [caplog.text, str(caught.value), repr(backend), json.dumps(backend.info)]
    texts += [json.dumps(r.error.to_dict()) for r in (wrong_model, refused) if r.error is not None]
    for text in texts:
        assert KEY not in text
        assert TOKEN not in text


def test_importing_args_and_backend_does_not_import_httpx() -> None:
    code = (
        "import sys, gaugellm_openai.args, gaugellm_openai.backend, gaugellm_openai;"
        "assert 'httpx' not in sys.modules, 'httpx imported';"
        "import gaugellm_openai.mock.config; assert 'httpx' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


async def test_a_server_echoing_credentials_cannot_leak_them(harness: Harness) -> None:
    """A gateway that quotes the request's headers in its 401 body: the error record must not carry them."""
    import asyncio

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        length = next(
            (int(line.split(":")[1]) for line in head.split("\r\n") if line.lower().startswith("content-length")), 0
        )
        await reader.readexactly(length)
        body = json.dumps({"error": {"message": f"bad credentials in: {head}"}}).encode()
        writer.write(
            b"HTTP/1.1 401 Unauthorized\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        backend = await harness.backend(url, api_key=KEY, headers={"X-Api-Key": TOKEN}, validate=False, model="m")
        response = await harness.run(backend)
    finally:
        server.close()
        await server.wait_closed()
    assert response.error is not None
    assert response.error.status_code == 401
    assert "bad credentials" in response.error.message
    assert KEY not in response.error.message
    assert TOKEN not in response.error.message
    assert "**********" in response.error.message
