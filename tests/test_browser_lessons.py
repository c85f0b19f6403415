"""Guided lessons in a real browser, on a laptop (1440x900) and a phone (390x844): every lesson
stepped through to its end after Train, each step's view and epoch as the page shows them
(the open tab, the epoch scrubber's value), the page no wider than the screen, a screenshot per
step (artifacts/screenshots/lesson-<lesson>-<size>-<k>.png); and a quiz link whose page gives
nothing away before the answers, where only answering unlocks Train."""

from __future__ import annotations

import re

import pytest

from dashboard.views.registry import VIEWS
from initdash.lessons import LAST
from initdash.presets import PRESETS, START
from initdash.quiz import questions_for
from tests.harness import QUIZ, press_train, screenshot, wait_for_app_idle

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
LESSONS = {"start": START, **PRESETS}
STEP_BOX = ".st-key-lesson_step"
SCRUBBER_LABEL = "Epoch (scrub through the recorded epochs)"


@pytest.fixture(params=list(SIZES))
def sized(request, browser):
    """A fresh page of one of SIZES: (page, size name)."""
    context = browser.new_context(viewport=SIZES[request.param])
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.page_errors = []
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    try:
        yield page, request.param
    finally:
        context.close()


def picked(page) -> set[str]:
    """What the page shows as picked: the selected tab, and the checked option of each
    segmented control (the open view is one of them: its tab, or its group's tab and the view
    checked under it)."""
    tabs = page.locator('[role="tab"][aria-selected="true"]').all_inner_texts()
    checked = page.locator('[role="radio"][aria-checked="true"]').all_inner_texts()
    return {t.strip() for t in (*tabs, *checked)}


def scrubber(page) -> int | None:
    """The epoch scrubber's value as the page shows it (None: no scrubber)."""
    sliders = page.locator('[data-testid="stSlider"]').filter(has_text=SCRUBBER_LABEL)
    if sliders.count() == 0:
        return None
    return int(sliders.first.locator('[data-testid="stSliderThumbValue"]').inner_text())


def want_epoch(lesson, scene) -> int:
    epochs = [int(e) for e in lesson.config().detail_epochs()]
    return epochs[-1] if scene.epoch == LAST else min(epochs, key=lambda e: abs(e - scene.epoch))


def fits_width(page, width: int) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide on a {width} px screen"


@pytest.mark.parametrize("name", list(LESSONS))
def test_each_lesson_stepped_through_to_its_end(sized, app_url, name):
    page, size = sized
    lesson = LESSONS[name]
    page.goto(f"{app_url}/" + ("" if name == "start" else f"?preset={name}"))
    wait_for_app_idle(page)
    press_train(page)
    n = len(lesson.steps)
    for k in range(1, n + 1):
        scene = lesson.steps[k - 1].scene
        box = page.locator(STEP_BOX).inner_text()
        assert f"step {k} of {n}" in box, box
        assert lesson.steps[k - 1].text.split()[-1] in box  # the step's own text
        assert VIEWS[scene.view].title in picked(page), (name, k, picked(page))
        if VIEWS[scene.view].uses_epoch:
            assert scrubber(page) == want_epoch(lesson, scene), (name, k, scrubber(page))
        fits_width(page, SIZES[size]["width"])
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, f"lesson-{name}-{size}-{k}")
        if k < n:
            page.locator(STEP_BOX).get_by_role("button", name="Next").click()
            wait_for_app_idle(page)
    assert page.locator(STEP_BOX).get_by_role("button", name="Next").is_disabled()
    assert not page.page_errors, page.page_errors


def sentences(text: str) -> list[str]:
    plain = text.replace("**", "")
    return [p.strip() for p in re.split(r"(?<=[.:;!?])\s+", plain) if len(p.split()) >= 4]


QUIZ_LESSON = PRESETS["seed_table"]  # lesson 5
ASKED = questions_for("seed_table", QUIZ_LESSON.config())  # the quiz's (question, scheme) pairs
GIVEAWAYS = ("no learning", "unstable", "diverged", "slow start", "Symmetry broken", "Look at")


