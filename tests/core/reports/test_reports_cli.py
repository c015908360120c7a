"""`gaugellm report FILE [--output ...]`, through the real entry point (errors: one line, exit status 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gaugellm.cli.main import BUILTIN_COMMANDS, main
from gaugellm.reports import RunReport, load_report, write_report


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as caught:
        main(args)
    out, err = capsys.readouterr()
    return int(caught.value.code or 0), out, err


def test_report_is_a_builtin_command() -> None:
    assert BUILTIN_COMMANDS["report"][0] == "gaugellm.cli.report:report"


def test_renders_a_saved_run_to_the_console(
    sample_report: RunReport, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_report(sample_report, tmp_path / "run.json")
    code, out, err = run(["report", str(source)], capsys)
    assert code == 0, err
    for benchmark in sample_report.benchmarks:
        assert benchmark.name in out
    assert "TTFT p50" in out


def test_writes_other_formats(sample_report: RunReport, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_report(sample_report, tmp_path / "run.json")
    html, csv_path, copy = tmp_path / "out" / "run.html", tmp_path / "run.csv", tmp_path / "copy.json"
    code, out, _ = run(
        ["report", str(source), "--quiet", "-o", str(html), "--output", str(csv_path), "-o", str(copy)], capsys
    )
    assert code == 0
    assert "TTFT p50" not in out  # --quiet: no tables
    assert f"wrote {html}" in out
    assert "<svg" in html.read_text()
    assert csv_path.read_text().startswith("benchmark,")
    assert load_report(copy) == load_report(source)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("missing", "does not exist"),
        ("not-json", "invalid JSON"),
        ("newer", "upgrade gaugellm"),
        ("bad-extension", "supported: .csv, .html, .json"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    sample_report: RunReport, tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, expected: str
) -> None:
    source = tmp_path / "run.json"
    args = ["report", str(source)]
    if setup == "not-json":
        source.write_text("<html>")
    elif setup == "newer":
        source.write_text(json.dumps({"version": 99, "benchmarks": []}))
    elif setup == "bad-extension":
        write_report(sample_report, source)
        args += ["--output", str(tmp_path / "run.xlsx")]
    code, _, err = run(args, capsys)
    assert code == 2
    assert expected in err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert not (tmp_path / "run.xlsx").exists()


def test_subprocess_exit_status(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = subprocess.run(
        [sys.executable, "-m", "gaugellm", "report", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "is not a gaugellm JSON report" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "report" in out
    assert "Render a saved run again" in out
