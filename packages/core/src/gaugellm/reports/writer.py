"""Writing a report to a file: the format follows the extension, and the file appears whole or not at all.

A run interrupted while writing (Ctrl-C, a full disk) must never leave half a JSON file where the last good one was,
so every format is written to a temporary file in the same directory, flushed to disk, then renamed over the target
(an atomic replace on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from gaugellm.reports.errors import ReportError
from gaugellm.reports.models import RunReport

__all__ = [
    "SUPPORTED_FORMATS",
    "TIMELINE_CSV_SUFFIX",
    "atomic_write_text",
    "render_report",
    "report_format",
    "write_report",
]

#: Extension -> format name.
SUPPORTED_FORMATS: dict[str, str] = {
    ".json": "json",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
    ".prom": "openmetrics",
}
#: A name ending so is the run's timeline as CSV rows (one per window), not the per-benchmark CSV.
TIMELINE_CSV_SUFFIX = ".timeline.csv"


def report_format(path: str | Path) -> str:
    """The format a path's extension asks for; a :class:`ReportError` naming the supported ones otherwise.

    ``*.timeline.csv`` is ``timeline_csv``: one -o path holds one file, so the timeline's rows get a name of their
    own rather than a second table inside the per-benchmark CSV.
    """
    if Path(path).name.lower().endswith(TIMELINE_CSV_SUFFIX):
        return "timeline_csv"
    suffix = Path(path).suffix.lower()
    fmt = SUPPORTED_FORMATS.get(suffix)
    if fmt is None:
        supported = ", ".join(sorted({".json", ".csv", ".html", ".prom"}))
        shown = f"extension {suffix!r}" if suffix else "no extension"
        raise ReportError(f"cannot write a report to {str(path)!r}: {shown}; supported: {supported}")
    return fmt


def _renderer(fmt: str) -> Callable[[RunReport], str]:
    # Imported on demand: writing JSON at the end of a run should not import the HTML or console code.
    if fmt == "json":
        from gaugellm.reports.json_format import render_json

        return render_json
    if fmt == "csv":
        from gaugellm.reports.csv_format import render_csv

        return render_csv
    if fmt == "openmetrics":
        from gaugellm.reports.openmetrics_format import render_openmetrics

        return render_openmetrics
    if fmt == "timeline_csv":
        from gaugellm.reports.timeline_views import render_timeline_csv

        return render_timeline_csv
    from gaugellm.reports.html_format import render_html

    return render_html


def render_report(report: RunReport, fmt: str) -> str:
    """The report rendered as ``json``, ``csv``, ``timeline_csv``, ``html`` or ``openmetrics`` text."""
    return _renderer(fmt)(report)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _mode_for(path: Path) -> int:
    """Keep a replaced file's permissions; a new report is 0644 (mkstemp's 0600 would hide it from colleagues)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644


def write_report(report: RunReport, path: str | Path) -> Path:
    """Render ``report`` in the format of ``path``'s extension (.json, .csv, .html, .prom) and write it atomically."""
    target = Path(path)
    fmt = report_format(target)
    text = render_report(report, fmt)
    try:
        atomic_write_text(target, text)
    except OSError as exc:
        raise ReportError(f"cannot write report to {str(target)!r}: {exc.strerror or exc}") from None
    return target
