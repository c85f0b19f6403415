"""The deep-signal lab's panels in a real browser, on a laptop and a phone: each draws its two
charts (Vega renders them), nothing is wider than the screen, no error, and a screen reader
gets each chart's description as its name (Chromium's accessibility tree); screenshots kept."""

from __future__ import annotations

import pytest

from dashboard.views.deep import LAB_PANELS
from tests.harness import screenshot, wait_for_app_idle
from tests.test_browser_access import accessible_names

pytestmark = pytest.mark.browser

CHART = '[data-testid="stVegaLiteChart"]'
DRAWN = f"{CHART} svg, {CHART} canvas"
PANELS = tuple(label for key, label in LAB_PANELS.items() if key != "layers")


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)], ids=["laptop", "phone"])
def test_every_panel_draws_within_the_screen(browser, app_url, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{app_url}/?view=deep")
        wait_for_app_idle(page, timeout=120_000)
        for panel in PANELS:
            page.locator("button", has_text=panel).first.click()
            page.wait_for_timeout(300)
            wait_for_app_idle(page, timeout=120_000)
            page.wait_for_function(
                "([sel, n]) => document.querySelectorAll(sel).length >= n",
                arg=[DRAWN, 2],
                timeout=60_000,
            )
            assert page.locator(CHART).count() == 2, panel
            right = page.evaluate(
                f"Math.max(...Array.from(document.querySelectorAll('{DRAWN}'))"
                ".map(e => e.getBoundingClientRect().right))"
            )
            assert right <= width, (panel, right)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, panel
            assert page.locator('[data-testid="stException"]').count() == 0, panel
            names = [n for r, n in accessible_names(page) if r == "graphics-document"]
            assert len(names) == 2 and all(len(n) > 40 and ": " in n for n in names), names
            screenshot(page, f"lab-{panel.split()[0].lower()}-{width}x{height}")
        assert not errors, errors
    finally:
        page.close()
