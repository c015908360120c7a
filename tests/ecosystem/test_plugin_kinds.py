"""Third-party executors and collectors installed from wheels, found and used by the stock ``gaugellm`` command.

The environment (``plugin_env``) holds, of each kind, a working plugin (executor ``relay``, collector ``heartbeat``),
a broken one (``broken``: its module imports a dependency that is not installed) and one built for gaugellm 2
(``future``), beside the built-in ``local`` executor and ``client`` collector and the backends of the other module.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import VirtualEnv

pytestmark = [pytest.mark.ecosystem, pytest.mark.slow]


def test_list_shows_every_kind_with_its_status_and_imports_nothing(plugin_env: VirtualEnv, tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    env = {"GAUGELLM_IMPORT_MARKERS": str(markers), "GAUGELLM_FUTURE_MARKER": str(tmp_path / "future-imported")}

    executors = plugin_env.plugins("executor", env=env)
    collectors = plugin_env.plugins("collector", env=env)
    relay, heartbeat = executors["relay"], collectors["heartbeat"]
    assert (relay["distribution"], relay["version"], relay["status"]) == ("gaugellm-executor-relay", "0.2.0", "ok")
    assert (heartbeat["distribution"], heartbeat["version"], heartbeat["status"]) == (
        "gaugellm-collector-heartbeat",
        "0.4.0",
        "ok",
    )
    assert executors["local"]["status"] == collectors["client"]["status"] == collectors["prometheus"]["status"] == "ok"
    for listed in (executors, collectors):
        assert listed["broken"]["status"] == "ok"  # listing does not import: only check finds it broken
        assert listed["broken"]["distribution"] == "gaugellm-broken-kinds"
        assert listed["future"]["status"] == "incompatible"
        assert "gaugellm<3,>=2" in str(listed["future"]["reason"])
    assert "heartbeat" not in executors
    assert "relay" not in collectors

    every = plugin_env.gaugellm("plugins", "list", "--json", env=env)
    assert every.returncode == 0, every.stderr
    kinds = {(item["kind"], item["name"]): item["status"] for item in json.loads(every.stdout)}
    assert kinds[("backend", "echo")] == kinds[("executor", "relay")] == kinds[("collector", "heartbeat")] == "ok"
    table = plugin_env.gaugellm("plugins", "list", env=env)
    assert table.returncode == 0, table.stderr
    assert "gaugellm-executor-relay" in table.stdout
    assert "gaugellm-collector-heartbeat" in table.stdout
    assert plugin_env.gaugellm("plugins", "list", "--kind", "collector", env=env).returncode == 0

    assert sorted(path.name for path in markers.iterdir()) == [], "listing imported a plugin"
    assert not (tmp_path / "future-imported").exists()
    # The markers do work: checking imports the plugins, and says so.
    assert plugin_env.gaugellm("plugins", "check", "relay", "--kind", "executor", env=env).returncode == 0
    assert plugin_env.gaugellm("plugins", "check", "heartbeat", "--kind", "collector", env=env).returncode == 0
    assert sorted(path.name for path in markers.iterdir()) == ["gaugellm_heartbeat.plugin", "gaugellm_relay.plugin"]
    assert not (tmp_path / "future-imported").exists(), "an incompatible plugin was imported"


def test_check_reports_the_broken_ones_while_every_kind_stays_usable(plugin_env: VirtualEnv) -> None:
    result = plugin_env.gaugellm("plugins", "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    for kind in ("executor", "collector"):
        [broken] = [line for line in lines if line.startswith(f"broken  {kind} broken ")]
        assert "(gaugellm-broken-kinds 0.1.0)" in broken
        assert "ModuleNotFoundError: No module named 'gaugellm_missing_dependency'" in broken
        [future] = [line for line in lines if line.startswith(f"broken  {kind} future ")]
        assert "requires gaugellm<3,>=2" in future
    for ok in (
        "ok      executor relay (gaugellm-executor-relay 0.2.0)",
        "ok      collector heartbeat (gaugellm-collector-heartbeat 0.4.0)",
        "ok      executor local",
        "ok      collector client",
        "ok      backend echo (gaugellm-backend-echo 0.3.1)",
        "ok      backend openai_http",
    ):
        assert any(line.startswith(ok) for line in lines), (ok, result.stdout)

    # One kind's broken plugin never fails a check (or a show) of a working plugin, of that kind or another.
    for kind, name in (("executor", "relay"), ("collector", "heartbeat"), ("backend", "echo")):
        assert plugin_env.gaugellm("plugins", "check", name, "--kind", kind).returncode == 0
    assert plugin_env.gaugellm("plugins", "check", "broken", "--kind", "collector").returncode == 1
    shown = plugin_env.gaugellm("plugins", "show", "relay", "--kind", "executor", "--json")
    assert shown.returncode == 0, shown.stderr
    fields = {field["name"]: field for field in json.loads(shown.stdout)["fields"]}
    assert fields["label"]["description"] == "A label the report shows for this executor."
    assert "uvloop" in fields  # inherited from the local executor's args


def test_disabled_executors_and_collectors_are_listed_as_such_and_not_checked(plugin_env: VirtualEnv) -> None:
    env = {"GAUGELLM_DISABLED_EXECUTORS": "relay, broken", "GAUGELLM_DISABLED_COLLECTORS": "heartbeat"}
    executors = plugin_env.plugins("executor", env=env)
    collectors = plugin_env.plugins("collector", env=env)
    assert executors["relay"]["status"] == executors["broken"]["status"] == "disabled"
    assert collectors["heartbeat"]["status"] == "disabled"
    assert collectors["broken"]["status"] == "ok"  # each kind has its own variable
    assert plugin_env.backends()["echo"]["status"] == "ok"
    checked = plugin_env.gaugellm("plugins", "check", "--kind", "executor", env=env)
    names = [line.split()[1] for line in checked.stdout.splitlines()]
    assert sorted(names) == ["future", "local"], checked.stdout
    assert "ok      local" in checked.stdout


def test_two_distributions_claiming_an_executor_and_a_collector_name_are_reported(plugin_env: VirtualEnv) -> None:
    plugin_env.install("gaugellm-kinds-clone")
    try:
        for kind, name, owner in (
            ("executor", "relay", "gaugellm-executor-relay"),
            ("collector", "heartbeat", "gaugellm-collector-heartbeat"),
        ):
            listed = plugin_env.plugins(kind)[name]
            assert listed["status"] == "duplicate"
            assert owner in str(listed["reason"])
            assert "gaugellm-kinds-clone" in str(listed["reason"])
            shown = plugin_env.gaugellm("plugins", "show", name, "--kind", kind)
            assert shown.returncode == 2
            assert f"{owner} and gaugellm-kinds-clone" in shown.stderr
        assert plugin_env.plugins("executor")["local"]["status"] == "ok"
    finally:
        plugin_env.uninstall("gaugellm-kinds-clone")
    assert plugin_env.plugins("executor")["relay"]["status"] == "ok"
    assert plugin_env.plugins("collector")["heartbeat"]["status"] == "ok"


@pytest.fixture
def mock_server(plugin_env: VirtualEnv) -> Iterator[str]:
    """The simulated OpenAI server of gaugellm-backend-openai, on loopback, slow enough for a few samples."""
    command = [str(plugin_env.root / "bin" / "gaugellm"), "mock-server", "--host", "127.0.0.1", "--port", "0"]
    command += ["--output-tokens", "8", "--itl-ms", "20"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())["url"]
    finally:
        process.terminate()  # our own child, by its PID
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()


def test_run_uses_the_third_party_executor_and_collector(
    plugin_env: VirtualEnv, mock_server: str, tmp_path: Path
) -> None:
    report_file = tmp_path / "run.json"
    measured = plugin_env.gaugellm(
        "run",
        "--backend",
        "openai_http",
        "--backend-kwargs",
        json.dumps({"target": mock_server}),
        "--executor",
        "relay",
        "--executor-kwargs",
        json.dumps({"label": "ecosystem"}),
        "--collector",
        'heartbeat:{"interval_s": 0.1}',
        "--collector",
        'prometheus:{"interval_s": 0.1}',
        "--workers",
        "2",
        "--profile",
        "concurrent",
        "--concurrency",
        "4",
        "--max-requests",
        "24",
        "--output",
        str(report_file),
    )
    assert measured.returncode == 0, measured.stdout + measured.stderr
    report = json.loads(report_file.read_text())
    assert report["complete"] is True
    assert report["benchmarks"][0]["metrics"]["requests"]["successful"] == 24
    executor = report["environment"]["executor"]
    assert executor["name"] == "relay"
    assert executor["label"] == "ecosystem"
    [heartbeat] = [collector for collector in report["collectors"] if collector["name"] == "heartbeat"]
    assert heartbeat["failures"] == 0, heartbeat["last_error"]
    beats = heartbeat["series"]["beats"]
    assert len(beats) == len(heartbeat["times_s"]) >= 2
    assert beats == [float(n) for n in range(1, len(beats) + 1)]
    assert heartbeat["series"]["local_workers"][0] == 2.0  # the relay executor's workers, on this machine
    [prometheus] = [collector for collector in report["collectors"] if collector["name"] == "prometheus"]
    assert prometheus["failures"] == 0, prometheus["last_error"]
    assert prometheus["info"]["presets"] == ["vllm"]  # our own distribution, from its wheel, on the mock's /metrics
    assert "vllm:generation_tokens:rate" in prometheus["series"]
