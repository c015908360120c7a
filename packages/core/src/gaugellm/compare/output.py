"""Writing a comparison to a file: the format follows the extension, written atomically like a run's report."""

from __future__ import annotations

import json
from pathlib import Path

from gaugellm.compare.errors import CompareError
from gaugellm.compare.models import CompareReport

__all__ = ["check_output", "render_comparison", "write_comparison"]

_FORMATS = {".json": "json", ".html": "html", ".htm": "html"}


def check_output(path: Path) -> str:
    """The format of an output path, or one line naming the supported extensions."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CompareError(f"cannot write {str(path)!r}: a comparison is written as .json or .html")
    return fmt


def render_comparison(report: CompareReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.model_dump(mode="json"), indent=2, allow_nan=False) + "\n"
    from gaugellm.compare.html import render_compare_html

    return render_compare_html(report)


def write_comparison(report: CompareReport, path: str | Path) -> Path:
    from gaugellm.reports.writer import atomic_write_text

    target = Path(path)
    text = render_comparison(report, check_output(target))
    try:
        atomic_write_text(target, text)
    except OSError as exc:
        raise CompareError(f"cannot write the comparison to {str(target)!r}: {exc.strerror or exc}") from None
    return target
