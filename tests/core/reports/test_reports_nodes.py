"""Dispatch lag per node (workers on several nodes, e.g. the ray executor) in every report format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
from rich.console import Console

from gaugellm.metrics.accumulator import distribution
from gaugellm.metrics.histogram import LogHistogram
from gaugellm.reports import RunReport, load_report, render_console, write_report
from gaugellm.reports.schema import schema_path

MS = 1_000_000


def lags(*values_ms: float) -> LogHistogram:
    histogram = LogHistogram()
    for value in values_ms:
        histogram.record(round(value * MS))
    return histogram


def with_nodes(report: RunReport) -> RunReport:
    first = report.benchmarks[0]
    by_node = {"hostA/1a2b3c4d": distribution(lags(0.2, 0.3, 0.4)), "hostB/9f8e7d6c": distribution(lags(2.0, 3.0))}
    report.benchmarks = [first.model_copy(update={"dispatch_lag_by_node": by_node}), *report.benchmarks[1:]]
    return report


def test_every_format_shows_each_nodes_dispatch_lag(sample_report: RunReport, tmp_path: Path) -> None:
    report = with_nodes(sample_report)
    path = write_report(report, tmp_path / "run.json")
    jsonschema.Draft202012Validator(json.loads(schema_path().read_text())).validate(json.loads(path.read_text()))
    assert load_report(path).benchmarks[0].dispatch_lag_by_node == report.benchmarks[0].dispatch_lag_by_node

    console = Console(record=True, width=200, color_system=None)
    render_console(report, console)
    line = next(line for line in console.export_text().splitlines() if "by node" in line)
    assert line.startswith("synchronous: dispatch lag p50 / p99 by node: hostA/1a2b3c4d 0.300 / 0.400 ms (3)")
    assert "hostB/9f8e7d6c" in line

    rows = list(csv.DictReader(io.StringIO(write_report(report, tmp_path / "run.csv").read_text())))
    assert rows[0]["dispatch_lag_p99_ms_by_node"].startswith("hostA/1a2b3c4d=0.4")
    assert rows[1]["dispatch_lag_p99_ms_by_node"] == ""  # one machine: nothing per node

    from gaugellm.reports.html_format import render_html

    page = render_html(report)
    assert "<h2>Dispatch lag by node</h2>" in page
    assert "hostB/9f8e7d6c" in page
    prom = write_report(report, tmp_path / "run.prom").read_text()
    assert (
        'gaugellm_node_dispatch_lag_seconds{benchmark="synchronous",profile="constant",node="hostA/1a2b3c4d",statistic="p99"}'
        in prom
    )
