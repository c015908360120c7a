"""Plugins installed from wheels into a fresh environment, driven through the real ``gaugellm`` command."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.ecosystem, pytest.mark.slow]


def test_third_party_backend_is_listed_with_distribution_and_version(plugin_env):
    listed = plugin_env.backends()
    assert listed["echo"]["distribution"] == "gaugellm-backend-echo"
    assert listed["echo"]["version"] == "0.3.1"
    assert listed["echo"]["status"] == "ok"
    assert listed["openai_http"]["status"] == "ok"
    table = plugin_env.gaugellm("backends", "list")
    assert "gaugellm-backend-echo" in table.stdout


def test_show_describes_the_third_party_args(plugin_env):
    result = plugin_env.gaugellm("backends", "show", "echo", "--json")
    assert result.returncode == 0, result.stderr
    fields = {field["name"]: field for field in json.loads(result.stdout)["fields"]}
    assert fields["delay_ms"]["description"] == "Pause before each word, in milliseconds."
    assert fields["token"]["type"] == "SecretStr | None"


def test_broken_plugin_is_reported_by_check_while_others_work(plugin_env):
    result = plugin_env.gaugellm("backends", "check")
    assert result.returncode == 1
    assert "broken  broken (gaugellm-backend-broken 0.1.0)" in result.stdout
    assert "ModuleNotFoundError: No module named 'gaugellm_missing_dependency'" in result.stdout
    assert "ok      echo (gaugellm-backend-echo 0.3.1)" in result.stdout
    assert "ok      openai_http" in result.stdout
    assert plugin_env.gaugellm("backends", "show", "echo").returncode == 0
    assert plugin_env.backends()["broken"]["status"] == "ok"  # listing does not import


def test_incompatible_plugin_is_listed_as_such_and_never_imported(plugin_env, tmp_path):
    marker = tmp_path / "future-imported.txt"
    env = {"GAUGELLM_FUTURE_MARKER": str(marker)}
    listed = plugin_env.backends()["future"]
    assert listed["status"] == "incompatible"
    assert "gaugellm<3,>=2" in listed["reason"]
    for command in (["backends", "show", "future"], ["backends", "check"], ["backends", "check", "future"]):
        result = plugin_env.gaugellm(*command, env=env)
        assert result.returncode != 0
    shown = plugin_env.gaugellm("backends", "show", "future", env=env)
    assert shown.returncode == 2
    assert "requires gaugellm<3,>=2, but gaugellm 1.0.0 is installed" in shown.stderr
    assert not marker.exists()


def test_unknown_name_exits_2_listing_installed_names(plugin_env):
    result = plugin_env.gaugellm("backends", "show", "vllm")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "backend 'vllm' is not installed; installed: broken, echo, openai_http;" in result.stderr
    assert "pip install gaugellm-backend-vllm" in result.stderr


def test_two_distributions_claiming_one_name_are_reported_naming_both(plugin_env):
    plugin_env.install("gaugellm-echo-clone")
    try:
        listed = plugin_env.backends()["echo"]
        assert listed["status"] == "duplicate"
        assert "gaugellm-backend-echo" in listed["reason"]
        assert "gaugellm-echo-clone" in listed["reason"]
        result = plugin_env.gaugellm("backends", "show", "echo")
        assert result.returncode == 2
        assert "gaugellm-backend-echo and gaugellm-echo-clone" in result.stderr
    finally:
        plugin_env.uninstall("gaugellm-echo-clone")
    assert plugin_env.backends()["echo"]["status"] == "ok"


def test_uninstalling_a_plugin_removes_it(plugin_env):
    plugin_env.uninstall("gaugellm-backend-echo")
    try:
        assert "echo" not in plugin_env.backends()
        result = plugin_env.gaugellm("backends", "show", "echo")
        assert result.returncode == 2
        assert "backend 'echo' is not installed" in result.stderr
    finally:
        plugin_env.install("gaugellm-backend-echo")
    assert "echo" in plugin_env.backends()