def test_a_quiz_link_gives_nothing_away_and_only_answers_unlock_train(browser, app_url):
    """Lesson 5 as a class gets it, on a phone: ``quiz=1`` with every settings section hidden.
    Before the answers no sentence of any lesson, no lesson title and no verdict word is on
    the page (sidebar included), there is no switch to turn the quiz off, and Train and the
    lock-in button stay disabled until the last answer; the lock-in button trains, the grades
    come, and the lesson's steps begin."""
    context = browser.new_context(viewport=SIZES["phone"])
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?preset=seed_table&quiz=1&hide=data,network,init,training")
        wait_for_app_idle(page)
        text = page.locator("body").inner_text()
        for lesson in LESSONS.values():
            assert lesson.title not in text
            for step in lesson.steps:
                for sentence in sentences(step.text):
                    assert sentence not in text, sentence
        for word in GIVEAWAYS:
            assert word not in text, word
        assert page.get_by_role("checkbox", name="Predict, then observe").count() == 0
        assert page.locator(STEP_BOX).count() == 0
        train = page.get_by_role("button", name="Train", exact=True)
        lock_in = page.get_by_role("button", name="Lock in my predictions and train")
        groups = page.locator(f'{QUIZ} [data-testid="stButtonGroup"]')
        n = groups.count()
        assert n == len(ASKED) > 0  # lesson 5: clones x2, saturated x2, learns x3
        for i in range(n):
            assert train.is_disabled() and lock_in.is_disabled()
            groups.nth(i).get_by_role("radio", name="yes", exact=True).click()
            wait_for_app_idle(page)
        assert train.is_enabled() and lock_in.is_enabled()
        screenshot(page, "lesson-quiz-phone-answered")
        lock_in.click()
        page.wait_for_function(
            "(n) => document.body.innerText.includes(`of ${n} right`)", arg=n, timeout=120_000
        )
        wait_for_app_idle(page)
        assert page.locator(STEP_BOX).count() == 1
        assert f"step 1 of {len(QUIZ_LESSON.steps)}" in page.locator(STEP_BOX).inner_text()
        screenshot(page, "lesson-quiz-phone-graded")
    finally:
        context.close()


FIRST_SCREEN_JS = """() => {
  const step = document.querySelector('.st-key-lesson_step').getBoundingClientRect();
  const p = [...document.querySelectorAll('p')].find(p => p.querySelector('.card-more'));
  const cards = p.closest('[data-testid="stVerticalBlock"]').getBoundingClientRect();
  const chart = document.querySelector('[data-testid="stVegaLiteChart"]').getBoundingClientRect();
  const line = parseFloat(getComputedStyle(p).lineHeight);
  return {step: step.height, cards: cards.height, lines: p.getBoundingClientRect().height / line,
          chart: chart.top};
}"""


@pytest.mark.parametrize(
    ("size", "chart_within"),
    [((1440, 900), True), ((1280, 720), True), ((390, 844), False)],
)
def test_the_first_screen_after_train(browser, app_url, size, chart_within):
    """The first page after Train: the headline cards are one line per scheme (5 lines; on a
    phone, Random large's unstable verdict takes two) and the step's box at most 4 lines
    high; on a laptop and on a projector (1280x720) the first chart starts on the first
    screen, with at least 100 px of it showing (the view's control and the epoch scrubber
    share a row; the overview's caption is under its first row). On a phone the lesson's
    text comes first, and the chart is just below it (measured, printed)."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/")
        wait_for_app_idle(page)
        press_train(page)
        got = page.evaluate(FIRST_SCREEN_JS)
        screenshot(page, f"lesson-first-screen-{width}x{height}")
        print(f"{width}x{height}: {got}")
        assert round(got["lines"]) <= (6 if width < 640 else 5), got
        assert got["cards"] <= 30 * got["lines"] + 40, got
        assert got["step"] <= (300 if width < 640 else 140), got
        if chart_within:
            assert got["chart"] < height - 100, got
    finally:
        context.close()
