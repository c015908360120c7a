"""The HTML page opens offline: no external resource, no script; charts are inline SVG."""

from __future__ import annotations

import re
from pathlib import Path

from gaugellm.reports import RunReport, write_report

EXTERNAL = re.compile(r"""(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(|@import""", re.IGNORECASE)


def test_page_is_self_contained(sample_report: RunReport, tmp_path: Path) -> None:
    html = write_report(sample_report, tmp_path / "run.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html
    assert not EXTERNAL.search(html)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "xmlns=" not in html  # no namespace URL either: inline SVG in HTML needs none
    # The only URLs on the page are text from the config (the masked target), never a resource.
    for url in re.findall(r"https?://\S+", html):
        assert "127.0.0.1" in url


def test_page_shows_every_benchmark_and_the_sweep_curve(sample_report: RunReport, tmp_path: Path) -> None:
    html = write_report(sample_report, tmp_path / "run.html").read_text(encoding="utf-8")
    for benchmark in sample_report.benchmarks:
        assert f"<h2>{benchmark.name}</h2>" in html
    assert "Latency vs throughput" in html
    assert "TTFT distribution" in html
    assert html.count("<svg") == 4 + 3 * 3  # 4 sweep charts + 3 histograms per benchmark
    assert "http_status" in html  # the error table


def test_single_benchmark_has_no_sweep_chart(sample_report: RunReport, tmp_path: Path) -> None:
    sample_report.benchmarks = sample_report.benchmarks[:1]
    html = write_report(sample_report, tmp_path / "run.html").read_text(encoding="utf-8")
    assert "Latency vs throughput" not in html
    assert "<svg" in html


def test_text_from_the_report_is_escaped(sample_report: RunReport, tmp_path: Path) -> None:
    sample_report.benchmarks[0].name = "<script>alert(1)</script>"
    sample_report.complete = False
    sample_report.error = "<b>boom</b>"
    html = write_report(sample_report, tmp_path / "run.htm").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>boom</b>" not in html
    assert "INCOMPLETE" in html


def test_empty_run_renders(tmp_path: Path) -> None:
    html = write_report(RunReport(complete=False, error="no server"), tmp_path / "empty.html").read_text()
    assert "no server" in html
