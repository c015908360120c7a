"""A real Chromium for the HTML reports: Playwright drives the system's browser, never one it downloads.

The suite runs with ``hatch run browser:test`` (its own environment: Playwright is large). Where Playwright or a
Chromium is missing, every test here is skipped with a message that says what to install; CI installs both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright import sync_api as playwright_api
except ImportError:  # the default environment: the test modules skip themselves with a message
    playwright_api = None  # type: ignore[assignment]

NO_PLAYWRIGHT = "Playwright is not installed here; run the browser checks with `hatch run browser:test`"

#: Where Debian's and other distributions' Chromium live; GAUGELLM_CHROMIUM overrides.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    explicit = os.environ.get("GAUGELLM_CHROMIUM")
    if explicit:
        return explicit
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


@dataclass
class PageLoad:
    """A page as the browser saw it: what it logged, what failed, and the page to inspect further."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if playwright_api is None:
        pytest.skip(NO_PLAYWRIGHT)
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set GAUGELLM_CHROMIUM=/path/to/chrome)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """``open_page(path)``: load a local HTML file in a fresh page and record every error the browser reports."""
    contexts: list[Any] = []

    def load(path: Path) -> PageLoad:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        seen = PageLoad(page)
        page.on("console", lambda m: seen.console_errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
        page.on("requestfailed", lambda request: seen.failed_requests.append(request.url))
        page.goto(path.resolve().as_uri(), wait_until="load")
        return seen

    yield load
    for context in contexts:
        context.close()
