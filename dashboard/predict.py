"""Predict, then observe: the quiz mode's questions before Train, and the grades after the run.

With the mode on (the sidebar toggle, or ``quiz=1`` in a link), Train stays locked until every
question for the selected schemes is answered (the preset's questions, initdash.quiz). Pressing
Train sends the answers with the run (:func:`submit`); once the run is done, each answer is
graded by the run's own measured verdicts (:func:`initdash.quiz.grade_all`), with the why and its
number. Answers and grades live in this session only (st.session_state). No grading here.
"""

from __future__ import annotations

import streamlit as st

from dashboard import live, state, steps
from dashboard.views.base import ViewInput
from dashboard.views.registry import VIEWS
from initdash import SCHEMES
from initdash import quiz as grading
from initdash.lessons import LAST, Scene

PER_ROW = 5  # answer boxes per row (one per scheme)


def on() -> bool:
    return bool(st.session_state.get(state.QUIZ))


def asked(inp: ViewInput) -> list[tuple[str, str | None]]:
    """The (question, scheme) pairs for the settings on the page."""
    if inp.config is None:
        return []
    return grading.questions_for(st.session_state.get(state.PRESET), inp.config)


def answers(inp: ViewInput) -> dict[tuple[str, str | None], str | None]:
    """The answers given so far (None: not yet)."""
    return {q: st.session_state.get(state.quiz_answer(*q)) for q in asked(inp)}


def sent_with(run: live.Run | None, inp: ViewInput) -> dict | None:
    """The answers sent with this session's run, if that run is the one the page describes."""
    sent = st.session_state.get(state.QUIZ_SENT)
    if run is None or sent is None or sent[0] != st.session_state.get(state.RUN_NO):
        return None
    if run.config != inp.config or run.data_key != inp.data_key:
        return None  # the settings changed since: new questions
    return sent[1]


def waiting(inp: ViewInput, run: live.Run | None) -> bool:
    """The questions are open: the mode is on, this lesson's quiz not graded yet, and no answers
    went with the run on the page. Then nothing else that could answer them is on the page."""
    return on() and inp.config is not None and not steps.graded() and sent_with(run, inp) is None


def locked(inp: ViewInput, run: live.Run | None) -> bool:
    """Train waits for answers: the questions are open and one of them is not answered."""
    return waiting(inp, run) and any(a is None for a in answers(inp).values())


def submit(inp: ViewInput) -> None:
    """Send the answers with the run Train starts (from the button's callback). Train pressed
    again beside the grades (no questions open) sends the same answers again."""
    if not on():
        return
    given = answers(inp)
    if any(a is None for a in given.values()):
        sent = st.session_state.get(state.QUIZ_SENT)
        if sent is None or set(sent[1]) != set(given):
            return
        given = sent[1]
    st.session_state[state.QUIZ_SENT] = (st.session_state.get(state.RUN_NO), given)


def _label(choice: str) -> str:
    if choice == grading.NONE:
        return "none of them"
    return SCHEMES[choice].label if choice in SCHEMES else choice


SETUP = (
    "**:material/quiz: Predict, then observe.** Answer every question, then lock in your "
    "predictions and train; when the run ends, each answer is graded by what it measured."
)


def ask(inp: ViewInput, out, train) -> None:
    """The open questions, one answer box per scheme, then the button that locks them in and
    trains (``train(inp)``: Train's own callback)."""
    questions = asked(inp)
    with out.container(border=True):
        st.markdown(SETUP)
        for name in dict.fromkeys(n for n, _ in questions):
            q = grading.QUESTIONS[name]
            st.markdown(f"**{q.text}**")
            schemes = [s for n, s in questions if n == name]
            if not q.per_scheme:
                options = grading.choices(name, inp.config.schemes)
                st.pills(
                    q.text,
                    options,
                    format_func=_label,
                    key=state.quiz_answer(name, None),
                    label_visibility="collapsed",
                )
                continue
            for start in range(0, len(schemes), PER_ROW):
                row = schemes[start : start + PER_ROW]
                for col, scheme in zip(st.columns(PER_ROW), row, strict=False):
                    label, key = SCHEMES[scheme].label, state.quiz_answer(name, scheme)
                    if len(q.choices) <= 2:
                        col.pills(label, q.choices, key=key)
                    else:  # more choices than fit a fifth of the page side by side
                        col.selectbox(label, q.choices, index=None, placeholder="choose", key=key)
        missing = sum(a is None for a in answers(inp).values())
        st.button(
            "Lock in my predictions and train",
            key="quiz_lock_in",
            type="primary",
            icon=":material/lock:",
            disabled=missing > 0,
            on_click=train,
            args=(inp,),
            help=f"{missing} answers still open" if missing else "trains the lesson's run",
        )


def where(scene: Scene) -> str:
    """'Signal flow, epoch 0': the view and the epoch that show a grade's evidence."""
    at = "the last epoch" if scene.epoch == LAST else f"epoch {scene.epoch}"
    return f"{VIEWS[scene.view].title}, {at}"


def report(run: live.Run, sent: dict, out) -> None:
    """The grades: right or wrong, the run's answer and why, with its number, and a button
    per view and epoch that shows the evidence. The lesson's steps begin now."""
    st.session_state[state.QUIZ_GRADED] = steps.current().name
    facts = grading.facts(run.result)
    grades = grading.grade_all(sent, facts)
    right = sum(g.right for g in grades)
    note = ""
    if run.result.stopped:
        note = f" (stopped at epoch {run.result.epochs_done}: graded on what was trained)"
    with out.container(border=True):
        st.markdown(
            f"**:material/quiz: Predict, then observe: {right} of {len(grades)} right**{note}"
        )
        for name in dict.fromkeys(g.question for g in grades):
            lines = []
            for g in (g for g in grades if g.question == name):
                icon = ":green[:material/check_circle:]" if g.right else ":red[:material/cancel:]"
                who = f"**{_label(g.scheme)}**: " if g.scheme else ""
                truth = " or ".join(_label(t) for t in g.truths)
                verdict = "right" if g.right else f"the run says *{truth}*"
                lines.append(
                    f"{icon} {who}you said *{_label(g.answer)}*, {verdict}: {g.why}; "
                    f"see {where(g.scene)}."
                )
            st.markdown(f"**{grading.QUESTIONS[name].question}**  \n" + "  \n".join(lines))
            scenes = dict.fromkeys(g.scene for g in grades if g.question == name)
            row = st.container(horizontal=True)
            for i, scene in enumerate(scenes):
                row.button(
                    f"See {where(scene)}", key=f"quiz_see_{name}_{i}", icon=":material/visibility:",
                    on_click=steps.open_scene, args=(scene,),
                )  # fmt: skip


def draw(inp: ViewInput, run: live.Run | None, out, train=None, *, grades_only: bool = False):
    """Questions, a note while the answered run trains, or the grades once it is done
    (``grades_only``: the grades or nothing, for a second draw in the same script run). Once
    graded, a new run (a step's "Try this") asks nothing again."""
    if not on() or inp.config is None:
        return
    sent = sent_with(run, inp)
    if sent is None:
        if not grades_only and not steps.graded():
            ask(inp, out, train)
    elif run.finished:
        report(run, sent, out)
    else:
        out.info(
            f":material/quiz: Your {len(sent)} predictions are in: they are graded here when "
            "the run ends."
        )
