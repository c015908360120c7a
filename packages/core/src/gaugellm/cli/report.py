"""``gaugellm report FILE``: render a saved run again, to the console and/or to other formats.

The JSON report is the source of truth, so a run measured once can be rendered as many ways as needed later
(an HTML page for a colleague, a CSV for a spreadsheet) without measuring again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["report"]

_PIPED_WIDTH = 200


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Write the report to this file; the format follows the extension (.json, .csv, .html). Repeatable.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print the tables (only write --output files).")
def report(file: Path, outputs: tuple[Path, ...], quiet: bool) -> None:
    """Render a saved run again (a JSON report written by `gaugellm run --output X.json`)."""
    from gaugellm.reports import load_report, write_report
    from gaugellm.reports.writer import report_format

    for output in outputs:
        report_format(output)  # an unsupported extension fails before anything is written
    loaded = load_report(file)
    if not quiet:
        from rich.console import Console

        from gaugellm.reports import render_console

        # Piped to a file or another program, a table squeezed into 80 columns helps nobody: print it whole.
        width = None if sys.stdout.isatty() else _PIPED_WIDTH
        render_console(loaded, Console(soft_wrap=False, width=width))
    for output in outputs:
        written = write_report(loaded, output)
        click.echo(f"wrote {written}")
