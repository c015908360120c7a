"""``gaugellm backends list/show/check`` and the CLI's error handling, run as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gaugellm.__about__ import __version__


def run_cli(
    *args: str, site: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    if site is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), environment.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "gaugellm", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def test_version_and_help():
    assert run_cli("--version").stdout.strip() == f"gaugellm, version {__version__}"
    result = run_cli("--help")
    assert result.returncode == 0
    assert "backends" in result.stdout


def test_list_json_has_the_documented_keys(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo", version="0.4.2")
    result = run_cli("backends", "list", "--json", site=plugin_site.root)
    assert result.returncode == 0, result.stderr
    listed = {item["name"]: item for item in json.loads(result.stdout)}
    assert listed["echo"]["distribution"] == "echo-dist"
    assert listed["echo"]["version"] == "0.4.2"
    assert listed["echo"]["status"] == "ok"
    assert {"name", "distribution", "version", "status"} <= set(listed["echo"])


def test_list_table(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    result = run_cli("backends", "list", site=plugin_site.root)
    assert result.returncode == 0
    assert "echo-dist" in result.stdout


def test_show_lists_fields_with_types_defaults_descriptions(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    result = run_cli("backends", "show", "echo", "--json", site=plugin_site.root)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    fields = {field["name"]: field for field in shown["fields"]}
    assert fields["words"] == {
        "name": "words",
        "type": "int",
        "required": False,
        "default": 3,
        "description": "How many words to echo.",
    }
    assert fields["api_key"]["type"] == "SecretStr | None"
    assert shown["json_schema"]["title"] == "EchoArgs"
    table = run_cli("backends", "show", "echo", site=plugin_site.root)
    assert "How many words to echo." in table.stdout


def test_check_reports_broken_plugins_and_exits_1(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    plugin_site.add_distribution(
        "broken-dist",
        entry_points={
            "gaugellm.backend_args": {"broken": "broken_mod:Args"},
            "gaugellm.backends": {"broken": "broken_mod:Backend"},
        },
        modules={"broken_mod": "import module_that_does_not_exist\n"},
    )
    result = run_cli("backends", "check", site=plugin_site.root)
    assert result.returncode == 1
    assert "ok      echo" in result.stdout
    assert "broken  broken (broken-dist 1.0.0)" in result.stdout
    assert "ModuleNotFoundError" in result.stdout
    assert run_cli("backends", "check", "echo", site=plugin_site.root).returncode == 0
    listed = run_cli("backends", "list", "--json", site=plugin_site.root)
    assert listed.returncode == 0  # a broken plugin never breaks listing


@pytest.mark.parametrize("command", [["backends", "show", "nope"], ["backends", "check", "nope"]])
def test_unknown_backend_exits_2_with_one_line(plugin_site, command):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    result = run_cli(*command, site=plugin_site.root)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "backend 'nope' is not installed" in lines[0]
    assert "echo" in lines[0]
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(plugin_site):
    result = run_cli("--debug", "backends", "show", "nope", site=plugin_site.root)
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_usage_errors_exit_2():
    result = run_cli("backends", "frobnicate")
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_plugins_contribute_commands_without_being_imported_for_help(plugin_site, tmp_path):
    marker = tmp_path / "imported.txt"
    plugin_site.add_distribution(
        "tools-dist",
        entry_points={"gaugellm.cli": {"hello": "tools_cli:hello"}},
        modules={
            "tools_cli": f"""
                import pathlib
                import click
                pathlib.Path({str(marker)!r}).write_text("imported")

                @click.command()
                @click.option("--who", default="world")
                def hello(who):
                    '''Say hello.'''
                    click.echo(f"hello {{who}}")
            """
        },
    )
    help_text = run_cli("--help", site=plugin_site.root)
    assert "hello" in help_text.stdout
    assert "(from tools-dist)" in help_text.stdout
    assert not marker.exists()
    result = run_cli("hello", "--who", "gauge", site=plugin_site.root)
    assert result.stdout.strip() == "hello gauge"


def test_broken_plugin_command_fails_alone(plugin_site):
    plugin_site.add_distribution(
        "badcli-dist",
        entry_points={"gaugellm.cli": {"bad": "bad_cli:nothing"}},
        modules={"bad_cli": "raise ImportError('no luck')\n"},
    )
    assert run_cli("--help", site=plugin_site.root).returncode == 0
    result = run_cli("bad", site=plugin_site.root)
    assert result.returncode == 1
    assert "command 'bad' from badcli-dist failed to load: ImportError: no luck" in result.stderr
