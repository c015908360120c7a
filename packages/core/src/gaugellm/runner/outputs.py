"""Report files: checked before the first request, and never lost at the end.

A measurement can take hours; finding out only when it is over that ``-o`` names a folder that cannot be written
would throw it away. So every output is checked before anything runs: a known extension, not a folder, and a
folder it can go into where a file can really be created (a probe file, created and removed: permission bits alone
do not say what a read-only file system or an administrator's process may do). And if writing still fails at the end
(a full disk, a folder removed during the run), the JSON report goes to the system's temporary folder instead, and
the error says where.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gaugellm.reports.errors import ReportError
from gaugellm.reports.writer import report_format

if TYPE_CHECKING:
    from gaugellm.reports import RunReport

__all__ = ["check_outputs", "save_elsewhere", "write_reports"]


def _existing_ancestor(path: Path) -> Path:
    for candidate in path.parents:
        if candidate.exists():
            return candidate
    return Path.cwd()


def check_output(target: str) -> None:
    """Raise a :class:`ReportError` (one line) unless a report can be written to ``target``."""
    path = Path(target).expanduser()
    report_format(path)
    if path.is_dir():
        raise ReportError(f"cannot write a report to {target!r}: it is a folder; name a file such as run.json")
    folder = path.parent if path.parent.exists() else _existing_ancestor(path.parent)
    if not folder.is_dir():
        raise ReportError(f"cannot write a report to {target!r}: {str(folder)!r} is not a folder")
    try:
        with tempfile.TemporaryFile(prefix=".gaugellm-probe-", dir=folder):
            pass
    except OSError as exc:
        raise ReportError(
            f"cannot write a report to {target!r}: folder {str(folder)!r} is not writable ({exc.strerror or exc})"
        ) from None


def check_outputs(targets: Sequence[str]) -> None:
    """:func:`check_output` for each target, before the run."""
    for target in targets:
        check_output(target)


def save_elsewhere(report: RunReport) -> Path:
    """Write the JSON report to a new file in the temporary folder; its path (raises ``OSError`` if that fails too)."""
    from gaugellm.reports.writer import render_report

    descriptor, name = tempfile.mkstemp(prefix="gaugellm-run-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(render_report(report, "json"))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def write_reports(report: RunReport, targets: Sequence[str]) -> tuple[list[Path], str | None]:
    """Write every target; ``(written, problem)``, where ``problem`` says what failed and where the JSON went."""
    from gaugellm.reports import write_report

    written: list[Path] = []
    failures: list[str] = []
    for target in targets:
        try:
            written.append(write_report(report, Path(target)))
        except ReportError as exc:
            failures.append(str(exc))
    if not failures:
        return written, None
    problem = "; ".join(failures)
    json_written = [path for path in written if report_format(path) == "json"]
    if json_written:
        return written, f"{problem}; the JSON report is at {json_written[0]}"
    try:
        saved = save_elsewhere(report)
    except OSError as exc:
        return written, f"{problem}; saving it to {tempfile.gettempdir()} failed too ({exc.strerror or exc})"
    return written, f"{problem}; the measurement was saved to {saved} (`gaugellm report {saved}` renders it)"
