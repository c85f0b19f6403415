"""The real app in a real browser: it renders, with no error box and no page errors."""

import pytest

from tests.harness import screenshot, wait_for_app_idle

pytestmark = pytest.mark.browser


def test_app_renders_without_errors(page, app_url):
    page.goto(app_url)
    wait_for_app_idle(page)

    title = page.get_by_role("heading", name="initdash")
    assert title.is_visible()
    assert page.title() == "initdash: weight initialization, live"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.page_errors == []
    assert page.console_errors == []

    path = screenshot(page, "smoke-home")
    assert path.stat().st_size > 0
