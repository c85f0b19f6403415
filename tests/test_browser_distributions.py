"""The distribution views and the quiz mode in a real browser: each view draws while a run
trains and after it (stopped), and a quiz is answered by clicks, locks and unlocks Train, and is
graded on the page."""

from __future__ import annotations

import re

import pytest

import initdash
from dashboard.views.registry import VIEWS
from initdash import quiz
from tests.harness import QUIZ, screenshot, selected_view, wait_for_app_idle

pytestmark = pytest.mark.browser

CHART = '[data-testid="stVegaLiteChart"]'
LONG = "epochs=5000&hidden=32,32,32,32"  # long enough to watch it train


def progress(page) -> str:
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def wait_progress(page, pattern: str, timeout: float = 120_000) -> None:
    page.wait_for_function(
        """(p) => [...document.querySelectorAll('[data-testid="stProgress"]')]
                 .some(e => new RegExp(p).test(e.innerText))""",
        arg=pattern,
        timeout=timeout,
    )


def drawn(page) -> int:
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)]
                 .filter(c => c.querySelector('svg, canvas')).length""",
        CHART,
    )


def assert_clean(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.page_errors, page.page_errors


@pytest.mark.parametrize("name, seed", [("activations", 11), ("gradients", 12), ("updates", 13)])
def test_each_distribution_view_draws_live_and_after_the_run(page, app_url, name, seed):
    page.goto(f"{app_url}/?view={name}&seed={seed}&{LONG}")
    wait_for_app_idle(page)
    assert VIEWS[name].title in selected_view(page)
    page.get_by_role("button", name="Train", exact=True).click()
    wait_progress(page, r"Training: epoch [1-9]")
    page.wait_for_function(
        """(sel) => [...document.querySelectorAll(sel)]
                 .some(c => c.querySelector('svg, canvas'))""",
        arg=CHART,
        timeout=60_000,
    )
    assert re.search(r"Training: epoch \d+", progress(page)), progress(page)  # still live
    screenshot(page, f"{name}-live")
    page.get_by_role("button", name="Stop").click()
    wait_progress(page, "Stopped at epoch")
    wait_for_app_idle(page)
    assert drawn(page) >= 1
    assert (
        "What to look for" in page.locator('[data-testid="stCaptionContainer"]').last.inner_text()
    )
    assert_clean(page)
    screenshot(page, f"{name}-after")


def test_a_quiz_is_answered_by_clicks_and_graded_on_the_page(page, app_url):
    page.goto(f"{app_url}/?quiz=1&seed=14&epochs=3000")
    wait_for_app_idle(page)
    train = page.get_by_role("button", name="Train", exact=True)
    assert train.is_disabled()
    screenshot(page, "quiz-questions")
    main = page.locator('[data-testid="stMain"]')
    pills = main.locator(f'{QUIZ} [data-testid="stButtonGroup"]')
    pills_count = pills.count()
    for i in range(pills_count):
        pills.nth(i).locator("button").first.click()  # "yes" (or the first scheme in the race)
        wait_for_app_idle(page)
    boxes = main.locator(f'{QUIZ} [data-testid="stSelectbox"]')
    boxes_count = boxes.count()
    for i in range(boxes_count):
        assert train.is_disabled()  # one answer still open
        boxes.nth(i).click()
        page.get_by_role("option", name="stay healthy").click()
        wait_for_app_idle(page)
    assert train.is_enabled()
    train.click()
    page.wait_for_function(
        """() => document.body.innerText.includes('predictions are in')""", timeout=60_000
    )
    screenshot(page, "quiz-live")
    wait_progress(page, "Trained 3000 epochs", timeout=180_000)
    wait_for_app_idle(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    asked = len(quiz.questions_for(None, initdash.TrainConfig(seed=14, epochs=3000)))
    assert asked == pills_count + boxes_count  # one box per question, each answered by a click
    score = re.search(rf"Predict, then observe: (\d+) of {asked} right", text)
    assert score, text[:500]
    assert text.count("you said") == asked
    assert "Zeros: you said yes, right: its neurons kept identical weights" in text
    assert_clean(page)
    screenshot(page, "quiz-graded")
