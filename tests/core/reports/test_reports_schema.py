"""The committed JSON Schema matches the model, and written reports validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from gaugellm.reports import RunReport, write_report
from gaugellm.reports.schema import schema_path, schema_text


def committed_schema() -> dict[str, object]:
    return json.loads(schema_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_committed_schema_matches_the_model() -> None:
    assert schema_path().name == "run-report.v5.json"
    assert schema_path().read_text(encoding="utf-8") == schema_text(), (
        "the report model changed: regenerate the schema with `python -m gaugellm.reports.schema`"
    )


def test_committed_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(committed_schema())


def test_written_report_validates(sample_report: RunReport, tmp_path: Path) -> None:
    path = write_report(sample_report, tmp_path / "run.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(committed_schema()).validate(document)


def test_minimal_report_validates(tmp_path: Path) -> None:
    path = write_report(RunReport(complete=False, error="the server died"), tmp_path / "run.json")
    jsonschema.Draft202012Validator(committed_schema()).validate(json.loads(path.read_text()))


def test_schema_rejects_a_broken_document(sample_report: RunReport, tmp_path: Path) -> None:
    document = json.loads(write_report(sample_report, tmp_path / "run.json").read_text())
    del document["benchmarks"][0]["metrics"]["ttft"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(committed_schema()).validate(document)
