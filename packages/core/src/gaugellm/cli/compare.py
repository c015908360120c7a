"""``gaugellm compare A.json B.json [C.json ...]``: is each run better or worse than the baseline A, beyond noise?

Only click is imported here at start-up; the statistics, rich and the HTML page load when the command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["compare"]


def _percent(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """``2``, ``2%`` and ``0.5%`` are percentages: the number is always read as percent, returned as a share."""
    if value is None:
        return None
    try:
        number = float(value.strip().removesuffix("%"))
    except ValueError:
        number = -1.0
    if not 0 <= number < 1000:
        raise click.BadParameter(f"{value!r} is not a percentage (e.g. 2 or 2%)", ctx, param)
    return number / 100.0


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Write the comparison to this file: .json (machine-readable) or .html (a page). Repeatable.",
)
@click.option(
    "--min-effect",
    callback=_percent,
    default="2",
    show_default=True,
    help="Smallest relative change, in percent, reported as better or worse (smaller ones are no detectable change).",
)
@click.option(
    "--min-error-change",
    callback=_percent,
    default="0.5",
    show_default=True,
    help="Smallest change of the error rate, in percentage points, reported as better or worse.",
)
@click.option(
    "--fail-on-regression",
    callback=_percent,
    default=None,
    metavar="PCT",
    help="Exit with status 3 when a metric is worse by more than PCT percent (the error rate: PCT points).",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME",
    help="Compare only this metric (repeatable), e.g. ttft.p99, request_rate, error_rate.",
)
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option("--resamples", type=click.IntRange(100, 1_000_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("--quiet", "-q", is_flag=True, help="Do not print the tables (only write --output files).")
def compare(
    files: tuple[Path, ...],
    outputs: tuple[Path, ...],
    min_effect: float,
    min_error_change: float,
    fail_on_regression: float | None,
    metrics: tuple[str, ...],
    confidence: float,
    resamples: int,
    seed: int,
    quiet: bool,
) -> None:
    """Compare runs with a baseline: the first FILE is the baseline, each later one is compared with it.

    Every metric gets its change, a confidence interval of the change and a verdict: better, worse, or no detectable
    change (docs/compare.md).
    """
    from gaugellm.compare import METRICS, CompareError, Settings, compare_reports
    from gaugellm.compare.output import check_output
    from gaugellm.reports import load_report

    if len(files) < 2:
        raise CompareError("compare needs at least two reports: the baseline first, then one or more to compare")
    for output in outputs:
        check_output(output)
    specs = list(METRICS)
    if metrics:
        known = {spec.name: spec for spec in METRICS}
        unknown = [name for name in metrics if name not in known]
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], list(known), n=2, cutoff=0.6)
            hint = f"; did you mean {' or '.join(close)}?" if close else f"; known: {', '.join(known)}"
            raise CompareError(f"unknown metric {unknown[0]!r}{hint}")
        specs = [known[name] for name in dict.fromkeys(metrics)]
    reports = [load_report(path) for path in files]
    settings = Settings(
        confidence=confidence,
        resamples=resamples,
        seed=seed,
        min_effect=min_effect,
        min_error_change=min_error_change,
        metrics=specs,
    )
    result = compare_reports([str(path) for path in files], reports, settings)
    if not quiet:
        from gaugellm.compare.console import render_compare_console
        from gaugellm.reports.console import make_console

        render_compare_console(result, make_console())
    from gaugellm.compare import write_comparison

    for output in outputs:
        click.echo(f"wrote {write_comparison(result, output)}")
    if fail_on_regression is not None:
        from gaugellm.compare import regression_error

        failed = regression_error(result, fail_on_regression)
        if failed is not None:
            raise failed
