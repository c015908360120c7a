"""Run reports: one versioned JSON document, and the console, CSV and HTML renderings made from it.

See docs/reports.md. Names are imported lazily (PEP 562): the metrics code imports :mod:`gaugellm.reports.redaction`,
and writing JSON at the end of a run should load neither rich nor the HTML code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaugellm._lazy import lazy_exports

if TYPE_CHECKING:
    from gaugellm.reports.console import render_console
    from gaugellm.reports.csv_format import CSV_COLUMNS, render_csv
    from gaugellm.reports.environment import collect_environment
    from gaugellm.reports.errors import ReportError
    from gaugellm.reports.html_format import render_html
    from gaugellm.reports.json_format import load_report, parse_report, render_json
    from gaugellm.reports.models import REPORT_VERSION, BenchmarkReport, RunReport
    from gaugellm.reports.redaction import MASK, redact
    from gaugellm.reports.writer import SUPPORTED_FORMATS, render_report, write_report

_EXPORTS = {
    "REPORT_VERSION": "gaugellm.reports.models",
    "RunReport": "gaugellm.reports.models",
    "BenchmarkReport": "gaugellm.reports.models",
    "write_report": "gaugellm.reports.writer",
    "load_report": "gaugellm.reports.json_format",
    "render_console": "gaugellm.reports.console",
    "render_report": "gaugellm.reports.writer",
    "render_json": "gaugellm.reports.json_format",
    "render_csv": "gaugellm.reports.csv_format",
    "render_html": "gaugellm.reports.html_format",
    "parse_report": "gaugellm.reports.json_format",
    "collect_environment": "gaugellm.reports.environment",
    "redact": "gaugellm.reports.redaction",
    "MASK": "gaugellm.reports.redaction",
    "ReportError": "gaugellm.reports.errors",
    "CSV_COLUMNS": "gaugellm.reports.csv_format",
    "SUPPORTED_FORMATS": "gaugellm.reports.writer",
}

__all__ = [
    "REPORT_VERSION",
    "RunReport",
    "BenchmarkReport",
    "write_report",
    "load_report",
    "render_console",
    "render_report",
    "render_json",
    "render_csv",
    "render_html",
    "parse_report",
    "collect_environment",
    "redact",
    "MASK",
    "ReportError",
    "CSV_COLUMNS",
    "SUPPORTED_FORMATS",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
