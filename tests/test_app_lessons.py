"""Guided lessons in the real app (AppTest): each step opens the page state it names, the step
is in the link, "Try this" trains under hide=, the quiz gives nothing away before it is
answered, and the headline cards lead with their verdict."""

from __future__ import annotations

import re

import pytest

import initdash
from dashboard import links, state, steps
from dashboard.views import summary
from dashboard.views.registry import VIEWS
from initdash import quiz
from initdash.lessons import LAST
from initdash.presets import PRESETS, START, TEN_RELU
from tests.test_app import charts, fresh, run_of, train
from tests.test_epoch_rule import rules as rule_layers

HIDE_ALL = "data,network,init,training"
LESSONS = {"start": START, **PRESETS}


def link_of(name: str) -> dict:
    return {} if name == "start" else {"preset": name}


def ok(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def step_box(at) -> list[str]:
    """The texts of the open step's box (empty: no step on the page)."""
    try:
        box = at.get_by_key("lesson_step")
    except KeyError:
        return []
    return [m.value for m in (*box.markdown, *box.caption)]


def scrubber(at):
    keys = [s for s in at.select_slider if str(s.key).startswith("o_epoch_")]
    return keys[0].value if keys else None


def assert_scene(at, lesson, k: int) -> None:
    """Step k's page state: the view, its measure / metric / lab, the scrubber's epoch."""
    scene = lesson.steps[k - 1].scene
    assert at.session_state[state.STEP] == k
    assert at.session_state[state.VIEW] == scene.view, (lesson.name, k)
    if scene.measure:
        assert at.session_state[steps.MEASURE_KEYS[scene.view]] == scene.measure
    if scene.metric:
        assert at.session_state[steps.METRIC_KEYS[scene.view]] == scene.metric
    if scene.lab:
        assert at.session_state[state.DEEP_ACTIVATION] == scene.lab[0]
        assert at.session_state[state.DEEP_DEPTH] == scene.lab[1]
    if VIEWS[scene.view].uses_epoch and scene.view not in ("deep", "theory"):
        epochs = run_of(at).result.detail_epochs
        want = (
            epochs[-1] if scene.epoch == LAST else min(epochs, key=lambda e: abs(e - scene.epoch))
        )
        assert scrubber(at) == want, (lesson.name, k, scrubber(at), want)
    box = step_box(at)
    assert box and f"step {k} of {len(lesson.steps)}" in box[0]
    assert any(lesson.steps[k - 1].text in t for t in box)


@pytest.mark.parametrize("name", list(LESSONS))
def test_each_step_opens_the_page_state_it_names(name):
    """Train the lesson, then Next through every step and Back once: each step opens its
    view, measure and epoch; Next is off on the last step, Back on the first."""
    lesson = LESSONS[name]
    at = fresh(link_of(name))
    assert at.session_state[state.VIEW] == lesson.steps[0].scene.view
    at = train(at)
    assert run_of(at).config == lesson.config()
    for k in range(1, len(lesson.steps) + 1):
        assert_scene(at, lesson, k)
        if k > 1:
            assert at.query_params["step"] == str(k)  # the share link names the step
        if k < len(lesson.steps):
            at.button(key="step_next").click()
            at = ok(at)
    assert at.button(key="step_next").disabled
    at.button(key="step_back").click()
    at = ok(at)
    assert_scene(at, lesson, len(lesson.steps) - 1)


def test_a_step_that_reads_a_run_says_press_train_first():
    at = fresh({"preset": "saturation"})
    box = " ".join(step_box(at))
    assert "Press **Train** first" in box  # signal flow needs a run
    at = fresh({"preset": "saturation", "step": "6"})  # the deep lab needs none
    assert at.session_state[state.VIEW] == "deep"
    assert "Press **Train** first" not in " ".join(step_box(at))


def test_a_step_link_opens_that_step_and_bad_steps_are_refused():
    at = fresh({"preset": "saturation", "step": "2"})
    assert at.session_state[state.STEP] == 2
    assert at.session_state[state.VIEW] == "signal"
    assert at.session_state["o_signal"] == "backprop_signal"
    assert at.query_params["step"] == "2"
    for bad in ("5", "0", "two"):  # lesson 1 has 4 steps
        at = fresh({"preset": "clones", "step": bad})
        assert at.session_state[state.STEP] == 1
        assert any("parameter 'step' rejected" in w.value for w in at.warning), bad
        assert "step" not in at.query_params
    link = links.parse_query({"preset": "clones", "step": "3"})
    assert (link.step, link.view) == (3, "weights") and not link.warnings
    assert links.to_query(PRESETS["clones"].config(), preset="clones", view="weights", step=3) == {
        "preset": "clones",
        "step": "3",
    }


@pytest.mark.parametrize(("name", "k"), [("clones", 4), ("batchnorm", 2), ("seed_table", 5)])
def test_try_this_trains_the_steps_change_under_hide(name, k):
    """The link hides every settings section; the step's button still applies its change to
    the lesson's settings and trains them."""
    lesson = PRESETS[name]
    action = lesson.steps[k - 1].action
    at = fresh({"preset": name, "step": str(k), "hide": HIDE_ALL})
    assert not at.sidebar.selectbox or all(s.key == state.PRESET for s in at.sidebar.selectbox)
    at.button(key=f"step_try_{k}").click()
    at = ok(at)
    run = run_of(at)
    assert run.finished and run.config == action.apply(lesson.config())
    assert at.session_state[state.STEP] == k and step_box(at)  # the step still describes it
    assert not any("charts still show the previous run" in w.value for w in at.warning)


def test_start_here_leads_into_lesson_1():
    at = fresh()
    assert "Start here" in step_box(at)[0]
    at.button(key="step_next").click()
    at = ok(at)
    at.button(key="step_next").click()
    at = ok(at)
    at.button(key="step_try_3").click()
    at = ok(at)
    assert at.session_state[state.PRESET] == "clones"
    assert_scene_first = PRESETS["clones"].steps[0].scene
    assert at.session_state[state.VIEW] == assert_scene_first.view
    assert "step 1 of 4" in step_box(at)[0]
    assert at.query_params["preset"] == "clones"


def test_settings_not_the_lessons_get_a_way_back():
    at = fresh({"preset": "clones", "seed": "5"})
    box = " ".join(step_box(at))
    assert "the settings differ from the lesson's" in box
    at.button(key="step_reset").click()
    at = ok(at)
    assert at.session_state[state.widget("seed")] == 0 and "step 1 of 4" in step_box(at)[0]
    assert not step_box(fresh({"seed": "5"}))  # the teacher's own settings: no lesson


def test_a_relu_run_with_most_neurons_dead_suggests_a_smaller_step():
    """Lesson 3's tempting first experiment at step 0.5: the page says how many neurons died
    and how large the updates were (both from this run), and trains at a step 10 times
    smaller on request."""
    at = fresh({"preset": "xavier_vs_he", "step": "5", "hide": HIDE_ALL})
    at.button(key="step_try_5").click()
    at = ok(at)
    result = run_of(at).result
    s = result.summary()
    note = [w.value for w in at.warning if "Dead neurons, large steps" in w.value]
    assert note, [w.value for w in at.warning]
    for _, row in s[s["dead_neurons"] > s["layer_width"] / 2].iterrows():
        assert f"{row['label']} {row['dead_neurons']} of {row['layer_width']}" in note[0]
    biggest = result.update_table()["update_ratio"].max()
    assert f"update ratio {summary.num(biggest)}" in note[0]
    at.button(key="step_smaller").click()
    at = ok(at)
    want = PRESETS["xavier_vs_he"].config().replace(**TEN_RELU, lr=0.05)
    assert run_of(at).config == want


# ---------------------------------------------------------------------- quiz integrity
def page_texts(at) -> list[str]:
    """Every text a student reads on the page, but the quiz's own question lines."""
    asked = {f"**{q.text}**" for q in quiz.QUESTIONS.values()}
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                 "header", "subheader", "text", "code", "latex"):  # fmt: skip
        out += [e.value for e in at.get(kind) if e.value not in asked]
    out += [e.proto.body for e in at.get("html")]
    for kind in ("button", "toggle", "selectbox", "select_slider", "slider", "multiselect",
                 "expander", "tab", "button_group", "number_input", "text_input"):  # fmt: skip
        for e in at.get(kind):
            out.append(str(getattr(e, "label", "")))
            out += [str(o) for o in getattr(e, "options", []) or []]
            out.append(str(getattr(e, "help", "") or ""))
    return out


