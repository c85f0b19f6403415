"""What only a browser shows (issue 25): accessible names without icon names, a text
alternative on every chart, Train first in the Tab order, long options shown whole, and the
CSV message above Train; at 1440x900, 1280x720 and 390x844. Names are read from Chromium's
own accessibility tree (what a screen reader gets), through the DevTools protocol."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.views.registry import GROUPS, VIEWS, group_of
from initdash.presets import PRESETS
from tests.harness import open_view, screenshot, wait_for_app_idle

pytestmark = pytest.mark.browser

SCREENS = {"laptop": (1440, 900), "projector": (1280, 720), "phone": (390, 844)}
NAMED = {"button", "tab", "heading", "link", "combobox", "DisclosureTriangle", "checkbox",
         "switch", "slider", "graphics-document"}  # fmt: skip
ICON_WORDS = {v.icon for v in VIEWS.values()} | {g.icon for g in GROUPS.values()} | {
    "play_arrow", "stop", "keyboard_arrow_right", "keyboard_arrow_down", "tune", "timer",
    "link", "download", "attach_file", "add"}  # fmt: skip


def open_page(browser, url: str, screen: str = "laptop"):
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(url)
    wait_for_app_idle(page)
    return page


def train(page) -> None:
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_timeout(300)
    wait_for_app_idle(page, timeout=120_000, quiet=600)


def accessible_names(page) -> list[tuple[str, str]]:
    """(role, name) of every named control and chart in Chromium's accessibility tree."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    out = []
    for n in nodes:
        role = n.get("role", {}).get("value")
        if not n.get("ignored") and role in NAMED:
            out.append((role, n.get("name", {}).get("value", "")))
    return out


def test_no_icon_name_is_read_out_and_every_chart_says_what_it_shows(browser, app_url):
    page = open_page(browser, f"{app_url}/?epochs=60")
    train(page)
    names = accessible_names(page)
    assert ("button", "Train") in names and ("heading", "initdash") in names
    assert ("DisclosureTriangle", "Data") in names and ("tab", group_of("overview").title) in names
    leaks = [
        (role, name)
        for role, name in names
        if re.search(r"\bicon\b", name) or set(name.split()) & ICON_WORDS
    ]
    assert leaks == []
    charts = [name for role, name in names if role == "graphics-document"]
    assert len(charts) == 2 + 5  # the overview: loss, divergence, a histogram per scheme
    assert all(len(name) > 40 and name != "Vega visualization" for name in charts), charts
    assert any(
        name.startswith("Training loss: line chart of cross-entropy loss") for name in charts
    )
    assert any(name.startswith("Random small: histogram of the layer's weights") for name in charts)
    for view in ("gradients", "boundary", "activations"):
        open_view(page, view)
        wait_for_app_idle(page, quiet=600)
        charts = [n for r, n in accessible_names(page) if r == "graphics-document"]
        assert charts and all(len(n) > 40 and n != "Vega visualization" for n in charts), view
    page.context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_train_is_the_first_tab_stop_from_the_top(browser, app_url, screen):
    page = open_page(browser, f"{app_url}/?preset=clones", screen)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")  # the first press from the top of the page
    assert page.evaluate("document.activeElement.closest('.st-key-train') !== null")
    page.keyboard.press("Enter")  # and it trains
    page.wait_for_timeout(300)
    wait_for_app_idle(page, timeout=120_000, quiet=600)
    progress = page.locator('[data-testid="stProgress"]').inner_text()
    assert progress.startswith(("Trained", "Loaded a finished run")), progress
    page.context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_preset_titles_and_chosen_schemes_show_whole(browser, app_url, screen):
    page = open_page(browser, f"{app_url}/?schemes=all", screen)
    if screen == "phone":
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_timeout(500)
    chips = page.locator(".st-key-w_schemes [data-tag]")
    assert chips.count() == 11
    box = page.locator(".st-key-w_schemes [data-testid='stMultiSelectTagsContainer']")
    bottom = box.bounding_box()["y"] + box.bounding_box()["height"]
    for i in range(chips.count()):
        chip = chips.nth(i).bounding_box()
        assert chip["y"] + chip["height"] <= bottom + 0.5, chips.nth(i).inner_text()
    page.get_by_role("combobox", name="Lesson preset").click()
    page.wait_for_timeout(500)
    shown = page.evaluate(
        """() => [...document.querySelectorAll('[role=option] > div')].map(e => [e.innerText,
        e.scrollWidth <= e.clientWidth && e.getBoundingClientRect().right <= innerWidth])"""
    )
    assert len(shown) == len(PRESETS) + 1 and all(ok for _, ok in shown), shown  # + "none"
    screenshot(page, f"access-preset-list-{screen}")
    page.context.close()


def test_a_bad_csv_file_is_named_above_train(browser, app_url, tmp_path: Path):
    bad = tmp_path / "semi.csv"
    bad.write_text("a;b;label\n" + "1;2;0\n3;4;1\n" * 10)
    page = open_page(browser, app_url)
    page.get_by_text("Your own data (CSV)").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.wait_for_timeout(500)
    wait_for_app_idle(page, quiet=600)
    main = page.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]')
    assert main.count() == 1
    text = main.inner_text()
    assert text.startswith("Your file was not used. semi.csv: no 'label' column")
    assert "Train trains on the generated data instead: Two moons, 400 samples" in text
    train_box = page.get_by_role("button", name="Train", exact=True).bounding_box()
    alert = main.bounding_box()
    assert alert["y"] + alert["height"] <= train_box["y"]
    assert alert["y"] + alert["height"] <= 900  # on the first screen
    screenshot(page, "access-bad-csv")
    page.context.close()
