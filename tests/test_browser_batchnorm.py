"""BatchNorm and the scale x depth map in a real browser: a run with BatchNorm on draws every
view while it trains and after; the deep-signal lab draws its map (and its backprop toggle)."""

from __future__ import annotations

import re

import pytest

from dashboard.views.registry import VIEWS
from tests.harness import click_view, screenshot, wait_for_app_idle

pytestmark = pytest.mark.browser

CHART = '[data-testid="stVegaLiteChart"]'
DRAWN = f"{CHART} svg, {CHART} canvas"
LIVE_VIEWS = tuple(n for n, v in VIEWS.items() if v.charts and v.shows_run)


def progress_text(page) -> str:
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def open_tab(page, name: str) -> None:
    click_view(page, name)
    page.wait_for_timeout(200)


def wait_for_drawn_charts(page, at_least: int = 1) -> int:
    page.wait_for_function(
        """([sel, n]) => document.querySelectorAll(sel).length >= n""",
        arg=[DRAWN, at_least],
        timeout=60_000,
    )
    return page.locator(CHART).count()


def assert_clean(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.page_errors, page.page_errors


def test_a_batchnorm_run_draws_every_view_live_and_after(page, app_url):
    """With ?batchnorm=on, open each view that shows a run while it trains: each draws its
    charts with the run still going; after the last epoch every view draws again."""
    # 3000 epochs: about 15 s of training, half the classroom limit (cost.CLASSROOM_SECONDS), so a
    # slower machine still finishes it; 5000 (25 s alone) crossed the limit with the tabs redrawing
    page.goto(f"{app_url}/?batchnorm=on&epochs=3000&n_samples=700&hidden=32,32,32&seed=5")
    wait_for_app_idle(page)
    toggle = page.get_by_role("checkbox", name="BatchNorm after every hidden layer")
    if toggle.count():  # the network section is collapsed by default
        assert toggle.is_checked()
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => /Training: epoch [1-9]/.test(e.innerText))""",
        timeout=60_000,
    )
    live = []
    for name in LIVE_VIEWS:
        open_tab(page, name)
        wait_for_drawn_charts(page)
        if re.search(r"Training: epoch \d+", progress_text(page)):
            live.append(name)
            screenshot(page, f"batchnorm-live-{name}")
        assert_clean(page)
    # the run lasts far longer than the first few tab switches
    assert live[:3] == list(LIVE_VIEWS[:3]), live
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => /Trained|Stopped/.test(e.innerText))""",
        timeout=240_000,
    )
    assert "Trained 3000 epochs" in progress_text(page), progress_text(page)
    wait_for_app_idle(page)
    for name, view in VIEWS.items():
        open_tab(page, name)
        wait_for_app_idle(page)
        if view.charts:
            n = wait_for_drawn_charts(page)
            for i in range(n):
                assert page.locator(CHART).nth(i).locator("svg, canvas").count() > 0, (name, i)
        assert_clean(page)
        screenshot(page, f"batchnorm-{name}")
    open_tab(page, "weights")
    wait_for_app_idle(page)
    assert page.get_by_text(re.compile("BatchNorm is on: these are the weights W only")).count()


def test_the_deep_lab_draws_the_scale_depth_map(page, app_url):
    page.goto(f"{app_url}/?view=deep&activation=relu")
    wait_for_app_idle(page)
    assert wait_for_drawn_charts(page, 2) == 2
    assert page.get_by_text("Scale x depth: layer d's activation spread / layer 1's").count()
    page.locator(CHART).nth(1).scroll_into_view_if_needed()
    screenshot(page, "deep-scale-depth-map")
    page.get_by_text("Map: backprop signal", exact=True).click()
    page.wait_for_timeout(300)
    wait_for_app_idle(page)
    assert wait_for_drawn_charts(page, 2) == 2
    assert page.get_by_text("Scale x depth: backprop signal reaching layer 1 / layer d's").count()
    page.locator(CHART).nth(1).scroll_into_view_if_needed()
    screenshot(page, "deep-scale-depth-map-backprop")
    assert_clean(page)
