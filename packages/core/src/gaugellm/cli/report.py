"""``gaugellm report FILE``: render a saved run again, to the console and/or to other formats.

The JSON report is the source of truth, so a run measured once can be rendered as many ways as needed later
(an HTML page for a colleague, a CSV for a spreadsheet) without measuring again.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["report"]


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Write the report to this file; the format follows the extension (.json, .csv, .html, .prom). Repeatable.",
)
@click.option("--push-gateway", metavar="URL", help="Push the report's figures to this Prometheus Pushgateway.")
@click.option(
    "--otlp-endpoint",
    metavar="URL",
    help="Export the report's figures as OTLP metrics over HTTP to this receiver ('/v1/metrics' is appended to a "
    "URL without a path; needs pip install 'gaugellm[otlp]').",
)
@click.option(
    "--check",
    "checks",
    multiple=True,
    metavar="CHECK",
    help="Check the saved run (e.g. 'ttft.p99<=300ms'), in place of the checks it was run with; exit status 3 if one "
    "fails. Repeatable (docs/checks.md).",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print the tables (only write --output files).")
def report(
    file: Path,
    outputs: tuple[Path, ...],
    push_gateway: str | None,
    otlp_endpoint: str | None,
    checks: tuple[str, ...],
    quiet: bool,
) -> None:
    """Render a saved run again (a JSON report written by `gaugellm run --output X.json`), optionally gate on it."""
    from gaugellm.reports import load_report, write_report
    from gaugellm.reports.errors import ReportError
    from gaugellm.reports.push import check_gateway_url, push_to_gateway
    from gaugellm.reports.writer import report_format

    for output in outputs:
        report_format(output)  # an unsupported extension fails before anything is written
    if push_gateway is not None:
        check_gateway_url(push_gateway)
    if otlp_endpoint is not None:
        from gaugellm.reports.otlp import otlp_metrics_url, require_otlp

        otlp_metrics_url(otlp_endpoint)
        require_otlp()
    if checks:
        from gaugellm.errors import RunConfigError
        from gaugellm.reports.checks import parse_checks

        try:
            parse_checks(checks)
        except ValueError as exc:
            raise RunConfigError(str(exc)) from None
    loaded = load_report(file)
    if checks:
        from gaugellm.reports.checks import evaluate_checks

        loaded.checks = evaluate_checks(checks, loaded)
    if not quiet:
        from gaugellm.reports import render_console
        from gaugellm.reports.console import make_console

        render_console(loaded, make_console())
    for output in outputs:
        written = write_report(loaded, output)
        click.echo(f"wrote {written}")
    problems: list[str] = []  # one receiver failing does not keep the figures from the other
    if push_gateway is not None:
        try:
            click.echo(f"pushed to {push_to_gateway(loaded, push_gateway)}")
        except ReportError as exc:
            problems.append(str(exc))
    if otlp_endpoint is not None:
        from gaugellm.reports.otlp import export_to_otlp

        try:
            click.echo(f"exported to {export_to_otlp(loaded, otlp_endpoint)}")
        except ReportError as exc:
            problems.append(str(exc))
    if problems:
        raise ReportError("; ".join(problems))
    if checks:
        from gaugellm.reports.checks import failed_checks_error

        failed = failed_checks_error(loaded.checks)
        if failed is not None:
            raise failed
