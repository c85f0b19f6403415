"""The real app in a real browser: Train runs to the end, every chart draws, Stop keeps a run."""

from __future__ import annotations

import pytest

from dashboard.views.registry import VIEWS
from tests.harness import open_view, screenshot, wait_for_app_idle

pytestmark = pytest.mark.browser

CHART = '[data-testid="stVegaLiteChart"]'
DRAWN = f"{CHART} svg, {CHART} canvas"
CHART_VIEWS = tuple(n for n, v in VIEWS.items() if v.charts)


def progress_text(page) -> str:
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def assert_clean(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.page_errors, page.page_errors


def assert_charts_drawn(page) -> None:
    n = page.locator(CHART).count()
    assert n > 0, "no chart on the page"
    page.wait_for_function(
        """([sel, n]) => document.querySelectorAll(sel).length >= n""",
        arg=[DRAWN, n],
        timeout=30_000,
    )
    for i in range(n):
        box = page.locator(CHART).nth(i)
        assert box.locator("svg, canvas").count() > 0, f"chart {i} has no svg or canvas"


def open_tab(page, name: str) -> None:
    open_view(page, name)


def test_train_runs_to_the_end_and_every_view_draws(page, app_url):
    page.goto(f"{app_url}/?epochs=500")
    wait_for_app_idle(page)
    assert_clean(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => e.innerText.includes('Trained 500 epochs'))""",
        timeout=120_000,
    )
    wait_for_app_idle(page)
    assert "Trained 500 epochs" in progress_text(page)
    for name in VIEWS:
        open_tab(page, name)
        assert_clean(page)
        if name in CHART_VIEWS:
            assert_charts_drawn(page)
        if name == "tldr":
            assert page.locator('[data-testid="stDataFrame"]').count() == 1
        screenshot(page, f"app-{name}")


def test_stop_mid_run_keeps_the_partial_result(page, app_url):
    page.goto(f"{app_url}/?epochs=5000&hidden=32,32,32")
    wait_for_app_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => /Training: epoch [1-9]/.test(e.innerText))""",
        timeout=60_000,
    )
    page.get_by_role("button", name="Stop").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => e.innerText.includes('Stopped at epoch'))""",
        timeout=60_000,
    )
    wait_for_app_idle(page)
    assert_clean(page)
    assert_charts_drawn(page)
    screenshot(page, "app-stopped")
