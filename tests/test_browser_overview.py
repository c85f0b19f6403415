"""The overview in a real browser: the first thing a new visitor sees, drawing during a run and
after it, fitting a laptop screen and a phone; Material icons, not emoji boxes."""

from __future__ import annotations

import re

import pytest

from tests.harness import screenshot, selected_view, wait_for_app_idle

pytestmark = pytest.mark.browser

CHART = '[data-testid="stVegaLiteChart"]'
# Emoji and pictographs: without an emoji font (Linux, this headless browser) they draw as boxes
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")


def charts_with_drawings(page) -> int:
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)]
                 .filter(c => c.querySelector('svg, canvas')).length""",
        CHART,
    )


def selected_tab(page) -> str:
    return selected_view(page)


def test_the_overview_opens_first_draws_live_and_fits_a_laptop_screen(page, app_url):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{app_url}/?epochs=5000")  # predicted over live.TRAIN_FIRST: drawn live
    wait_for_app_idle(page)
    assert "Overview" in selected_tab(page)
    assert charts_with_drawings(page) == 1  # the loss chart, with where each scheme starts
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => /Training: epoch [1-9]/.test(e.innerText))""",
        timeout=60_000,
    )
    schemes = 5
    page.wait_for_function(  # during the run: loss, divergence and one histogram per scheme
        """([sel, n]) => [...document.querySelectorAll(sel)]
                 .filter(c => c.querySelector('svg, canvas')).length >= n""",
        arg=[CHART, 2 + schemes],
        timeout=60_000,
    )
    progress = page.locator('[data-testid="stProgress"]').inner_text()
    assert re.search(r"Training: epoch \d+", progress), progress  # still training
    screenshot(page, "overview-live-1440x900")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => e.innerText.includes('Trained 5000 epochs'))""",
        timeout=180_000,
    )
    wait_for_app_idle(page)
    assert charts_with_drawings(page) == 2 + schemes
    screenshot(page, "overview-1440x900")
    # The Train button and the loss and divergence charts on the first screen; the weights
    # after at most one short scroll (under half a screen)
    train = page.get_by_role("button", name="Train", exact=True).bounding_box()
    boxes = [page.locator(CHART).nth(i).bounding_box() for i in range(2 + schemes)]
    assert train["y"] + train["height"] < 900
    assert all(b["y"] < 900 for b in boxes[:2]), boxes[:2]
    assert max(b["y"] + b["height"] for b in boxes) < 900 + 450, boxes
    assert not page.page_errors and page.locator('[data-testid="stException"]').count() == 0


def test_the_overview_stacks_on_a_phone(page, app_url):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{app_url}/?epochs=200")
    wait_for_app_idle(page)
    train = page.get_by_role("button", name="Train", exact=True)
    train.click()  # clickable: the sidebar starts collapsed on a phone
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => e.innerText.includes('Trained 200 epochs'))""",
        timeout=120_000,
    )
    wait_for_app_idle(page)
    screenshot(page, "overview-390x844")
    boxes = [page.locator(CHART).nth(i).bounding_box() for i in range(7)]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= 390 + 1 for b in boxes), boxes
    ys = [b["y"] for b in boxes]
    assert ys == sorted(ys) and ys[0] < ys[1] < ys[2]  # the loss, the divergence: stacked
    rows = [ys[2:][i : i + 2] for i in range(0, 5, 2)]  # the 5 histograms: 2 a line
    assert [len(set(r)) for r in rows] == [1, 1, 1] and len({r[0] for r in rows}) == 3


def test_no_emoji_where_icons_should_be(page, app_url):
    """Titles, tabs, buttons and cards use Material icons (drawn by a font Streamlit ships) or
    plain text: no character on the page needs an emoji font."""
    page.goto(f"{app_url}/?epochs=50")
    wait_for_app_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_timeout(500)
    wait_for_app_idle(page)
    text = page.locator("body").inner_text()
    assert not EMOJI.findall(text), sorted(set(EMOJI.findall(text)))
    icons = page.locator('[data-testid="stIconMaterial"]')
    assert icons.count() >= 10  # tabs, buttons, card warnings
