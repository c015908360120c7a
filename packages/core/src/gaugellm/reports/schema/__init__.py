"""The JSON Schema of the report document, generated from :class:`RunReport` and committed next to this module.

The committed file is what people outside Python validate reports against; a test checks that it matches the model,
so changing the model without regenerating it (``python -m gaugellm.reports.schema``) fails the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gaugellm.reports.models import REPORT_VERSION, RunReport

__all__ = ["SCHEMA_DIALECT", "report_schema", "schema_path", "schema_text"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_path(version: int = REPORT_VERSION) -> Path:
    """Where the committed schema of a report version lives."""
    return Path(__file__).with_name(f"run-report.v{version}.json")


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the current report version, as pydantic derives it (serialisation mode: what is written)."""
    schema = RunReport.model_json_schema(mode="serialization")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"gaugellm-run-report.v{REPORT_VERSION}.json",
        "title": f"gaugellm run report, version {REPORT_VERSION}",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(report_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
