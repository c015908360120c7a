"""The JSON report on disk: writing it readably and compactly, and reading it back with clear errors.

Layout: the document is indented for people, but a list of plain values (a column of per-request records) stays on
one line, so 100 000 records cost one line per column instead of one per value.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gaugellm.errors import validation_problems
from gaugellm.reports.errors import ReportError
from gaugellm.reports.models import REPORT_VERSION, RunReport
from gaugellm.reports.redaction import redact

__all__ = ["load_report", "parse_report", "render_json", "report_document"]


def report_document(report: RunReport) -> dict[str, Any]:
    """The report as JSON-ready data, secrets masked once more (a dict may have been changed in place)."""
    document = report.model_dump(mode="json")
    for name in ("config", "environment", "backend"):
        document[name] = redact(document[name])
    return document


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _dumps(value: Any, indent: int, level: int) -> str:
    if isinstance(value, dict) and value:
        pad = " " * (indent * (level + 1))
        items = [f"{pad}{json.dumps(key)}: {_dumps(item, indent, level + 1)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * (indent * level) + "}"
    if isinstance(value, list) and value and not all(_is_scalar(item) for item in value):
        pad = " " * (indent * (level + 1))
        items = [pad + _dumps(item, indent, level + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * (indent * level) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return "null"  # JSON has no infinity; a limit of inf means "none"
    if isinstance(value, list) and any(isinstance(item, float) and not math.isfinite(item) for item in value):
        value = [None if isinstance(item, float) and not math.isfinite(item) else item for item in value]
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def render_json(report: RunReport) -> str:
    """The report as JSON text (UTF-8, ends with a newline)."""
    return _dumps(report_document(report), indent=2, level=0) + "\n"


def parse_report(text: str, source: str = "report") -> RunReport:
    """Validate JSON text as a report, with one readable error for each way it can be wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{source} is not a gaugellm JSON report: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict) or "version" not in data or "benchmarks" not in data:
        raise ReportError(f"{source} is not a gaugellm JSON report (no 'version' and 'benchmarks' fields)")
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ReportError(f"{source} has an invalid report version {version!r}")
    if version > REPORT_VERSION:
        writer = data.get("gaugellm_version", "a newer gaugellm")
        raise ReportError(
            f"{source} is a version {version} report (written by gaugellm {writer}); this gaugellm reads versions "
            f"up to {REPORT_VERSION}: upgrade gaugellm (`pip install -U gaugellm`)"
        )
    try:
        return RunReport.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, limit=5, whole="(document)")
        raise ReportError(f"{source} is not a valid version {version} report: {problems}") from None


def load_report(path: str | Path) -> RunReport:
    """Read a saved JSON report. Raises :class:`ReportError` with a readable message on any problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReportError(f"report file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ReportError(f"report file {str(path)!r} is a directory") from None
    except OSError as exc:
        raise ReportError(f"cannot read report file {str(path)!r}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ReportError(f"{str(path)!r} is not a gaugellm JSON report (not UTF-8 text)") from None
    return parse_report(text, source=repr(str(path)))
