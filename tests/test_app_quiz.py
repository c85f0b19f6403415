"""Predict, then observe, in the real app (AppTest): ``quiz=1`` or the sidebar toggle asks the
questions, Train waits for every answer, and after the run the page grades each answer by the
run's own verdicts, with the why and its number."""

from __future__ import annotations

import initdash
from dashboard import links, state
from initdash import quiz
from initdash.presets import PRESETS
from tests.test_app import fresh, run_of, train

SMALL = {"epochs": "100", "n_samples": "120"}


def asked(at) -> list[str]:
    """The keys of the answer boxes on the page (pills or a select box), in order."""
    boxes = [*at.get("button_group"), *at.selectbox]
    keys = {str(b.key) for b in boxes if str(b.key).startswith("q_")}
    order = [state.quiz_answer(n, s) for n in quiz.QUESTIONS for s in (*initdash.SCHEMES, None)]
    return [k for k in order if k in keys]


def answer(at, answers: dict[tuple[str, str | None], str]):
    for (name, scheme), a in answers.items():
        at.session_state[state.quiz_answer(name, scheme)] = a
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def grade_lines(at) -> list[str]:
    return [line for m in at.markdown for line in m.value.split("\n") if "you said" in line]


def test_the_link_asks_every_question_and_train_waits_for_the_last_answer():
    at = fresh({"quiz": "1", **SMALL})
    config = initdash.TrainConfig(epochs=100, n_samples=120)
    questions = quiz.questions_for(None, config)
    assert asked(at) == [state.quiz_answer(n, s) for n, s in questions]
    assert at.session_state[state.QUIZ] is True
    assert state.QUIZ not in [t.key for t in at.toggle]  # the link's mode is the teacher's
    assert at.query_params["quiz"] == "1"  # the share link keeps the mode
    assert at.button(key="train").disabled
    all_but_one = {q: quiz.choices(q[0], config.schemes)[0] for q in questions[:-1]}
    at = answer(at, all_but_one)
    assert at.button(key="train").disabled
    last = questions[-1]
    at = answer(at, {last: quiz.choices(last[0], config.schemes)[-1]})
    assert not at.button(key="train").disabled


def test_after_the_run_each_answer_is_graded_by_the_runs_verdicts():
    """Answers that are right and wrong on purpose, from an independent run of the same
    settings (same config, same numbers); the page's grades, score and why agree."""
    config = initdash.TrainConfig(epochs=100, n_samples=120)
    s = initdash.run(config).summary().set_index("scheme")
    answers = {}
    questions = quiz.questions_for(None, config)
    assert {n for n, _ in questions} == {"clones", "learns"}  # the first page's two questions
    for name, scheme in questions:
        if name == "clones":  # right for every scheme
            answers[(name, scheme)] = "no" if s.loc[scheme, "symmetry_broken"] else "yes"
        else:  # learns: wrong for every scheme
            answers[(name, scheme)] = "no" if s.loc[scheme, "first_cut_epoch"] >= 0 else "yes"
    at = answer(fresh({"quiz": "1", **SMALL}), answers)
    at = train(at)
    assert run_of(at).finished
    assert asked(at) == []  # the questions gave way to the grades
    lines = grade_lines(at)
    assert len(lines) == len(answers)
    right = sum(n == "clones" for n, _ in questions)  # clones all right, learns all wrong
    assert any(
        f"Predict, then observe: {right} of {len(answers)} right" in m.value for m in at.markdown
    )
    zeros = [ln for ln in lines if "**Zeros**" in ln]
    assert zeros[0].startswith(":green[:material/check_circle:]")  # clones: yes, right
    assert "1 of 16 neurons distinct" in zeros[0]
    assert zeros[1].startswith(":red[:material/cancel:]")  # learns: said yes, it did not
    assert "never got 10% below that (lowest 0.693)" in zeros[1]
    at = train(at)  # Train again beside the grades: the same answers, the same grades
    assert grade_lines(at) == lines


def test_once_graded_new_settings_ask_nothing_and_the_teachers_toggle_turns_the_mode_off():
    """One quiz per lesson: after its grades the steps begin, and a new run (another seed, a
    step's "Try this") trains without new questions. The toggle is the teacher's: on a page
    whose link does not set the mode."""
    at = fresh({"preset": "clones", **SMALL})
    at.toggle(key=state.QUIZ).set_value(True).run()
    config = PRESETS["clones"].config().replace(epochs=100, n_samples=120)
    questions = quiz.questions_for("clones", config)
    assert {n for n, _ in questions} == {"clones", "learns"}
    assert asked(at) and at.button(key="train").disabled
    at = answer(at, {q: "yes" for q in questions})
    at = train(at)
    assert grade_lines(at)
    at.session_state[state.widget("seed")] = 3
    at.run()
    assert not asked(at) and not at.button(key="train").disabled and not grade_lines(at)
    at.toggle(key=state.QUIZ).set_value(False).run()
    assert not asked(at) and not at.button(key="train").disabled
    assert "quiz" not in at.query_params


def test_without_the_mode_nothing_is_asked():
    at = fresh(SMALL)
    assert not asked(at) and not at.button(key="train").disabled
    assert links.parse_query({"quiz": "1"}).quiz and not links.parse_query({}).quiz
    bad = links.parse_query({"quiz": "2"})
    assert not bad.quiz and "parameter 'quiz' rejected" in bad.warnings[0]
    config = initdash.TrainConfig()
    assert links.to_query(config, quiz=True) == {"quiz": "1"}
    assert links.to_query(config) == {}
