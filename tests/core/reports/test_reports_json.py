"""The JSON document: round trip, compact layout, readable errors on bad files, atomic writing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gaugellm.errors import GaugeError
from gaugellm.reports import REPORT_VERSION, RunReport, load_report, write_report
from gaugellm.reports import writer as writer_module
from gaugellm.reports.errors import ReportError


def test_round_trip_keeps_everything(sample_report: RunReport, tmp_path: Path) -> None:
    path = write_report(sample_report, tmp_path / "run.json")
    loaded = load_report(path)
    assert loaded == sample_report
    assert loaded.benchmarks[1].metrics.errors[0].count == sample_report.benchmarks[1].metrics.errors[0].count
    records = loaded.benchmarks[0].records
    assert records is not None
    assert records.count == 120
    assert records.rows()[0].request_id == "synchronous-0"
    # written again, the file is identical: rendering is deterministic
    again = write_report(loaded, tmp_path / "again.json")
    assert again.read_text() == path.read_text()


def test_document_is_versioned_and_plain_json(sample_report: RunReport, tmp_path: Path) -> None:
    path = write_report(sample_report, tmp_path / "run.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == REPORT_VERSION == 5
    assert data["complete"] is True
    assert {"config", "environment", "backend", "token_counting", "benchmarks", "error"} <= set(data)
    assert data["environment"]["python"]
    assert "cpu_count" in data["environment"]
    assert data["benchmarks"][0]["metrics"]["ttft"]["unit"] == "ms"


def test_record_columns_take_one_line_each(sample_report: RunReport, tmp_path: Path) -> None:
    text = write_report(sample_report, tmp_path / "run.json").read_text()
    lines = [line for line in text.splitlines() if line.strip().startswith('"request_id": [')]
    assert len(lines) == 3  # one per benchmark, all 120 ids on that line
    assert lines[0].count('"synchronous-') == 120


def test_incomplete_run_is_marked(sample_report: RunReport, tmp_path: Path) -> None:
    sample_report.complete = False
    sample_report.error = "interrupted by Ctrl-C"
    sample_report.benchmarks[-1].incomplete = True
    loaded = load_report(write_report(sample_report, tmp_path / "run.json"))
    assert loaded.complete is False
    assert loaded.error == "interrupted by Ctrl-C"
    assert loaded.benchmarks[-1].incomplete is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON at line 1"),
        ("[1, 2]", "is not a gaugellm JSON report"),
        ('{"hello": 1}', "is not a gaugellm JSON report"),
        ('{"version": "one", "benchmarks": []}', "invalid report version"),
        ('{"version": 6, "benchmarks": [], "gaugellm_version": "2.3.0"}', "upgrade gaugellm"),
        ('{"version": 1, "benchmarks": [{"name": 3}]}', "not a valid version 1 report: benchmarks.0.name"),
    ],
)
def test_bad_files_give_one_readable_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ReportError, match=message) as caught:
        load_report(path)
    assert isinstance(caught.value, GaugeError)
    assert "\n" not in str(caught.value)
    assert "bad.json" in str(caught.value)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        load_report(tmp_path / "nope.json")
    with pytest.raises(ReportError, match="is a directory"):
        load_report(tmp_path)
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ReportError, match="not UTF-8"):
        load_report(tmp_path / "binary.json")


def test_newer_version_names_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"version": 7, "benchmarks": [], "gaugellm_version": "9.0.0"}))
    with pytest.raises(ReportError) as caught:
        load_report(path)
    assert "version 7" in str(caught.value)
    assert "9.0.0" in str(caught.value)
    assert f"up to {REPORT_VERSION}" in str(caught.value)


@pytest.mark.parametrize("name", ["run.txt", "run.pdf", "run"])
def test_unknown_extension_names_the_supported_ones(sample_report: RunReport, tmp_path: Path, name: str) -> None:
    with pytest.raises(GaugeError, match=r"supported: \.csv, \.html, \.json"):
        write_report(sample_report, tmp_path / name)
    assert not (tmp_path / name).exists()


def test_writing_is_atomic(sample_report: RunReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_report(sample_report, tmp_path / "run.json")
    good = path.read_text()

    def explode(_text: object) -> None:
        raise KeyboardInterrupt  # the user pressed Ctrl-C half-way through writing

    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.handle = real_fdopen(*args, **kwargs)  # type: ignore[call-overload]

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, text: str) -> None:
            self.handle.write(text[: len(text) // 2])
            explode(text)

    monkeypatch.setattr(writer_module.os, "fdopen", HalfWriter)
    with pytest.raises(KeyboardInterrupt):
        write_report(sample_report, path)
    monkeypatch.undo()
    assert path.read_text() == good  # the previous report is intact
    assert sorted(item.name for item in tmp_path.iterdir()) == ["run.json"]  # and no temporary file is left


def test_unwritable_target_is_a_readable_error(sample_report: RunReport, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ReportError, match="cannot write report"):
        write_report(sample_report, blocker / "sub" / "run.json")


def test_parent_folders_are_created(sample_report: RunReport, tmp_path: Path) -> None:
    path = write_report(sample_report, tmp_path / "a" / "b" / "run.csv")
    assert path.is_file()
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
