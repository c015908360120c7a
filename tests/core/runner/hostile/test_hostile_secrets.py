"""A marker credential in every place a user can put one; no artefact of the run may show it.

The places: backend kwargs (``api_key``), the environment (``OPENAI_API_KEY``), headers (credential-like names and
``Authorization``), the target URL (userinfo, query), the paths of ``api_routes`` (query) and a config file. The
artefacts: stdout, stderr and the JSON, CSV and HTML reports, for runs that succeed, that fail at start-up and that
are refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_cli import Finished, run_cli

mock = pytest.importorskip("gaugellm_openai.mock")

MARKER = "PLANTEDsecret"  # every planted value contains it (with a suffix naming where it was put)


@pytest.fixture
def server() -> Iterator[str]:
    with mock.mock_server(mock.MockServerConfig(output_tokens="4"), in_process=False) as running:
        yield running.url


def artefacts(finished: Finished, folder: Path) -> dict[str, str]:
    found = {"stdout": finished.stdout, "stderr": finished.stderr}
    for path in sorted(folder.glob("run.*")):
        found[path.name] = path.read_text(encoding="utf-8")
    return found


def assert_no_marker(finished: Finished, folder: Path) -> None:
    for name, text in artefacts(finished, folder).items():
        assert MARKER not in text, f"{MARKER} leaked into {name}"


def outputs(folder: Path) -> list[str]:
    return [arg for name in ("run.json", "run.csv", "run.html") for arg in ("-o", str(folder / name))]


def test_credentials_in_kwargs_headers_and_routes_never_show(
    cli_env: dict[str, str], tmp_path: Path, server: str
) -> None:
    kwargs = {
        "target": server,
        "api_key": f"sk-{MARKER}-kwargs",
        "headers": {"X-Api-Key": f"{MARKER}-header", "Authorization": f"Bearer {MARKER}-auth"},
        "api_routes": {"models": f"/v1/models?api_key={MARKER}-route&x=1", "health": f"/health?token={MARKER}-h"},
    }
    finished = run_cli(
        cli_env, "run", "-b", "openai_http", "--backend-kwargs", json.dumps(kwargs), "-n", "4", *outputs(tmp_path)
    )
    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / "run.html").exists()
    assert_no_marker(finished, tmp_path)


def test_the_environments_key_and_a_config_file_never_show(
    cli_env: dict[str, str], tmp_path: Path, server: str
) -> None:
    env = dict(cli_env, OPENAI_API_KEY=f"sk-{MARKER}-env")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"backend:\n  type: openai_http\n  target: {server}\n  headers: {{Cookie: 'session={MARKER}-cookie'}}\n"
        "max_requests: 3\n"
    )
    finished = run_cli(env, "run", "--config", str(config), *outputs(tmp_path))
    assert finished.returncode == 0, finished.stderr
    assert_no_marker(finished, tmp_path)


@pytest.mark.parametrize(
    "target",
    [
        f"http://user:{MARKER}-password@127.0.0.1:9",
        f"http://{MARKER}-token@127.0.0.1:9",
        f"http://127.0.0.1:9/v1?api_key={MARKER}-query",
        f"http://127.0.0.1:9/?key={MARKER}-key&model=m",
    ],
)
def test_a_credential_in_the_target_url_never_shows(cli_env: dict[str, str], tmp_path: Path, target: str) -> None:
    kwargs = json.dumps({"target": target})
    finished = run_cli(cli_env, "run", "-b", "openai_http", "--backend-kwargs", kwargs, "-n", "1", *outputs(tmp_path))
    assert finished.returncode == 2, finished.stderr
    assert_no_marker(finished, tmp_path)


def test_an_unreachable_target_with_a_keyed_route_never_shows_the_key(cli_env: dict[str, str], tmp_path: Path) -> None:
    kwargs = json.dumps({"target": "http://127.0.0.1:9", "api_routes": {"health": f"/health?api_key={MARKER}-r"}})
    finished = run_cli(cli_env, "run", "-b", "openai_http", "--backend-kwargs", kwargs, "-n", "1", *outputs(tmp_path))
    assert finished.returncode == 2, finished.stderr
    assert (tmp_path / "run.json").exists()  # the start-up failure wrote its report: it must be clean too
    assert_no_marker(finished, tmp_path)
