"""`gaugellm compare` through the real entry point: outputs, the regression gate (status 3), bad input (status 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gaugellm.cli.main import BUILTIN_COMMANDS, main
from gaugellm.compare import CompareReport
from gaugellm.reports import BenchmarkReport, RunReport, write_report

MakeBenchmark = Callable[..., BenchmarkReport]
MakeRun = Callable[..., RunReport]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as caught:
        main(args)
    out, err = capsys.readouterr()
    return int(caught.value.code or 0), out, err


@pytest.fixture
def reports(make_benchmark: MakeBenchmark, make_run: MakeRun, tmp_path: Path) -> tuple[Path, Path, Path]:
    base = write_report(make_run(make_benchmark(seed=1, requests=1000), labels={"build": "1233"}), tmp_path / "a.json")
    slow = make_run(make_benchmark(seed=2, requests=1000, ttft_scale=1.15), labels={"build": "1234"})
    same = make_run(make_benchmark(seed=3, requests=1000), labels={"build": "1235"})
    return base, write_report(slow, tmp_path / "b.json"), write_report(same, tmp_path / "c.json")


def test_compare_is_a_builtin_command() -> None:
    assert BUILTIN_COMMANDS["compare"][0] == "gaugellm.cli.compare:compare"


def test_console_json_and_html(
    reports: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, slow, same = reports
    json_path, html_path = tmp_path / "out" / "compare.json", tmp_path / "compare.html"
    code, out, err = run(
        ["compare", str(base), str(slow), str(same), "-o", str(json_path), "-o", str(html_path)], capsys
    )
    assert code == 0, err
    assert "build=1234 vs build=1233 (baseline)" in out
    assert "build=1235 vs build=1233 (baseline)" in out
    assert "worse" in out
    assert "TTFT p50" in out
    document = json.loads(json_path.read_text())
    report = CompareReport.model_validate(document)  # the file is the model, field for field
    assert CompareReport.model_validate_json(json_path.read_text()) == report
    verdicts = {(r.run.name, row.metric): row.verdict for r, _, row in report.rows()}
    assert verdicts[("build=1234", "ttft.p50")] == "worse"
    assert verdicts[("build=1235", "ttft.p50")] == "no detectable change"
    page = html_path.read_text()
    assert "<script" not in page.lower()
    assert page.count("<svg") == 2  # one forest plot per compared run
    assert "build=1234 vs build=1233" in page


def test_fail_on_regression_exits_3_naming_the_metrics(
    reports: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, slow, same = reports
    out_file = tmp_path / "gate.json"
    code, _, err = run(
        ["compare", str(base), str(slow), "-q", "--fail-on-regression", "5", "-o", str(out_file)], capsys
    )
    assert code == 3
    assert err.startswith("error: ")
    assert "worse by more than 5%" in err
    assert "ttft.p50" in err
    assert len(err.strip().splitlines()) == 1
    assert out_file.exists()  # written before the gate
    code, _, err = run(["compare", str(base), str(slow), "-q", "--fail-on-regression", "50%"], capsys)
    assert code == 0, err  # the slowdown is real but smaller than 50 %
    code, _, err = run(["compare", str(base), str(same), "-q", "--fail-on-regression", "1"], capsys)
    assert code == 0, err


def test_metric_restricts_the_rows(
    reports: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, slow, _ = reports
    out_file = tmp_path / "one.json"
    code, _out, err = run(["compare", str(base), str(slow), "--metric", "ttft.p99", "-o", str(out_file)], capsys)
    assert code == 0, err
    report = CompareReport.model_validate_json(out_file.read_text())
    assert [row.metric for *_, row in report.rows()] == ["ttft.p99"]
    code, _, err = run(["compare", str(base), str(slow), "--metric", "ttft.p98"], capsys)
    assert code == 2
    assert "unknown metric 'ttft.p98'; did you mean" in err


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("one", "at least two reports"),
        ("missing", "does not exist"),
        ("not-a-report", "is not a gaugellm JSON report"),
        ("newer", "upgrade gaugellm"),
        ("unmatched", "no benchmark of"),
        ("bad-output", "written as .json or .html"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    setup: str,
    expected: str,
    reports: tuple[Path, Path, Path],
    make_benchmark: MakeBenchmark,
    make_run: MakeRun,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = reports[0]
    args = ["compare", str(base), str(reports[1])]
    if setup == "one":
        args = ["compare", str(base)]
    elif setup == "missing":
        args[2] = str(tmp_path / "nope.json")
    elif setup == "not-a-report":
        (tmp_path / "x.json").write_text('{"hello": 1}')
        args[2] = str(tmp_path / "x.json")
    elif setup == "newer":
        document = json.loads(base.read_text())
        document["version"] = 99
        (tmp_path / "new.json").write_text(json.dumps(document))
        args[2] = str(tmp_path / "new.json")
    elif setup == "unmatched":
        other = make_run(make_benchmark("concurrent@4", {"kind": "concurrent", "concurrency": 4}))
        args[2] = str(write_report(other, tmp_path / "other.json"))
    elif setup == "bad-output":
        args += ["-o", str(tmp_path / "compare.csv")]
    code, _, err = run(args, capsys)
    assert code == 2
    assert err.startswith("error: ")
    assert expected in err
    assert len(err.strip().splitlines()) == 1


def test_the_page_escapes_what_runs_are_called(
    make_benchmark: MakeBenchmark, make_run: MakeRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = {"build": "<script>alert(1)</script>"}
    base = write_report(make_run(make_benchmark(seed=1), labels=hostile), tmp_path / "a.json")
    new = write_report(make_run(make_benchmark(seed=2), labels={"build": "2"}, complete=False), tmp_path / "b.json")
    page_path = tmp_path / "compare.html"
    code, out, err = run(["compare", str(base), str(new), "-o", str(page_path)], capsys)
    assert code == 0, err
    page = page_path.read_text()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page
    assert "build=2 was interrupted" in page
    assert "build=2 was interrupted" in out


def test_the_json_document_has_a_schema() -> None:
    schema = CompareReport.model_json_schema()
    assert set(schema["required"]) >= {"baseline", "settings", "runs"}
    assert "MetricComparison" in schema["$defs"]
