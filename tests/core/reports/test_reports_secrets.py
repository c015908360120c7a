"""No secret reaches any output: JSON, CSV, HTML, console, or `gaugellm report`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from rich.console import Console

from gaugellm.cli.main import main
from gaugellm.reports import MASK, RunReport, load_report, redact, render_console, write_report
from gaugellm.reports.redaction import redact_text

PLANTED = "PLANTED"  # every secret in the sample report contains this word


def test_no_secret_in_any_format(sample_report: RunReport, tmp_path: Path) -> None:
    outputs = [write_report(sample_report, tmp_path / f"run.{ext}") for ext in ("json", "csv", "html")]
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        assert PLANTED not in text, f"a secret leaked into {path.name}"
    console = Console(record=True, width=250, color_system=None)
    render_console(sample_report, console)
    assert PLANTED not in console.export_text()
    assert sample_report.config["backend_kwargs"]["api_key"] == MASK
    assert sample_report.config["backend_kwargs"]["target"] == f"http://bench:{MASK}@127.0.0.1:8000/v1"
    assert sample_report.config["max_tokens"] == 32  # not a credential, despite "token" in the name


def test_no_secret_after_re_rendering(
    sample_report: RunReport, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_report(sample_report, tmp_path / "run.json")
    with pytest.raises(SystemExit) as caught:
        main(["report", str(source), "-o", str(tmp_path / "again.html"), "-o", str(tmp_path / "again.csv")])
    assert caught.value.code == 0
    out, err = capsys.readouterr()
    assert PLANTED not in out + err
    for name in ("again.html", "again.csv"):
        assert PLANTED not in (tmp_path / name).read_text()
    assert PLANTED not in load_report(source).model_dump_json()


def test_secrets_assigned_after_construction_are_masked(sample_report: RunReport, tmp_path: Path) -> None:
    sample_report.config = {"api_key": SecretStr("PLANTED-LATE")}
    sample_report.backend["token"] = "PLANTED-IN-PLACE"  # a dict changed in place skips validation
    for ext in ("json", "html"):
        assert PLANTED not in write_report(sample_report, tmp_path / f"late.{ext}").read_text()


def test_redact_rules() -> None:
    assert redact({"api_key": "abc", "apiKey": "abc", "max_tokens": 5, "tokenizer": "gpt2", "token": None}) == {
        "api_key": MASK,
        "apiKey": MASK,
        "max_tokens": 5,
        "tokenizer": "gpt2",
        "token": None,
    }
    assert redact({"list": [SecretStr("x"), {"refresh_token": "y"}]}) == {"list": [MASK, {"refresh_token": MASK}]}
    assert redact_text("GET https://user:pw@host/x failed, Authorization: Bearer abcdef123") == (
        f"GET https://user:{MASK}@host/x failed, Authorization: Bearer {MASK}"
    )
    assert redact_text("https://host:8000/v1") == "https://host:8000/v1"
