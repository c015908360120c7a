"""The HTML reports of real runs, rendered by Chromium: no console errors, every chart drawn and visible.

The runs are real: ``gaugellm run`` and ``gaugellm demo`` against the simulated server over loopback, with the
features that add HTML sections (SLO, checks, labels, a sweep, the client collector, the timeline).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gaugellm_openai.mock import MockServerConfig, mock_server

from .conftest import NO_PLAYWRIGHT, PageLoad

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)


def gaugellm(*args: str, cwd: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GAUGELLM_")}
    result = subprocess.run(
        [sys.executable, "-m", "gaugellm", *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=clean
    )
    assert result.returncode in (0, 3), result.stdout + result.stderr  # 3: a check failed, on purpose


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("html")
    with mock_server(MockServerConfig(ttft_ms=20, itl_ms=2, output_tokens="16", max_streams=8), in_process=True) as srv:
        gaugellm(
            "run", "--target", srv.url, "-p", "constant", "-r", "20,60", "-t", "2.5",
            "--slo", "ttft<=100ms", "--check", "ttft.p99<=1s", "--check", "itl.p50<1ms",
            "--label", "build=1234", "--collector", "client", "-o", "run.html", cwd=folder,
        )  # fmt: skip
        gaugellm("run", "--target", srv.url, "-p", "concurrent", "-c", "4", "-n", "80", "-o", "again.json", cwd=folder)
        gaugellm("run", "--target", srv.url, "-p", "concurrent", "-c", "4", "-n", "80", "-o", "base.json", cwd=folder)
    gaugellm("compare", "base.json", "again.json", "-o", "compare.html", cwd=folder)
    gaugellm("demo", "--seconds", "1", "--output-tokens", "8", cwd=folder)
    return {"run": folder / "run.html", "demo": folder / "gaugellm-demo.html", "compare": folder / "compare.html"}


def visible_charts(page: Any) -> list[dict[str, float]]:
    boxes: list[dict[str, float]] = page.eval_on_selector_all(
        "svg", "els => els.map(e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; })"
    )
    return boxes


def assert_clean(seen: PageLoad) -> None:
    assert seen.page_errors == []
    assert seen.console_errors == []
    assert seen.failed_requests == []


def test_a_run_report_renders_without_errors(reports: dict[str, Path], open_page: Any, tmp_path: Path) -> None:
    seen = open_page(reports["run"])
    assert_clean(seen)
    page = seen.page
    headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
    for expected in ("Summary", "Over time", "constant@20", "constant@60"):
        assert any(expected in heading for heading in headings), (expected, headings)
    assert any(heading.startswith("Checks: 2 of 4 failed") for heading in headings), headings
    assert any(heading.startswith("SLO") for heading in headings), headings
    charts = visible_charts(page)
    assert len(charts) >= 6
    assert all(box["w"] > 100 and box["h"] > 80 for box in charts), charts
    assert "build=1234" in page.inner_text("p.meta")
    screenshot = tmp_path / "run.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 20_000  # a drawn page, not a blank one


def test_the_demo_sweep_renders_its_curves(reports: dict[str, Path], open_page: Any) -> None:
    seen = open_page(reports["demo"])
    assert_clean(seen)
    charts = visible_charts(seen.page)
    assert len(charts) >= 6
    assert all(box["w"] > 100 and box["h"] > 80 for box in charts), charts
    # the sweep's points carry their stage's name (the latency/throughput curve)
    point_labels = seen.page.eval_on_selector_all("svg text", "els => els.map(e => e.textContent.trim())")
    assert "synchronous" in point_labels, point_labels
    assert any(label.startswith("constant@") for label in point_labels), point_labels


def test_a_comparison_renders_its_forest_plot(reports: dict[str, Path], open_page: Any) -> None:
    seen = open_page(reports["compare"])
    assert_clean(seen)
    charts = visible_charts(seen.page)
    assert charts, "the forest plot of the changes"
    assert all(box["w"] > 100 and box["h"] > 60 for box in charts), charts
    cells = seen.page.eval_on_selector_all("td", "els => els.map(e => e.textContent)")
    assert any("no detectable change" in cell or "better" in cell or "worse" in cell for cell in cells), cells[:20]