def sentences(text: str) -> list[str]:
    """A lesson text's sentences and clauses of 4 words or more (Markdown marks dropped)."""
    plain = text.replace("**", "")
    parts = re.split(r"(?<=[.:;!?])\s+", plain)
    return [p.strip() for p in parts if len(p.split()) >= 4]


# Words a headline card or the TL;DR would give away (summary.verdict_text, outcome_text)
VERDICT_WORDS = ("no learning", "unstable", "diverged", "stable:", "slow start", "clones:",
                 "All neurons same", "Symmetry broken", "test accuracy")  # fmt: skip


@pytest.mark.parametrize("name", list(LESSONS))
def test_a_quiz_link_gives_nothing_away_before_it_is_answered(name):
    """``quiz=1`` and every settings section hidden, for every lesson: before the answers,
    no sentence of the lesson's steps, no lesson title, no verdict word and no view is on
    the page; the mode cannot be switched off; only answering unlocks Train and the lock-in
    button; after the grades the steps begin."""
    lesson = LESSONS[name]
    at = fresh({**link_of(name), "quiz": "1", "hide": HIDE_ALL})
    texts = page_texts(at)
    joined = "\n".join(texts).replace("**", "")
    for s in (*lesson.steps, *(x for p in LESSONS.values() for x in p.steps)):
        for sentence in sentences(s.text):
            assert sentence not in joined, sentence
    for p in LESSONS.values():
        assert p.title not in joined
    for word in VERDICT_WORDS:
        assert word not in joined, word
    assert not at.tabs and not step_box(at)  # no view, no step
    assert state.QUIZ not in [t.key for t in at.toggle]  # the teacher's mode
    assert at.button(key="train").disabled and at.button(key="quiz_lock_in").disabled
    for q in quiz.QUESTIONS.values():  # every question asked states its rule
        if any(m.value == f"**{q.text}**" for m in at.markdown):
            assert q.rule in q.text
    config = lesson.config()
    questions = quiz.questions_for(None if name == "start" else name, config)
    for n, s in questions[:-1]:
        at.session_state[state.quiz_answer(n, s)] = quiz.choices(n, config.schemes)[0]
    at = ok(at)
    assert at.button(key="train").disabled and at.button(key="quiz_lock_in").disabled
    n, s = questions[-1]
    at.session_state[state.quiz_answer(n, s)] = quiz.choices(n, config.schemes)[0]
    at = ok(at)
    assert not at.button(key="quiz_lock_in").disabled
    at.button(key="quiz_lock_in").click()
    at = ok(at)
    assert run_of(at).finished
    assert any("right**" in m.value for m in at.markdown)  # graded
    assert "step 1 of" in step_box(at)[0]  # the steps begin


def test_each_grade_opens_its_evidence():
    """A grade's button opens the view and epoch where the run shows the evidence."""
    at = fresh({"preset": "seed_table", "quiz": "1"})
    config = PRESETS["seed_table"].config()
    for n, s in quiz.questions_for("seed_table", config):
        at.session_state[state.quiz_answer(n, s)] = "yes"
    at = ok(at)
    at.button(key="quiz_lock_in").click()
    at = ok(at)
    grades = quiz.grade_all(
        {q: "yes" for q in quiz.questions_for("seed_table", config)},
        quiz.facts(run_of(at).result),
    )
    saturated = next(g for g in grades if g.question == "saturated")
    assert f"; see {VIEWS[saturated.scene.view].title}, epoch 0." in " ".join(
        m.value for m in at.markdown
    )
    see = [b for b in at.button if str(b.key).startswith("quiz_see_saturated")]
    see[0].click()
    at = ok(at)
    assert at.session_state[state.VIEW] == "signal"
    assert at.session_state["o_signal"] == "saturated_fraction"
    assert scrubber(at) == 0


# ---------------------------------------------------------------------- the headline cards
def test_cards_lead_with_the_verdict_one_line_per_scheme():
    """Lesson 3: Xavier's card leads with "no learning" (and its number), then the test
    accuracy; every scheme is one line of one card block."""
    at = train(fresh({"preset": "xavier_vs_he"}))
    s = run_of(at).result.summary().set_index("scheme")
    plain = [re.sub(r"<[^>]+>", "", m.value) for m in at.markdown]
    block = [m for m in plain if "■" in m and "test accuracy" in m]
    assert len(block) == 1
    lines = block[0].split("  \n")
    assert len(lines) == len(s)
    xavier = next(ln for ln in lines if "Xavier normal" in ln)
    if s.loc["xavier_normal", "outcome"] == "no learning":
        assert xavier.index("no learning") < xavier.index("test accuracy")
        assert f"lowest loss {summary.num(s.loc['xavier_normal', 'lowest_loss'])}" in xavier
    for ln in lines:
        verdict = ln.split(" · ")[1]
        assert re.search(r"\d", verdict), ln  # the verdict's own number beside it


def test_a_card_says_training_until_the_run_ends():
    r = initdash.run(initdash.TrainConfig(epochs=50, n_samples=120))
    row = r.summary().iloc[1]
    assert "**training**: loss" in summary.card_text(row, finished=False)
    assert "**training**" not in summary.card_text(row, finished=True)


def test_a_time_chart_marks_the_epoch_a_grade_points_at():
    """Lesson 5's learns grade points at the loss curves at the epoch its loss first got 10%
    down: the loss chart draws a rule there; at the run's last epoch (a step's LAST) none."""
    at = fresh({"preset": "seed_table", "quiz": "1"})
    config = PRESETS["seed_table"].config()
    asked = quiz.questions_for("seed_table", config)
    for n, s in asked:
        at.session_state[state.quiz_answer(n, s)] = "yes"
    at = ok(at)
    at.button(key="quiz_lock_in").click()
    at = ok(at)
    result = run_of(at).result
    grades = quiz.grade_all({q: "yes" for q in asked}, quiz.facts(result))
    learns = [g for g in grades if g.question == "learns" and 0 < g.scene.epoch < result.last_epoch]
    assert learns, [g.scene for g in grades]
    i = list(dict.fromkeys(g.scene for g in grades if g.question == "learns")).index(
        learns[0].scene
    )
    at.button(key=f"quiz_see_learns_{i}").click()
    at = ok(at)
    assert at.session_state[state.VIEW] == "curves"
    rules = [r for c in charts(at) for r in rule_layers(c)]
    assert [r["encoding"]["x"]["datum"] for r in rules] == [learns[0].scene.epoch]
    for _ in range(3):  # to step 4: the loss curves at the last epoch, the chart's own edge
        at.button(key="step_next").click()
        at = ok(at)
    assert at.session_state[state.VIEW] == "curves" and charts(at)
    assert not [r for c in charts(at) for r in rule_layers(c)]
